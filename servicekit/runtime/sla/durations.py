"""Reads SLA target lengths written by people: ``30m``, ``4h``, ``1h30m`` or whole days ``3d``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicekit.runtime.sla.business_time import due, due_end_of_day
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.errors import SlaError

_PATTERN = re.compile(
    r"^\s*(?:(?P<days>\d{1,4})\s*d|(?:(?P<hours>\d{1,5})\s*h)?\s*(?:(?P<minutes>\d{1,6})\s*m)?)\s*$"
)


@dataclass(frozen=True)
class Target:
    """A target length: working time (``working``) or whole working days (``days``)."""

    working: timedelta = timedelta()
    days: int = 0

    def due(self, calendar: Calendar, start: datetime) -> datetime:
        """When this target runs out for a clock started at ``start``."""
        if self.days:
            return due_end_of_day(calendar, start, self.days)
        return due(calendar, start, self.working)


def parse_target(text: str) -> Target:
    """Read ``30m``, ``4h``, ``1h30m`` (working time) or ``3d`` (ends with the 3rd working day)."""
    match = _PATTERN.match(text or "")
    if match is None or not any(match.groupdict().values()):
        raise SlaError(
            f"'{text}' is not a target length; write minutes and hours such as 30m, 4h or 1h30m, "
            f"or whole working days such as 3d."
        )
    if match["days"]:
        days = int(match["days"])
        if days < 1:
            raise SlaError("A whole-day target needs at least 1 working day (1d).")
        return Target(days=days)
    hours, minutes = int(match["hours"] or 0), int(match["minutes"] or 0)
    return Target(working=timedelta(hours=hours, minutes=minutes))


def format_working(amount: timedelta) -> str:
    """A working-time amount as people read it: ``7h30m``, ``45m``, ``-1h05m``."""
    sign = "-" if amount < timedelta() else ""
    seconds = int(abs(amount).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
    return sign + text + (f"{seconds:02d}s" if seconds else "")
