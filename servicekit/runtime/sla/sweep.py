"""The escalation sweep: fire each due ladder step exactly once and record breaches.

The sweep reads only timers whose ``next_step_at`` has come (index ``ix_sla_timers_sweep``
on state and next_step_at), a batch at a time, locked ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL so two workers never hold the same timer. For each due step it inserts the
``sla_firings`` row — unique per (timer, step) — and runs the step's actions in the same
transaction: a worker that dies before committing leaves neither, and a step whose row
exists is never fired again, whatever the clock says. Then it records a breach whose
due time has passed and sets ``next_step_at`` to the next step (or the breach).

A batch costs a fixed number of statements, not a round per timer: the read takes only
the columns the ladder needs (plain rows, no ORM objects), policies and calendars are
looked up once per version per sweep, the firings of a batch are claimed in one
``INSERT ... ON CONFLICT DO NOTHING`` (only claimed steps run their actions), and
notify-only steps (``step_batch``) send their messages in one insert. Held
notifications (``hold_outside_working_hours``) are sent by the same sweep once their
``deliver_at`` comes, marked delivered in the sending transaction; the first such read
shares the last timer batch's transaction, so an idle sweep is one transaction.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from servicekit.platform.accounts.notifications import notify_many
from servicekit.platform.bulk import insert_rows
from servicekit.platform.models import SlaFiring, SlaTimer, SlaTimerEvent
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.catalog import DbCatalog
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.sla.escalate import deliver_held, run_step
from servicekit.runtime.sla.ladder import next_attention, step_times
from servicekit.runtime.sla.policies import Policy, Step
from servicekit.runtime.sla.rows import fired_steps
from servicekit.runtime.sla.step_batch import NotifyPlan, plan_notify_steps

# Core tables: the batch writes are plain executemany statements, no ORM bookkeeping.
_TIMERS, _FIRINGS, _EVENTS = SlaTimer.__table__, SlaFiring.__table__, SlaTimerEvent.__table__

BATCH = 200
SWEPT_STATES = ("running", "breached")

# Called after a step's actions ran, before the transaction commits: (timer, step key).
# Tests stop a worker here to prove a half-done firing is redone exactly once.
FireHook = Callable[[Any, str], None]

# The figures the ladder, the breach and the actions need; nothing else is read.
_READ = (
    SlaTimer.id,
    SlaTimer.app_key,
    SlaTimer.form_key,
    SlaTimer.record_id,
    SlaTimer.target,
    SlaTimer.cycle,
    SlaTimer.state,
    SlaTimer.policy_key,
    SlaTimer.policy_version,
    SlaTimer.calendar_key,
    SlaTimer.calendar_version,
    SlaTimer.target_seconds,
    SlaTimer.due_at,
    SlaTimer.elapsed_seconds,
    SlaTimer.counted_at,
    SlaTimer.paused_since,
    SlaTimer.breached_at,
    SlaTimer.closed_at,
    SlaTimer.next_step_at,
)


@dataclass(slots=True)
class DueTimer:
    """A due timer as the sweep read it (the ``_READ`` columns), changed in memory and
    written back in bulk at the end of its batch. Passed to ``FireHook``."""

    id: int
    app_key: str
    form_key: str
    record_id: int
    target: str
    cycle: int
    state: str
    policy_key: str
    policy_version: int | None
    calendar_key: str
    calendar_version: int | None
    target_seconds: int
    due_at: datetime | None
    elapsed_seconds: int
    counted_at: datetime
    paused_since: datetime | None
    breached_at: datetime | None
    closed_at: datetime | None
    next_step_at: datetime | None
    breach_seconds: int | None = None


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
        select(*_READ)
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
    worker = (worker or f"{socket.gethostname()}:{id(result)}")[:80]
    versions = _Versions()
    seen: set[int] = set()
    timers_left = held_left = True
    while timers_left or held_left:
        with transaction() as session:
            lock = session.get_bind().dialect.name == "postgresql"
            if timers_left:
                rows = session.execute(due_timers_query(now, batch, lock=lock)).all()
                timers = [DueTimer(**row._mapping) for row in rows if row.id not in seen]
                seen.update(t.id for t in timers)
                _Batch(session, result, versions, now=now, tz=tz, worker=worker).run(timers, hook)
                timers_left = len(timers) >= batch
            if not timers_left:
                held_left = _deliver_batch(session, result, now=now, batch=batch, lock=lock)
    return result


class _Versions:
    """Policy and calendar versions by (app, keys, versions), read once per sweep:
    published versions never change; and the forms the actions read, loaded once a sweep."""

    def __init__(self) -> None:
        self._found: dict[tuple[Any, ...], tuple[Policy, Calendar] | SlaError] = {}
        self.forms: dict[tuple[str, str], Any] = {}

    def get(self, session: Session, timer: DueTimer) -> tuple[Policy, Calendar]:
        key = (
            timer.app_key,
            timer.policy_key,
            timer.policy_version,
            timer.calendar_key,
            timer.calendar_version,
        )
        found = self._found.get(key)
        if found is None:
            catalog = DbCatalog(session, timer.app_key)
            try:
                found = (
                    catalog.policy(timer.policy_key, timer.policy_version),
                    catalog.calendar(timer.calendar_key, timer.calendar_version),
                )
            except SlaError as exc:
                found = exc
            self._found[key] = found
        if isinstance(found, SlaError):
            raise found
        return found


class _Batch:
    """One batch of due timers in one transaction: breaches, firings, actions, next steps."""

    def __init__(
        self,
        session: Session,
        result: SweepResult,
        versions: _Versions,
        *,
        now: datetime,
        tz: ZoneInfo,
        worker: str,
    ) -> None:
        self.session, self.result, self.versions = session, result, versions
        self.now, self.tz, self.worker = now, tz, worker

    def run(self, timers: Sequence[DueTimer], hook: FireHook | None) -> None:
        if not timers:
            return
        session, now = self.session, self.now
        fired = fired_steps(session, [t.id for t in timers])
        ladders: dict[int, tuple[Policy, Calendar]] = {}
        due: list[tuple[DueTimer, Step, datetime, Calendar]] = []
        breached: list[DueTimer] = []
        for timer in timers:
            try:
                policy, calendar = ladders[timer.id] = self.versions.get(session, timer)
            except SlaError as exc:
                self.result.problems.append(f"timer {timer.id}: {exc}")
                continue
            if timer.breached_at is None and timer.due_at is not None and timer.due_at < now:
                timer.breached_at = timer.due_at
                timer.state = "breached"
                timer.breach_seconds = max(timer.elapsed_seconds - timer.target_seconds, 0)
                breached.append(timer)
            for step, at in step_times(policy, timer, calendar):
                if step.key not in fired[timer.id] and at <= now:
                    due.append((timer, step, at, calendar))
        self._note_breaches(breached)
        plans = plan_notify_steps(session, due, now=now, tz=self.tz, runtimes=self.versions.forms)
        claimed = self._claim(due, plans)
        outbox: list[tuple[int, str, str | None, str | None]] = []
        for timer, step, _at, calendar in due:
            fired[timer.id].add(step.key)  # claimed here or by another worker: done either way
            firing_id = claimed.get((timer.id, step.key))
            if firing_id is None:
                continue  # another worker fired it first
            plan = plans.get((timer.id, step.key))
            if plan is not None:
                outbox += plan.messages
            else:
                # Notifications queued so far go first, so they keep the order of the steps.
                notify_many(session, outbox, now=now)
                outbox = []
                self._run_one(firing_id, timer, step, calendar)
            self.result.fired.append((timer.id, step.key))
            if hook is not None:
                notify_many(session, outbox, now=now)
                outbox = []
                hook(timer, step.key)
        notify_many(session, outbox, now=now)
        self._next_steps(timers, ladders, fired, {t.id for t in breached})

    def _note_breaches(self, breached: list[DueTimer]) -> None:
        """A ``breached`` entry at the end of each newly breached timer's history."""
        if not breached:
            return
        ids = [t.id for t in breached]
        last = dict(
            self.session.execute(  # type: ignore[arg-type]
                select(SlaTimerEvent.timer_id, func.max(SlaTimerEvent.position))
                .where(SlaTimerEvent.timer_id.in_(ids))
                .group_by(SlaTimerEvent.timer_id)
            ).all()
        )
        insert_rows(
            self.session,
            _EVENTS,
            [
                {
                    "timer_id": t.id,
                    "position": last.get(t.id, -1) + 1,
                    "at": t.breached_at,
                    "kind": "breached",
                }
                for t in breached
            ],
        )
        self.result.breached += ids

    def _claim(
        self,
        due: Sequence[tuple[DueTimer, Step, datetime, Calendar]],
        plans: dict[tuple[int, str], NotifyPlan],
    ) -> dict[tuple[int, str], int]:
        """Insert the firing rows; a (timer, step) pair already stored is left alone. Returns
        the ids of the rows this sweep inserted, by (timer id, step key)."""
        if not due:
            return {}
        rows = []
        for timer, step, at, _calendar in due:
            plan = plans.get((timer.id, step.key))
            figures = plan.firing_columns() if plan else {"state": "done", "deliver_at": None}
            rows.append(
                {
                    "timer_id": timer.id,
                    "step_key": step.key,
                    "scheduled_at": at,
                    "fired_at": self.now,
                    "worker": self.worker,
                    **figures,
                }
            )
        claimed = {}
        # Rows of steps that run one by one leave ``detail`` out (NULL) until their actions ran.
        for group in ([r for r in rows if "detail" in r], [r for r in rows if "detail" not in r]):
            inserted = insert_rows(
                self.session,
                _FIRINGS,
                group,
                skip_conflicts_on=("timer_id", "step_key"),
                returning=("timer_id", "step_key", "id"),
            )
            claimed.update({(t, s): i for t, s, i in inserted})
        return claimed

    def _run_one(self, firing_id: int, timer: DueTimer, step: Step, calendar: Calendar) -> None:
        """A step with actions beyond notifying: run them in order, then record what they did."""
        try:
            run = run_step(self.session, timer, step, calendar, now=self.now, tz=self.tz)
        except SlaError as exc:
            self.result.problems.append(f"timer {timer.id} step {step.key}: {exc}")
            return
        values: dict[str, Any] = {"detail": run.done}
        if run.held:
            values = {
                "state": "held",
                "deliver_at": min(datetime.fromisoformat(h["deliver_at"]) for h in run.held),
                "detail": {"done": run.done, "held": run.held},
            }
        self.session.execute(update(SlaFiring).where(SlaFiring.id == firing_id).values(**values))

    def _next_steps(
        self,
        timers: Sequence[DueTimer],
        ladders: dict[int, tuple[Policy, Calendar]],
        fired: dict[int, set[str]],
        breached_now: set[int],
    ) -> None:
        """Write back each timer's next step (and breach), one bulk update per shape."""
        moved, breached = [], []
        for timer in timers:
            if timer.id in ladders:
                policy, calendar = ladders[timer.id]
                timer.next_step_at = next_attention(policy, timer, calendar, fired[timer.id])
            else:
                timer.next_step_at = None  # its policy cannot be read: stop looking at it
            if timer.id in breached_now:
                breached.append(
                    {
                        "timer": timer.id,
                        "state": "breached",
                        "breached_at": timer.breached_at,
                        "breach_seconds": timer.breach_seconds,
                        "updated_at": self.now,
                        "next_step_at": timer.next_step_at,
                    }
                )
            else:
                moved.append({"timer": timer.id, "next_step_at": timer.next_step_at})
        for rows in (moved, breached):
            if rows:
                values = {k: bindparam(k) for k in rows[0] if k != "timer"}
                statement = update(_TIMERS).where(_TIMERS.c.id == bindparam("timer"))
                self.session.execute(statement.values(**values), rows)


def _deliver_batch(
    session: Session, result: SweepResult, *, now: datetime, batch: int, lock: bool
) -> bool:
    """Send a batch of held notifications whose time has come; True if there may be more."""
    query = (
        select(SlaFiring.id, SlaFiring.detail)
        .where(SlaFiring.state == "held", SlaFiring.deliver_at <= now)
        .order_by(SlaFiring.deliver_at)
        .limit(batch)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    firings = session.execute(query).all()
    held = [message for _id, detail in firings for message in (detail or {}).get("held") or []]
    result.delivered += deliver_held(session, held, now=now)
    if firings:
        session.execute(
            update(_FIRINGS)
            .where(_FIRINGS.c.id.in_([i for i, _detail in firings]))
            .values(state="done", delivered_at=now)
        )
    return len(firings) == batch
