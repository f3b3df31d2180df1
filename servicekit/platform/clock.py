"""The one clock through which ServiceKit reads the current time.

Requests, workers and demo data ask ``app.extensions["servicekit.clock"]`` (or the
``clock`` passed to them) instead of ``datetime.now``, so tests and demos can freeze
or move time.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


class Clock:
    """Current time in UTC and in the app's time zone; can be frozen or shifted."""

    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(timezone)
        self._frozen: datetime | None = None
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def local_now(self) -> datetime:
        """The current instant in the app's time zone."""
        return self.now().astimezone(self.tz)

    def today(self) -> date:
        """Today's date in the app's time zone."""
        return self.local_now().date()

    def set(self, moment: datetime) -> None:
        """Freeze time at ``moment`` (naive values are read in the app's time zone)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        with self._lock:
            self._frozen = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move time forward (or back) by ``delta``, frozen or not."""
        with self._lock:
            if self._frozen is not None:
                self._frozen += delta
            else:
                self._offset += delta

    def reset(self) -> None:
        """Return to the real wall clock."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta()
