"""One SLA clock while a work order's history is replayed: start, count, pause, meet, cancel.

``derive`` drives these objects through the history; nothing here reads the database or
the current time, so the same history always gives the same clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from servicekit.runtime.sla.business_time import due, elapsed
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.policies import Policy, TargetDef

ZERO = timedelta()


@dataclass
class Clock:
    """The state of one target's timer in one cycle (see ``SlaTimer`` for the columns)."""

    target: str
    cycle: int
    policy: Policy
    calendar: Calendar
    length: timedelta
    started_at: datetime
    counted_at: datetime
    elapsed: timedelta = ZERO
    paused: timedelta = ZERO
    paused_since: datetime | None = None
    due_at: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled: bool = False
    history: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def start(
        cls, target: TargetDef, cycle: int, policy: Policy, calendar: Calendar, at: datetime
    ) -> Clock:
        clock = cls(
            target.name,
            cycle,
            policy,
            calendar,
            target.length(calendar, at),
            started_at=at,
            counted_at=at,
        )
        clock.note(at, "started", policy=policy.key, version=policy.version)
        clock.refresh_due()
        return clock

    # reading -----------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def pauses(self) -> bool:
        """Response clocks never pause; resolution and node clocks do."""
        return self.target != "response"

    @property
    def state(self) -> str:
        if self.is_open and self.paused_since is not None:
            return "paused"
        if self.breached_at is not None:
            return "breached"
        if self.cancelled:
            return "cancelled"
        return "met" if self.closed_at is not None else "running"

    @property
    def breach(self) -> timedelta | None:
        """How far past the target a late timer went (its final figure once closed)."""
        if self.breached_at is None:
            return None
        return max(self.elapsed - self.length, ZERO)

    def note(self, at: datetime, kind: str, **detail: Any) -> None:
        self.history.append((at, kind, {k: v for k, v in detail.items() if v is not None}))

    # changing ----------------------------------------------------------------------------
    def advance(self, at: datetime) -> None:
        """Count working time up to ``at`` (only while running); note a breach on the way."""
        if not self.is_open or at <= self.counted_at:
            return
        if self.paused_since is None:
            before = self.elapsed
            self.elapsed += elapsed(self.calendar, self.counted_at, at)
            if self.breached_at is None and self.elapsed > self.length:
                self.breached_at = due(self.calendar, self.counted_at, self.length - before)
                self.note(self.breached_at, "breached")
        self.counted_at = at

    def refresh_due(self) -> None:
        """The due time of a running clock: the rest of its target from ``counted_at``."""
        if not self.is_open or self.paused_since is not None:
            return
        if self.breached_at is not None:
            self.due_at = self.breached_at
        elif self.elapsed >= self.length:
            # Used up exactly (e.g. paused right at the due time): it fell due back then.
            if self.due_at is None:
                self.due_at = self.counted_at
        else:
            self.due_at = due(self.calendar, self.counted_at, self.length - self.elapsed)

    def pause(self, at: datetime, reason: str) -> None:
        if self.is_open and self.paused_since is None and self.pauses:
            self.paused_since = at
            self.note(at, "paused", reason=reason)

    def resume(self, at: datetime) -> None:
        if self.paused_since is None:
            return
        self.paused += elapsed(self.calendar, self.paused_since, at)
        self.paused_since = None
        self.counted_at = max(self.counted_at, at)
        self.note(at, "resumed")
        self.refresh_due()

    def meet(self, at: datetime) -> None:
        """The target was reached at ``at`` (late if already breached)."""
        if not self.is_open:
            return
        self._stop(at)
        self.met_at = at
        self.note(at, "met", late=self.breached_at is not None or None)

    def cancel(self, at: datetime, reason: str) -> None:
        """The target no longer applies; a breach already recorded stays."""
        if not self.is_open:
            return
        self._stop(at)
        self.cancelled = True
        self.note(at, "cancelled", reason=reason)

    def reopen(self, at: datetime) -> None:
        """A node entered again in the same cycle: its clock counts on from where it stopped."""
        if self.is_open:
            return
        self.closed_at = self.met_at = None
        self.cancelled = False
        self.counted_at = at
        self.note(at, "restarted")
        self.refresh_due()

    def switch(self, policy: Policy, target: TargetDef, calendar: Calendar, at: datetime) -> None:
        """Another policy (or version) applies from ``at``: keep elapsed and paused time."""
        previous = (self.policy.key, self.policy.version)
        self.policy, self.calendar = policy, calendar
        self.length = target.length(calendar, self.started_at)
        self.note(
            at,
            "policy_changed",
            before=f"{previous[0]}@{previous[1]}",
            after=f"{policy.key}@{policy.version}",
        )
        if self.breached_at is None and self.elapsed > self.length:
            self.breached_at = at
            self.note(at, "breached")
        elif self.elapsed == self.length:
            self.due_at = at
        self.refresh_due()

    def settle(self, as_of: datetime) -> None:
        """A running clock whose due time has passed by ``as_of`` is breached at its due time."""
        if (
            self.is_open
            and self.paused_since is None
            and self.breached_at is None
            and self.due_at is not None
            and self.due_at < as_of
        ):
            self.breached_at = self.due_at
            self.note(self.due_at, "breached")

    def _stop(self, at: datetime) -> None:
        self.advance(at)
        if self.paused_since is not None:
            self.paused += elapsed(self.calendar, self.paused_since, at)
            self.paused_since = None
        self.closed_at = at
