"""Business-time arithmetic on a ``Calendar``: due times, elapsed working time, pauses, whole days.

Working intervals are half-open, ``[start, end)``: a clock started at 12:00 with a
morning interval ending at 12:00 waits for the afternoon. A due time is the instant the
promised working time has been used up, so a duration that ends exactly at an interval's
end is due at that end (12:00), never at the next interval's start.

The functions walk whole working intervals day by day and never step through minutes, so a
due time three weeks ahead costs about as many steps as there are working intervals in
between. Naive datetimes are read in the calendar's time zone; results are aware and in
the calendar's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.errors import CalendarError

ZERO = timedelta()
# Ten years of dates without a single working interval means the calendar is unusable
# for the question asked; stop rather than search on.
_MAX_IDLE_DAYS = 3660

Pause = tuple[datetime, datetime]


def due(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    """When ``duration`` of working time, counted from ``start``, has run out.

    A start outside working hours (a night, lunch, a holiday) counts from the next working
    interval; a zero duration is due at that next working instant.
    """
    if duration < ZERO:
        raise ValueError("A business-time duration cannot be negative.")
    moment = calendar.aware(start)
    if duration == ZERO:
        return next_working_instant(calendar, moment)
    remaining = duration
    day = calendar.local_date(moment)
    idle = 0
    while True:
        intervals = calendar.utc_intervals(day)
        for begin, end in intervals:
            if end <= moment:
                continue
            begin = max(begin, moment)
            available = end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(calendar.zone)
            remaining -= available
        idle = 0 if intervals else idle + 1
        if idle > _MAX_IDLE_DAYS:
            raise CalendarError(f"Calendar '{calendar.key}' has no working time after {day}.")
        day += timedelta(days=1)


def elapsed(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Working time between two instants; negative when ``end`` comes before ``start``."""
    first, last = calendar.aware(start), calendar.aware(end)
    if last < first:
        return -elapsed(calendar, last, first)
    total = ZERO
    day = calendar.local_date(first)
    final = calendar.local_date(last)
    while day <= final:
        for begin, finish in calendar.utc_intervals(day):
            if finish <= first:
                continue
            if begin >= last:
                return total
            total += min(finish, last) - max(begin, first)
        day += timedelta(days=1)
    return total


def next_working_instant(calendar: Calendar, moment: datetime) -> datetime:
    """``moment`` itself if it lies in a working interval, else the next interval's start."""
    moment = calendar.aware(moment)
    day = calendar.local_date(moment)
    for _ in range(_MAX_IDLE_DAYS + 1):
        for begin, end in calendar.utc_intervals(day):
            if end > moment:
                return max(begin, moment).astimezone(calendar.zone)
        day += timedelta(days=1)
    raise CalendarError(f"Calendar '{calendar.key}' has no working time after {day}.")


def due_end_of_day(calendar: Calendar, start: datetime, days: int) -> datetime:
    """A whole-day target: the end of the ``days``-th full working day from ``start``.

    The start's own date counts only when the clock starts before its first working
    interval; otherwise counting begins with the next working day, so "resolved within one
    working day" opened on Friday afternoon is due at the end of the next working day.
    """
    if days < 1:
        raise ValueError("A whole-day target needs at least one working day.")
    moment = calendar.aware(start)
    day = calendar.local_date(moment)
    intervals = calendar.utc_intervals(day)
    counted = 1 if intervals and moment <= intervals[0][0] else 0
    idle = 0
    while counted < days or not intervals:
        day += timedelta(days=1)
        intervals = calendar.utc_intervals(day)
        if intervals:
            counted += 1
            idle = 0
        else:
            idle += 1
            if idle > _MAX_IDLE_DAYS:
                raise CalendarError(f"Calendar '{calendar.key}' has no working time after {day}.")
    return intervals[-1][1].astimezone(calendar.zone)


def merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses sorted, with overlapping or touching ones joined (empty ones dropped)."""
    merged: list[Pause] = []
    for begin, end in sorted(pauses):
        if end <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def paused_time(
    calendar: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause]
) -> timedelta:
    """The working time between ``start`` and ``end`` that fell inside pauses."""
    first, last = calendar.aware(start), calendar.aware(end)
    total = ZERO
    for begin, finish in merge_pauses(_aware_pauses(calendar, pauses)):
        begin, finish = max(begin, first), min(finish, last)
        if finish > begin:
            total += elapsed(calendar, begin, finish)
    return total


def due_with_pauses(
    calendar: Calendar, start: datetime, duration: timedelta, pauses: Iterable[Pause]
) -> datetime:
    """Like ``due``, but the clock stands still during ``pauses`` (e.g. waiting for a part).

    Resuming moves the due time on by exactly the working time spent paused, however the
    pause is cut into pieces.
    """
    if duration < ZERO:
        raise ValueError("A business-time duration cannot be negative.")
    moment = calendar.aware(start)
    remaining = duration
    for begin, end in merge_pauses(_aware_pauses(calendar, pauses)):
        if end <= moment:
            continue
        if remaining == ZERO:  # only a zero target: due at the first unpaused working instant
            candidate = next_working_instant(calendar, moment)
            if candidate < begin:
                return candidate
        elif begin > moment:
            working = elapsed(calendar, moment, begin)
            if remaining <= working:
                return due(calendar, moment, remaining)
            remaining -= working
        moment = max(moment, end)
    return due(calendar, moment, remaining)


def _aware_pauses(calendar: Calendar, pauses: Iterable[Pause]) -> list[Pause]:
    return [(calendar.aware(begin), calendar.aware(end)) for begin, end in pauses]
