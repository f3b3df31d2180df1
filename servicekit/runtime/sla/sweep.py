"""The escalation sweep: fire each due ladder step exactly once and record breaches.

The sweep reads only timers whose ``next_step_at`` has come (index ``ix_sla_timers_sweep``
on state and next_step_at), a batch at a time, locked ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL so two workers never hold the same timer. For each due step it inserts the
``sla_firings`` row — unique per (timer, step) — and runs the step's actions in the same
transaction: a worker that dies before committing leaves neither, and a step whose row
exists is never fired again, whatever the clock says. Then it records a breach whose
due time has passed and sets ``next_step_at`` to the next step (or the breach).

Held notifications (``hold_outside_working_hours``) are sent by the same sweep once
their ``deliver_at`` comes, marked delivered in the sending transaction.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.platform.models import SlaFiring, SlaTimer, SlaTimerEvent
from servicekit.runtime.sla.catalog import DbCatalog
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.sla.escalate import deliver_held, run_step
from servicekit.runtime.sla.ladder import next_attention, step_times
from servicekit.runtime.sla.rows import fired_steps

BATCH = 200
SWEPT_STATES = ("running", "breached")

# Called after a step's actions ran, before the transaction commits: (timer, step key).
# Tests stop a worker here to prove a half-done firing is redone exactly once.
FireHook = Callable[[SlaTimer, str], None]


@dataclass
class SweepResult:
    """What one sweep did."""

    fired: list[tuple[int, str]] = field(default_factory=list)  # (timer id, step key)
    breached: list[int] = field(default_factory=list)
    delivered: int = 0
    problems: list[str] = field(default_factory=list)


def due_timers_query(now: datetime, limit: int, *, lock: bool) -> Any:
    """The sweep's one read: open timers whose next step (or breach) has come."""
    query = (
        select(SlaTimer)
        .where(SlaTimer.state.in_(SWEPT_STATES), SlaTimer.next_step_at <= now)
        .order_by(SlaTimer.next_step_at)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return query


def sweep(
    transaction: Callable[[], Any],
    *,
    now: datetime,
    tz: ZoneInfo,
    worker: str | None = None,
    batch: int = BATCH,
    hook: FireHook | None = None,
) -> SweepResult:
    """Handle every due timer and held notification, one committed batch at a time.

    ``transaction`` opens a session that commits on success (``Database.transaction``).
    """
    result = SweepResult()
    worker = worker or f"{socket.gethostname()}:{id(result)}"
    seen: set[int] = set()
    while True:
        with transaction() as session:
            lock = session.get_bind().dialect.name == "postgresql"
            timers = [
                t
                for t in session.scalars(due_timers_query(now, batch, lock=lock))
                if t.id not in seen
            ]
            for timer in timers:
                seen.add(timer.id)
                _handle(session, timer, result, now=now, tz=tz, worker=worker, hook=hook)
        if len(timers) < batch:
            break
    while _deliver_batch(transaction, result, now=now, batch=batch):
        pass
    return result


def _handle(
    session: Session,
    timer: SlaTimer,
    result: SweepResult,
    *,
    now: datetime,
    tz: ZoneInfo,
    worker: str,
    hook: FireHook | None,
) -> None:
    catalog = DbCatalog(session, timer.app_key)
    try:
        policy = catalog.policy(timer.policy_key, timer.policy_version)
        calendar = catalog.calendar(timer.calendar_key, timer.calendar_version)
    except SlaError as exc:
        result.problems.append(f"timer {timer.id}: {exc}")
        timer.next_step_at = None
        return
    if timer.breached_at is None and timer.due_at is not None and timer.due_at < now:
        timer.breached_at = timer.due_at
        timer.state = "breached"
        timer.breach_seconds = max(timer.elapsed_seconds - timer.target_seconds, 0)
        timer.updated_at = now
        _note(session, timer, timer.due_at, "breached")
        result.breached.append(timer.id)
    fired = fired_steps(session, [timer.id])[timer.id]
    for step, at in step_times(policy, timer, calendar):
        if step.key in fired or at > now:
            continue
        try:
            with session.begin_nested():
                firing = SlaFiring(
                    timer_id=timer.id,
                    step_key=step.key,
                    scheduled_at=at,
                    fired_at=now,
                    state="done",
                    worker=worker[:80],
                )
                session.add(firing)
                session.flush()
        except IntegrityError:
            continue  # another worker fired it first
        try:
            run = run_step(session, timer, step, calendar, now=now, tz=tz)
        except SlaError as exc:
            result.problems.append(f"timer {timer.id} step {step.key}: {exc}")
            run = None
        if run is not None:
            firing.detail = run.done
            if run.held:
                firing.state = "held"
                firing.deliver_at = min(datetime.fromisoformat(h["deliver_at"]) for h in run.held)
                firing.detail = {"done": run.done, "held": run.held}
        fired.add(step.key)
        result.fired.append((timer.id, step.key))
        if hook is not None:
            hook(timer, step.key)
    timer.next_step_at = next_attention(policy, timer, calendar, fired)
    session.flush()


def _note(session: Session, timer: SlaTimer, at: datetime, kind: str) -> None:
    position = session.scalar(
        select(SlaTimerEvent.position)
        .where(SlaTimerEvent.timer_id == timer.id)
        .order_by(SlaTimerEvent.position.desc())
        .limit(1)
    )
    session.add(
        SlaTimerEvent(
            timer_id=timer.id,
            position=(position if position is not None else -1) + 1,
            at=at,
            kind=kind,
        )
    )


def _deliver_batch(
    transaction: Callable[[], Any], result: SweepResult, *, now: datetime, batch: int
) -> bool:
    with transaction() as session:
        query = (
            select(SlaFiring)
            .where(SlaFiring.state == "held", SlaFiring.deliver_at <= now)
            .order_by(SlaFiring.deliver_at)
            .limit(batch)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        firings = list(session.scalars(query))
        for firing in firings:
            detail = dict(firing.detail or {})
            result.delivered += deliver_held(session, detail.get("held") or [], now=now)
            firing.state = "done"
            firing.delivered_at = now
        return len(firings) == batch
