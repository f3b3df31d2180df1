"""The first-time fix rate KPI as SQL: resolved records fixed at the first attempt.

A record counts as *resolved* when the rule ``resolved_if`` holds for it. It was fixed the
first time unless one of these is on record:

- **returned**: one of its workflow tasks was completed with an action in
  ``return_actions`` (the return operation's ``return``, and any edges that send the work
  back, such as a review's ``reject``);
- **reopened**: the workflow logged a ``workflow.reopened`` event for it (a new cycle);
- **revisited**: another live record on the same ``equipment`` has its ``date_field``
  later than this one's and at most ``days`` days after it.

Returns, reopenings and revisits are facts about the record itself, so they are looked up
over all of them, whatever the reader may list; the rate is only ever computed over
records the reader may read. Each test is a derived table outer-joined once into the
report's one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Interval, and_, func, literal, or_, select

from servicekit.platform.models import Event, WorkflowTask

if TYPE_CHECKING:
    from servicekit.runtime.reports.compile import SqlBuilder

REOPENED = "workflow.reopened"
MAX_DAYS = 3650
DEFAULTS: dict[str, Any] = {
    "equipment": "equipment",
    "days": 30,
    "resolved_if": "resolution != null",
    "return_actions": ["return"],
    "date_field": None,  # the report's date_field
}


def first_time_fix_rate(b: SqlBuilder, params: Mapping[str, Any], cond: Any, where: str) -> Any:
    """Resolved records fixed the first time divided by resolved records (empty for none)."""
    resolved = b.both(cond, b.rule(str(params["resolved_if"]), f"{where}.params.resolved_if"))
    first_time = and_(
        _returned(b, list(params["return_actions"])).c.record_id.is_(None),
        _reopened(b).c.record_id.is_(None),
        _revisited(b, params, where),
    )
    return b.div(b.count(and_(resolved, first_time)), b.count(resolved))


def _join(b: SqlBuilder, name: str, derived: Any, on: Any) -> Any:
    """Outer-join a derived table to the report's records once per report (by ``name``).

    Each derived table has at most one row per record, so the join never repeats one; a
    grouped pass joined once is far cheaper than a correlated look-up per record.
    """
    if name not in b._totals:
        table = derived.subquery(f"ftf{len(b._totals)}")
        b.from_ = b.from_.outerjoin(table, on(table))
        b._totals[name] = table
    return b._totals[name]


def _returned(b: SqlBuilder, actions: Sequence[str]) -> Any:
    tasks = WorkflowTask.__table__
    wanted = sorted({str(a) for a in actions})
    derived = (
        select(tasks.c.record_id)
        .where(
            tasks.c.app_key == b.source.app_key,
            tasks.c.form_key == b.report.form,
            tasks.c.action.in_(wanted),
        )
        .group_by(tasks.c.record_id)
    )
    return _join(b, f"returned:{wanted}", derived, lambda t: t.c.record_id == b.base.c.id)


def _reopened(b: SqlBuilder) -> Any:
    events = Event.__table__
    derived = (
        select(events.c.record_id)
        .where(
            events.c.app_key == b.source.app_key,
            events.c.form_key == b.report.form,
            events.c.kind == REOPENED,
        )
        .group_by(events.c.record_id)
    )
    return _join(b, "reopened", derived, lambda t: t.c.record_id == b.base.c.id)


def _revisited(b: SqlBuilder, params: Mapping[str, Any], where: str) -> Any:
    """True unless a later visit to the same equipment came at most ``days`` days after.

    Every live record with equipment and moment gets the next later moment on the same
    equipment: the moment of the next group of equal moments (a ``GROUPS`` window frame,
    so visits at the same moment are not each other's revisit). A record is revisited when
    that next moment is within the window; records without equipment or moment never are.
    Deleted records get partitions of their own, so they are never anyone's revisit (and the
    report never counts them).

    Why it is shaped so: SQLite indexes a window's result for the join only when keyed by
    record id (joined on equipment and moment it scanned every visit for every record),
    and only when it expects many rows, which ``deleted IS 0`` on its indexed column would
    talk it out of when the tables have no statistics.
    """
    equipment = b.path(str(params["equipment"]), f"{where}.params.equipment")
    at = b.path(str(params.get("date_field") or b.report.date_field), f"{where}.params.date_field")
    unit, moment = b.base.c[equipment.key], b.base.c[at.key]
    derived = select(
        b.base.c.id.label("record_id"),
        func.min(moment)
        .over(partition_by=(unit, b.base.c.deleted), order_by=moment, groups=(1, 1))
        .label("next_at"),
    ).where(unit.is_not(None), moment.is_not(None))
    nexts = _join(
        b,
        f"revisit:{equipment.key}:{at.key}",
        derived,
        lambda t: t.c.record_id == b.base.c.id,
    )
    days = int(params["days"])
    if b.pg:
        late = nexts.c.next_at > moment + literal(timedelta(days=days), Interval())
    else:
        # Dates and moments are stored as ISO text; julianday reads both.
        late = func.julianday(nexts.c.next_at) > func.julianday(moment) + days
    return or_(nexts.c.next_at.is_(None), late)


def problems(params: Mapping[str, Any], found: Any, rule: Any, here: str) -> list[tuple[str, str]]:
    """``(json path, message)`` for bad parameters; ``found(text)`` resolves a field path
    (a FieldPath or an error message) and ``rule(text, path)`` checks a condition."""
    out: list[tuple[str, str]] = []
    equipment = found(str(params["equipment"]))
    if isinstance(equipment, str):
        out.append((f"{here}.params.equipment", equipment))
    elif equipment.lookups or equipment.value_type not in ("lookup", "text"):
        out.append(
            (
                f"{here}.params.equipment",
                f"'{params['equipment']}' must be a lookup or text field of this form that "
                "names the equipment serviced.",
            )
        )
    if params.get("date_field") is not None:
        date = found(str(params["date_field"]))
        if isinstance(date, str):
            out.append((f"{here}.params.date_field", date))
        elif date.lookups or date.value_type not in ("date", "datetime"):
            out.append(
                (
                    f"{here}.params.date_field",
                    f"'{params['date_field']}' must be a date or datetime field of this form.",
                )
            )
    days = params["days"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        out.append((f"{here}.params.days", f"days must be a whole number from 1 to {MAX_DAYS}."))
    actions = params["return_actions"]
    if (
        not isinstance(actions, list)
        or len(actions) > 20
        or not all(isinstance(a, str) and 0 < len(a) <= 40 for a in actions)
    ):
        out.append(
            (
                f"{here}.params.return_actions",
                'return_actions must be a list of workflow action keys, e.g. ["return", "reject"].',
            )
        )
    out.extend(rule(str(params["resolved_if"]), f"{here}.params.resolved_if"))
    return out
