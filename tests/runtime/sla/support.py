"""Helpers for the SLA tests: Shanghai times, a custom calendar, and a minute-by-minute oracle."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import settings

from servicekit.runtime.sla import Calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)

settings.register_profile("sla-ci", derandomize=True, max_examples=500, deadline=None)
settings.register_profile("sla-local", max_examples=150, deadline=None)
# Applied per test (not loaded globally) so the other suites keep their own profiles.
SLA_PROFILE = settings.get_profile("sla-ci" if os.environ.get("CI") else "sla-local")


def at(text: str) -> datetime:
    """A Shanghai wall time such as ``2025-09-26 17:00``."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def shop_calendar() -> Calendar:
    """A small shop: split weekday hours, a short Saturday, its own holidays and make-up day."""
    return Calendar.from_body(
        {
            "key": "shop",
            "label": "Shop",
            "timezone": "Asia/Shanghai",
            "week": {
                "mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
                "tue": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
                "wed": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
                "thu": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}],
                "fri": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
                "sat": [{"start": "10:00", "end": "14:00"}],
            },
            "holidays": [{"date": "2025-12-25"}, {"date": "2026-01-01"}, {"date": "2026-01-02"}],
            "workdays": [{"date": "2026-01-04", "follows": "fri"}],
        }
    )


def working_minute(calendar: Calendar, moment: datetime) -> bool:
    """Whether the minute starting at ``moment`` is working time, read from local wall time."""
    local = moment.astimezone(calendar.zone)
    of_day = local.hour * 60 + local.minute
    return any(i.start <= of_day < i.end for i in calendar.intervals_on(local.date()))


def naive_due(calendar: Calendar, start: datetime, minutes: int) -> datetime:
    """The due time found by stepping minute by minute (minute-aligned starts only)."""
    moment, counted = start, 0
    if minutes == 0:
        while not working_minute(calendar, moment):
            moment += MINUTE
        return moment
    while counted < minutes:
        if working_minute(calendar, moment):
            counted += 1
        moment += MINUTE
    return moment


def naive_elapsed(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Working minutes between two minute-aligned instants, counted one by one."""
    moment, counted = start, 0
    while moment < end:
        counted += working_minute(calendar, moment)
        moment += MINUTE
    return counted * MINUTE
