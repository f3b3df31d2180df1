"""When a timer's ladder steps fire, and when the sweep must next look at the timer.

Both the live path (after every change) and the sweep (after firing) compute
``next_attention`` from the stored figures alone, so they always agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from servicekit.runtime.sla.business_time import due
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.policies import Policy, Step


def step_times(policy: Policy, timer: Any, calendar: Calendar) -> list[tuple[Step, datetime]]:
    """Each ladder step of ``timer``'s target with the instant it fires.

    ``timer`` has the ``SlaTimer`` figures (``target``, ``target_seconds``,
    ``elapsed_seconds``, ``counted_at``). A step whose share of the target is already
    used up fires at ``counted_at``, that is as soon as the sweep sees it.
    """
    target = policy.target(timer.target)
    if target is None:
        return []
    length = timedelta(seconds=timer.target_seconds)
    used = timedelta(seconds=timer.elapsed_seconds)
    out = []
    for step in target.ladder:
        offset = step.offset(length)
        at = timer.counted_at if offset <= used else due(calendar, timer.counted_at, offset - used)
        out.append((step, at))
    return out


def next_attention(
    policy: Policy, timer: Any, calendar: Calendar, fired: set[str] | frozenset[str]
) -> datetime | None:
    """The next instant the sweep must handle ``timer``: an unfired step, or its breach.

    None for closed and paused timers: nothing fires while a clock stands still.
    """
    if timer.closed_at is not None or timer.paused_since is not None:
        return None
    times = [at for step, at in step_times(policy, timer, calendar) if step.key not in fired]
    if timer.breached_at is None and timer.due_at is not None:
        times.append(timer.due_at)
    return min(times) if times else None
