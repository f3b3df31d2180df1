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
records the reader may read. Each test is a correlated ``NOT EXISTS`` on indexed columns
inside the report's one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Interval, and_, exists, func, literal, not_

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
        not_(_returned(b, list(params["return_actions"]))),
        not_(_reopened(b)),
        not_(_revisited(b, params, where)),
    )
    return b.div(b.count(and_(resolved, first_time)), b.count(resolved))


def _returned(b: SqlBuilder, actions: Sequence[str]) -> Any:
    tasks = WorkflowTask.__table__
    return exists().where(
        tasks.c.record_id == b.base.c.id,
        tasks.c.app_key == b.source.app_key,
        tasks.c.form_key == b.report.form,
        tasks.c.action.in_([str(a) for a in actions]),
    )


def _reopened(b: SqlBuilder) -> Any:
    events = Event.__table__
    return exists().where(
        events.c.record_id == b.base.c.id,
        events.c.app_key == b.source.app_key,
        events.c.form_key == b.report.form,
        events.c.kind == REOPENED,
    )


def _revisited(b: SqlBuilder, params: Mapping[str, Any], where: str) -> Any:
    equipment = b.path(str(params["equipment"]), f"{where}.params.equipment")
    date_text = str(params.get("date_field") or b.report.date_field)
    at = b.path(date_text, f"{where}.params.date_field")
    other = b.base.alias("revisit")
    here_at, later_at = b.base.c[at.key], other.c[at.key]
    days = int(params["days"])
    if b.pg:
        window = and_(
            later_at > here_at, later_at <= here_at + literal(timedelta(days=days), Interval())
        )
    else:
        # Dates and moments are stored as ISO text; julianday reads both.
        start, later = func.julianday(here_at), func.julianday(later_at)
        window = and_(later > start, later <= start + days)
    return exists().where(
        other.c[equipment.key] == b.base.c[equipment.key],
        other.c.id != b.base.c.id,
        other.c.deleted.is_(False),
        window,
    )


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
