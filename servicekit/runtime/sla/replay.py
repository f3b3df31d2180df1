"""Replaying work orders' event logs to check (or repair) their stored SLA timers.

``replay_record`` derives the timers again with ``derive_timers`` — the function the live
path uses — from the stored events and the policy and calendar versions they name, and
lists every column where the stored rows differ. ``servicekit sla replay`` runs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import Event, SlaTimer, SlaTimerEvent
from servicekit.runtime.sla.catalog import DbCatalog
from servicekit.runtime.sla.derive import derive_timers
from servicekit.runtime.sla.history import load_history, staff_ids
from servicekit.runtime.sla.ladder import next_attention
from servicekit.runtime.sla.live import STATE_EVENT
from servicekit.runtime.sla.rows import (
    DERIVED,
    clock_columns,
    clock_history,
    fired_steps,
    stored_timers,
    write_timers,
)


@dataclass(frozen=True)
class Difference:
    """One disagreement between a stored timer and its replay."""

    record_id: int
    target: str
    cycle: int
    column: str
    stored: Any
    replayed: Any

    def render(self) -> str:
        return (
            f"record {self.record_id} {self.target} cycle {self.cycle}: {self.column} "
            f"stored {self.stored!r}, replayed {self.replayed!r}"
        )


def replay_record(
    session: Session,
    app_key: str,
    form_key: str,
    record_id: int,
    *,
    as_of: datetime,
    repair: bool = False,
) -> list[Difference]:
    """Differences between the stored timers of one record and a replay of its events."""
    catalog = DbCatalog(session, app_key)
    clocks = derive_timers(
        load_history(session, app_key, form_key, record_id),
        catalog,
        staff_ids(session, app_key),
        as_of,
    )
    stored = {(t.target, t.cycle): t for t in stored_timers(session, app_key, form_key, record_id)}
    fired = fired_steps(session, [t.id for t in stored.values()])
    differences = []
    for clock in clocks:
        row = stored.pop((clock.target, clock.cycle), None)
        if row is None:
            differences.append(
                Difference(record_id, clock.target, clock.cycle, "row", None, "missing")
            )
            continue
        history = [
            (at, kind, detail or {})
            for at, kind, detail in session.execute(
                select(SlaTimerEvent.at, SlaTimerEvent.kind, SlaTimerEvent.detail)
                .where(SlaTimerEvent.timer_id == row.id)
                .order_by(SlaTimerEvent.position)
            )
        ]
        actual = {column: getattr(row, column) for column in DERIVED}
        differences += compare_timer(record_id, actual, history, clock, as_of)
        expected = clock_columns(clock)
        attention = next_attention(
            clock.policy, _Figures(expected, clock.target), clock.calendar, fired[row.id]
        )
        sweep_pending = row.next_step_at is not None and row.next_step_at <= as_of
        if not sweep_pending and row.next_step_at != attention:
            differences.append(
                Difference(
                    record_id,
                    clock.target,
                    clock.cycle,
                    "next_step_at",
                    row.next_step_at,
                    attention,
                )
            )
    for (target, cycle), _row in stored.items():
        differences.append(Difference(record_id, target, cycle, "row", "stored", "not replayed"))
    if repair and differences:
        write_timers(session, app_key, form_key, record_id, clocks, now=as_of)
    return differences


def compare_timer(
    record_id: int,
    stored: dict[str, Any],
    history: list[tuple[datetime, str, dict[str, Any]]],
    clock: Any,
    as_of: datetime,
) -> list[Difference]:
    """Differences between one stored timer (its ``DERIVED`` columns and history) and its
    replayed clock, after granting the stored row the breach the sweep records by ``as_of``."""
    actual, history = dict(stored), list(history)
    if _settle(actual, as_of):
        history.append((actual["breached_at"], "breached", {}))
    expected = clock_columns(clock)
    found = [
        Difference(record_id, clock.target, clock.cycle, column, actual[column], expected[column])
        for column in DERIVED
        if actual[column] != expected[column]
    ]
    if history != clock_history(clock):
        found.append(
            Difference(
                record_id, clock.target, clock.cycle, "history", history, clock_history(clock)
            )
        )
    return found


def records_with_timers(
    session: Session, app_key: str | None = None, form_key: str | None = None
) -> Iterator[tuple[str, str, int]]:
    """(app, form, record id) of every record that ever had an SLA state, in order."""
    query = select(Event.app_key, Event.form_key, Event.record_id).where(Event.kind == STATE_EVENT)
    if app_key:
        query = query.where(Event.app_key == app_key)
    if form_key:
        query = query.where(Event.form_key == form_key)
    stored = select(SlaTimer.app_key, SlaTimer.form_key, SlaTimer.record_id)
    if app_key:
        stored = stored.where(SlaTimer.app_key == app_key)
    if form_key:
        stored = stored.where(SlaTimer.form_key == form_key)
    keys = {tuple(row) for row in session.execute(query.distinct())}
    keys |= {tuple(row) for row in session.execute(stored.distinct())}
    yield from sorted(keys)  # type: ignore[misc]


class _Figures:
    """Derived columns read like a row, for ``next_attention``."""

    def __init__(self, columns: dict[str, Any], target: str) -> None:
        self.__dict__.update(columns)
        self.target = target


def _settle(row: dict[str, Any], as_of: datetime) -> bool:
    """What the sweep would have recorded by ``as_of``: a running timer past due is breached.

    Returns whether the row was changed (the sweep had not run since the due time).
    """
    if (
        row["closed_at"] is None
        and row["paused_since"] is None
        and row["breached_at"] is None
        and row["due_at"] is not None
        and row["due_at"] < as_of
    ):
        row["breached_at"] = row["due_at"]
        row["state"] = "breached"
        row["breach_seconds"] = 0
        return True
    return False
