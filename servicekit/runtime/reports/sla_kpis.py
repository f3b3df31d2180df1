"""The SLA KPIs, computed in SQL from the SLA timer rows of each report's records.

For builders of service reports: ``first_response_time`` and ``resolution_time`` (average
business minutes, pause-aware because the timers count only working, unpaused time),
``sla_met`` (the percentage of decided timers that were met in time) and ``sla_breaches``
(how many timers breached). Each KPI joins one grouped pass over ``sla_timers`` to the
report's records (or, in a report of ``sla_met`` and ``sla_breaches`` only, the timer rows
themselves), so the viewer's record scope and the report's filters and dimensions apply
as to every other measure.

Definitions, per work order:

- first response time: the business time its cycle-1 response timer ran until met;
- resolution time: the business time of its met resolution timers, summed over cycles
  (a reopened work order's second resolution adds to its first);
- a timer is *met* when it closed with a ``met_at`` and never breached, *breached* once
  ``breached_at`` is set (open or closed; a breach stays a breach). Timers still running
  on time and cancelled ones count as neither.

``sla_met`` and ``sla_breaches`` take ``params.target``: ``all`` (default), ``response``,
``resolution``, ``nodes`` (every node limit) or ``node:<node key>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, literal, or_, select

from servicekit.platform.models.sla import SlaTimer
from servicekit.runtime.reports.errors import ReportError
from servicekit.runtime.reports.kpis import Kpi, kpi_params, register_kpi

if TYPE_CHECKING:
    from servicekit.runtime.reports.compile import SqlBuilder
    from servicekit.runtime.reports.model import Measure

TARGETS = ("all", "response", "resolution", "nodes")
_NODE = re.compile(r"^node:[a-z][a-z0-9_]{0,39}$")


def target_condition(target: str, column: Any = SlaTimer.target) -> Any:
    """Which timer rows a ``params.target`` names, by their ``column`` (None: all of them)."""
    if target == "all":
        return None
    if target == "nodes":
        return column.like("node:%")
    return column == target


def target_problem(value: Any) -> str | None:
    """Why ``params.target`` of ``sla_met``/``sla_breaches`` names no timers (None if it does)."""
    target = str(value or "all")
    if target in TARGETS or _NODE.match(target):
        return None
    return f"target '{target}' is none of {', '.join(TARGETS)} or node:<node key>"


def _target(b: SqlBuilder, m: Measure, name: str) -> str:
    target = str(kpi_params(name, m).get("target") or "all")
    problem = target_problem(target)
    if problem:
        raise ReportError(problem, f"$.measures[{b.report.measures.index(m)}].params.target")
    return target


def _timers(b: SqlBuilder, *conditions: Any) -> list[Any]:
    """The conditions that keep a grouped pass to this report's app and form."""
    found = [SlaTimer.app_key == b.forms.app_key, SlaTimer.form_key == b.report.form]
    return found + [c for c in conditions if c is not None]


def _average_minutes(b: SqlBuilder, per_record: Any, cond: Any) -> Any:
    # Whole seconds summed exactly and divided once per group: one rounding, not two.
    seconds = per_record.c.seconds
    total = b.aggregate("sum", seconds, cond, scale=0)
    counted = func.count(seconds if cond is None else case((cond, seconds)))
    return b.div(total, counted * 60)


