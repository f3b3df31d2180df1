"""Storing derived clocks as ``sla_timers`` rows (with their history) and reading them back.

``clock_columns`` is the single mapping from a ``Clock`` to a row, so live writes and
replay comparisons look at the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from servicekit.platform.models import SlaFiring, SlaTimer, SlaTimerEvent, WorkflowTask
from servicekit.runtime.sla.clock_state import Clock
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.sla.ladder import next_attention

# The columns a derivation decides (``next_step_at`` also depends on the fired steps).
DERIVED = (
    "state",
    "policy_key",
    "policy_version",
    "calendar_key",
    "calendar_version",
    "target_seconds",
    "started_at",
    "due_at",
    "elapsed_seconds",
    "counted_at",
    "paused_seconds",
    "paused_since",
    "met_at",
    "breached_at",
    "breach_seconds",
    "closed_at",
)


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _seconds(amount: Any) -> int | None:
    return None if amount is None else int(amount.total_seconds())


def clock_columns(clock: Clock) -> dict[str, Any]:
    """The ``sla_timers`` columns of a derived clock (times in UTC, business time in seconds)."""
    return {
        "state": clock.state,
        "policy_key": clock.policy.key,
        "policy_version": clock.policy.version,
        "calendar_key": clock.calendar.key,
        "calendar_version": clock.calendar.version,
        "target_seconds": _seconds(clock.length),
        "started_at": _utc(clock.started_at),
        "due_at": _utc(clock.due_at),
        "elapsed_seconds": _seconds(clock.elapsed),
        "counted_at": _utc(clock.counted_at),
        "paused_seconds": _seconds(clock.paused),
        "paused_since": _utc(clock.paused_since),
        "met_at": _utc(clock.met_at),
        "breached_at": _utc(clock.breached_at),
        "breach_seconds": _seconds(clock.breach),
        "closed_at": _utc(clock.closed_at),
    }


def clock_history(clock: Clock) -> list[tuple[datetime, str, dict[str, Any]]]:
    return [(_utc(at), kind, detail) for at, kind, detail in clock.history]  # type: ignore[misc]


def fired_steps(session: Session, timer_ids: Iterable[int]) -> dict[int, set[str]]:
    """Step keys already fired, per timer id."""
    ids = list(timer_ids)
    fired: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        rows = session.execute(
            select(SlaFiring.timer_id, SlaFiring.step_key).where(SlaFiring.timer_id.in_(ids))
        )
        for timer_id, step_key in rows:
            fired[timer_id].add(step_key)
    return fired


def stored_timers(session: Session, app_key: str, form_key: str, record_id: int) -> list[SlaTimer]:
    return list(
        session.scalars(
            select(SlaTimer)
            .where(
                SlaTimer.app_key == app_key,
                SlaTimer.form_key == form_key,
                SlaTimer.record_id == record_id,
            )
            .order_by(SlaTimer.cycle, SlaTimer.started_at, SlaTimer.target)
        )
    )


def write_timers(
    session: Session,
    app_key: str,
    form_key: str,
    record_id: int,
    clocks: Sequence[Clock],
    *,
    now: datetime,
) -> list[SlaTimer]:
    """Make the record's rows match ``clocks``: update by (target, cycle), insert new ones.

    Also sets ``next_step_at`` from the fired steps and the due time of open tasks of
    nodes with a node timer.
    """
    existing = {
        (t.target, t.cycle): t for t in stored_timers(session, app_key, form_key, record_id)
    }
    rows = []
    for clock in clocks:
        columns = clock_columns(clock)
        row = existing.get((clock.target, clock.cycle))
        if row is None:
            row = SlaTimer(
                app_key=app_key,
                form_key=form_key,
                record_id=record_id,
                target=clock.target,
                cycle=clock.cycle,
                updated_at=now,
                **columns,
            )
            session.add(row)
        else:
            changed = {k: v for k, v in columns.items() if getattr(row, k) != v}
            for key, value in changed.items():
                setattr(row, key, value)
            if changed:
                row.updated_at = now
        rows.append((row, clock))
    session.flush()
    fired = fired_steps(session, [row.id for row, _ in rows])
    for row, clock in rows:
        try:
            attention = next_attention(clock.policy, row, clock.calendar, fired[row.id])
        except SlaError:
            attention = None  # a step beyond the calendar's known years: nothing to fire yet
        if row.next_step_at != attention:
            row.next_step_at = attention
        _write_history(session, row, clock_history(clock))
        if clock.target.startswith("node:") and clock.is_open:
            _task_due(session, app_key, form_key, record_id, clock.target[5:], row.due_at)
    session.flush()
    return [row for row, _ in rows]


def _write_history(
    session: Session, row: SlaTimer, history: list[tuple[datetime, str, dict[str, Any]]]
) -> None:
    stored = [
        (at, kind, detail or {})
        for at, kind, detail in session.execute(
            select(SlaTimerEvent.at, SlaTimerEvent.kind, SlaTimerEvent.detail)
            .where(SlaTimerEvent.timer_id == row.id)
            .order_by(SlaTimerEvent.position)
        )
    ]
    if stored == history:
        return
    if stored and stored == history[: len(stored)]:
        start = len(stored)
    else:
        session.execute(delete(SlaTimerEvent).where(SlaTimerEvent.timer_id == row.id))
        start = 0
    for position, (at, kind, detail) in enumerate(history[start:], start):
        session.add(
            SlaTimerEvent(
                timer_id=row.id, position=position, at=at, kind=kind, detail=detail or None
            )
        )


def _task_due(
    session: Session, app_key: str, form_key: str, record_id: int, node: str, due_at: Any
) -> None:
    session.execute(
        update(WorkflowTask)
        .where(
            WorkflowTask.app_key == app_key,
            WorkflowTask.form_key == form_key,
            WorkflowTask.record_id == record_id,
            WorkflowTask.node_key == node,
            WorkflowTask.state == "open",
        )
        .values(due_at=due_at)
    )
