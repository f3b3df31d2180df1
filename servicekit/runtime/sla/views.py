"""Reading SLA timers for pages and reports: remaining business time, colour, history.

For the work-order page's timer panel, list filters and sorts ("due soonest",
"breached"), the task inbox and report measures. Every figure is business time in the
timer's own calendar version, and pause-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from servicekit.platform.models import SlaFiring, SlaTimer, SlaTimerEvent
from servicekit.runtime.sla.business_time import elapsed
from servicekit.runtime.sla.catalog import DbCatalog
from servicekit.runtime.sla.errors import SlaError

WARNING_SHARE = 0.8
COLOURS = ("on_track", "warning", "breached", "paused", "met", "cancelled")
_TARGET_ORDER = {"response": 0, "resolution": 1}


@dataclass(frozen=True)
class TimerView:
    """One timer as the timer panel shows it."""

    timer: SlaTimer
    elapsed_seconds: int
    remaining_seconds: int | None  # negative once overdue; None when closed
    colour: str
    percent: int

    @property
    def node_key(self) -> str | None:
        return self.timer.target[5:] if self.timer.target.startswith("node:") else None

    @property
    def target_label(self) -> str:
        return self.node_key or self.timer.target


def live_elapsed_seconds(session: Session | None, timer: SlaTimer, now: datetime) -> int:
    """Business seconds used so far: the stored figure plus, while running, the time since."""
    if timer.closed_at is not None or timer.paused_since is not None or now <= timer.counted_at:
        return int(timer.elapsed_seconds)
    if session is None:
        from servicekit.runtime.sla.calendar import builtin_calendar

        calendar = builtin_calendar(timer.calendar_key)
    else:
        calendar = DbCatalog(session, timer.app_key).calendar(
            timer.calendar_key, timer.calendar_version
        )
    return int(timer.elapsed_seconds + elapsed(calendar, timer.counted_at, now).total_seconds())


def remaining_seconds(session: Session | None, timer: SlaTimer, now: datetime) -> int | None:
    """Business seconds left before the due time (negative once overdue; None when closed).

    ``session`` finds the timer's calendar version (None: only built-in calendars).
    """
    if timer.closed_at is not None:
        return None
    return int(timer.target_seconds) - live_elapsed_seconds(session, timer, now)


def classify(timer: SlaTimer, now: datetime, *, elapsed_seconds: int | None = None) -> str:
    """``on_track``, ``warning`` (80 % used), ``breached``, ``paused``, ``met`` or ``cancelled``."""
    if timer.breached_at is not None or (
        timer.closed_at is None
        and timer.paused_since is None
        and timer.due_at is not None
        and timer.due_at < now
    ):
        return "breached"
    if timer.closed_at is not None:
        return "cancelled" if timer.state == "cancelled" else "met"
    if timer.paused_since is not None:
        return "paused"
    used = timer.elapsed_seconds if elapsed_seconds is None else elapsed_seconds
    if timer.target_seconds and used >= WARNING_SHARE * timer.target_seconds:
        return "warning"
    return "on_track"


def timers_for_record(
    session: Session, app_key: str, form_key: str, record_id: int, *, now: datetime
) -> list[TimerView]:
    """The record's timers, newest cycle first, then response, resolution and node timers."""
    rows = session.scalars(
        select(SlaTimer).where(
            SlaTimer.app_key == app_key,
            SlaTimer.form_key == form_key,
            SlaTimer.record_id == record_id,
        )
    )
    views = []
    for timer in rows:
        try:
            used = live_elapsed_seconds(session, timer, now)
        except SlaError:
            used = int(timer.elapsed_seconds)
        remaining = None if timer.closed_at is not None else int(timer.target_seconds) - used
        percent = int(100 * used / timer.target_seconds) if timer.target_seconds else 100
        views.append(
            TimerView(timer, used, remaining, classify(timer, now, elapsed_seconds=used), percent)
        )
    views.sort(
        key=lambda v: (-v.timer.cycle, _TARGET_ORDER.get(v.timer.target, 2), v.timer.started_at)
    )
    return views


def timer_history(session: Session, timer_id: int) -> list[dict[str, Any]]:
    """What happened to a timer, oldest first: its history and the ladder steps it fired."""
    items = [
        {"at": at, "kind": kind, "detail": detail or {}}
        for at, kind, detail in session.execute(
            select(SlaTimerEvent.at, SlaTimerEvent.kind, SlaTimerEvent.detail)
            .where(SlaTimerEvent.timer_id == timer_id)
            .order_by(SlaTimerEvent.position)
        )
    ]
    for firing in session.scalars(select(SlaFiring).where(SlaFiring.timer_id == timer_id)):
        items.append(
            {
                "at": firing.fired_at,
                "kind": "step_fired",
                "detail": {
                    "step": firing.step_key,
                    "state": firing.state,
                    "deliver_at": firing.deliver_at,
                    "actions": firing.detail,
                },
            }
        )
    items.sort(key=lambda item: item["at"])
    return items


def open_timers_query(app_key: str, form_key: str) -> Select[Any]:
    """Open timers of a form (running, paused, or breached and not yet met)."""
    return select(SlaTimer).where(
        SlaTimer.app_key == app_key,
        SlaTimer.form_key == form_key,
        SlaTimer.closed_at.is_(None),
    )


def record_sla_columns(app_key: str, form_key: str) -> Any:
    """A subquery per record: ``due_at`` (soonest due of its open, counting timers) and
    ``breached`` (any timer of the record breached, open or closed).

    Outer-join it on the record table's id for a "due soonest" sort and a "breached" filter.
    """
    counting = and_(SlaTimer.closed_at.is_(None), SlaTimer.paused_since.is_(None))
    return (
        select(
            SlaTimer.record_id.label("record_id"),
            func.min(case((counting, SlaTimer.due_at))).label("due_at"),
            (func.count(SlaTimer.breached_at) > 0).label("breached"),
        )
        .where(SlaTimer.app_key == app_key, SlaTimer.form_key == form_key)
        .group_by(SlaTimer.record_id)
        .subquery("sla")
    )