def _first_response(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    query = (
        select(SlaTimer.record_id, func.max(SlaTimer.elapsed_seconds).label("seconds"))
        .where(
            *_timers(
                b, SlaTimer.target == "response", SlaTimer.cycle == 1, SlaTimer.met_at.is_not(None)
            )
        )
        .group_by(SlaTimer.record_id)
    )
    return _average_minutes(b, b.join_per_record("sla:first_response", query), cond)


def _resolution(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    query = (
        select(SlaTimer.record_id, func.sum(SlaTimer.elapsed_seconds).label("seconds"))
        .where(*_timers(b, SlaTimer.target == "resolution", SlaTimer.met_at.is_not(None)))
        .group_by(SlaTimer.record_id)
    )
    return _average_minutes(b, b.join_per_record("sla:resolution", query), cond)


def _decided(b: SqlBuilder, target: str) -> Any:
    """Per record: how many of its timers (of ``target``) were met and how many breached.

    Only decided timers are grouped (on a busy system most are, but running and cancelled
    ones need no group); records without any get no row, which the KPIs read as zero."""
    met = and_(SlaTimer.closed_at.is_not(None), SlaTimer.met_at.is_not(None))
    breached = SlaTimer.breached_at.is_not(None)
    query = (
        select(
            SlaTimer.record_id,
            func.count(case((SlaTimer.breached_at.is_(None), literal(1)))).label("met"),
            func.count(SlaTimer.breached_at).label("breached"),
        )
        .where(*_timers(b, target_condition(target), or_(breached, met)))
        .group_by(SlaTimer.record_id)
    )
    return b.join_per_record(f"sla:decided:{target}", query)


def _breached(b: SqlBuilder, target: str) -> Any:
    """Per record with a breach: how many of its timers (of ``target``) breached.

    A pass of its own, over the breached timers only: far fewer rows to group than all."""
    query = (
        select(SlaTimer.record_id, func.count().label("breached"))
        .where(*_timers(b, target_condition(target), SlaTimer.breached_at.is_not(None)))
        .group_by(SlaTimer.record_id)
    )
    return b.join_per_record(f"sla:breached:{target}", query)


def _decided_rows(b: SqlBuilder) -> Any:
    """The decided timers of the report's records, one row each (target, breached or not):
    the breached ones only when the report counts no met ones.

    For reports whose every measure counts decided timers (``TIMER_COUNTS``): one join and
    one pass straight to the report's groups, instead of grouping the timers per record
    first (a million groups for a million work orders, only to be summed again)."""
    breached_only = b.measures_are(("sla_breaches",))
    wanted = SlaTimer.breached_at.is_not(None)
    if not breached_only:
        wanted = or_(wanted, and_(SlaTimer.closed_at.is_not(None), SlaTimer.met_at.is_not(None)))
    query = select(SlaTimer.record_id, SlaTimer.target, SlaTimer.breached_at).where(
        *_timers(b, wanted)
    )
    return b.join_per_record(f"sla:decided-rows:{breached_only}", query)


def _counted(b: SqlBuilder, m: Measure, name: str, cond: Any) -> tuple[Any, Any]:
    """SQL counting the met and the breached timers of ``m``'s target that pass ``cond``."""
    target = _target(b, m, name)
    if b.measures_are(TIMER_COUNTS):
        rows = _decided_rows(b)
        mine = b.both(cond, rows.c.record_id.is_not(None))
        wanted = target_condition(target, rows.c.target)
        mine = mine if wanted is None else and_(mine, wanted)
        return (
            b.count(and_(mine, rows.c.breached_at.is_(None))),
            b.count(and_(mine, rows.c.breached_at.is_not(None))),
        )
    if name == "sla_breaches":
        return None, _sum(b, _breached(b, target).c.breached, cond)
    per_record = _decided(b, target)
    return _sum(b, per_record.c.met, cond), _sum(b, per_record.c.breached, cond)


def _sum(b: SqlBuilder, column: Any, cond: Any) -> Any:
    return b.aggregate("sum", func.coalesce(column, 0), cond, scale=0)


def _met(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    met, breached = _counted(b, m, "sla_met", cond)
    return b.mul(b.div(met, met + breached), 100)


def _breaches(b: SqlBuilder, m: Measure, cond: Any) -> Any:
    return _counted(b, m, "sla_breaches", cond)[1]


# The KPIs that count decided timers: a report of these only may join timer rows directly.
TIMER_COUNTS = ("sla_met", "sla_breaches")

SLA_KPIS = (
    Kpi("first_response_time", {}, (), _first_response),
    Kpi("resolution_time", {}, (), _resolution),
    Kpi("sla_met", {"target": "all"}, (), _met),
    Kpi("sla_breaches", {"target": "all"}, (), _breaches, decimal=False),
)


def register_sla_kpis() -> None:
    """Make the SLA KPIs known to reports (done when the reports package is imported)."""
    for kpi in SLA_KPIS:
        register_kpi(kpi)
