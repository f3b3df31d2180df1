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
records the reader may read. Returns and reopenings are derived tables outer-joined once
into the report's one query; revisits too on PostgreSQL (a window), while SQLite looks up
a later visit per resolved record through the equipment index.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Interval, and_, exists, func, literal, or_, select

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
    tasks, events = WorkflowTask.__table__, Event.__table__
    actions = sorted({str(a) for a in params["return_actions"]})
    first_time = and_(
        _on_record(b, f"returned:{actions}", tasks, tasks.c.action.in_(actions)),
        _on_record(b, "reopened", events, events.c.kind == REOPENED),
        _revisited(b, params, where),
    )
    return b.div(b.count(and_(resolved, first_time)), b.count(resolved))


def _on_record(b: SqlBuilder, name: str, table: Any, condition: Any) -> Any:
    """True unless ``table`` (workflow tasks, events) has a row for the record that meets
    ``condition``: one grouped pass joined once (as a correlated ``NOT EXISTS`` inside
    the count, PostgreSQL looked it up once per record, not hashed: 1.4 times slower)."""
    derived = (
        select(table.c.record_id)
        .where(
            table.c.app_key == b.source.app_key,
            table.c.form_key == b.report.form,
            condition,
        )
        .group_by(table.c.record_id)
    )
    return b.join_per_record(name, derived).c.record_id.is_(None)


def _revisited(b: SqlBuilder, params: Mapping[str, Any], where: str) -> Any:
    """True unless another live record on the same equipment came later, at most ``days``
    days after this one; records without equipment or moment never are revisited."""
    equipment = b.path(str(params["equipment"]), f"{where}.params.equipment")
    at = b.path(str(params.get("date_field") or b.report.date_field), f"{where}.params.date_field")
    days = int(params["days"])
    if b.pg:
        return _no_next_visit(b, b.base.c[equipment.key], b.base.c[at.key], days)
    return ~_later_visit(b, equipment.key, at.key, days)


def _later_visit(b: SqlBuilder, equipment: str, at: str, days: int) -> Any:
    """SQLite: a correlated look-up of a later visit, per resolved record, through the
    equipment index.

    Why not the window PostgreSQL gets: SQLite sorts every record by equipment and moment
    for it, twice the time of these look-ups at a million records with four visits per
    unit a year. The look-ups grow with the visits per unit (at 100 a year they take twice
    the window's time). ``IS NOT 1`` because SQLite cannot search an index with it: without
    statistics it answered ``deleted = 0`` from the index on ``deleted``, reading every
    live record for every resolved one.
    """
    other = b.base.alias("revisit")
    here_at, later_at = b.base.c[at], other.c[at]
    return exists().where(
        other.c[equipment] == b.base.c[equipment],
        other.c.deleted.is_not(True),
        # Dates and moments are stored as ISO text: ordered as text, julianday reads both.
        later_at > here_at,
        func.julianday(later_at) <= func.julianday(here_at) + days,
    )


def _no_next_visit(b: SqlBuilder, unit: Any, moment: Any, days: int) -> Any:
    """PostgreSQL: no next visit within ``days``, from one window over the live records.

    Every record with equipment and moment gets the next later moment on the same
    equipment: the moment of the next group of equal moments (a ``GROUPS`` window frame,
    so visits at the same moment are not each other's revisit). Deleted records get
    partitions of their own, so they are never anyone's revisit (and the report never
    counts them). Hash-joined back by record id, this beats a look-up per record there.
    ``deleted`` leads the partition so that PostgreSQL sorts one sequential scan rather
    than read the whole table in the order of the equipment index (a third slower).
    """
    derived = select(
        b.base.c.id.label("record_id"),
        func.min(moment)
        .over(partition_by=(b.base.c.deleted, unit), order_by=moment, groups=(1, 1))
        .label("next_at"),
    ).where(unit.is_not(None), moment.is_not(None))
    nexts = b.join_per_record(f"revisit:{unit.key}:{moment.key}", derived)
    late = nexts.c.next_at > moment + literal(timedelta(days=days), Interval())
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
