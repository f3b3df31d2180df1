"""What the calendar page shows and changes: a year of day states, day toggles, weekday hours.

Pure functions over calendar documents and typed calendars, so the views stay thin and the
rules of toggling can be tested without a browser.
"""

from __future__ import annotations

import calendar as _months
import copy
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from servicekit.runtime.sla import WEEKDAYS, Calendar

# A day's state on the year view; also the CSS modifier of its cell.
WORKING, OFF, HOLIDAY, MAKEUP = "working", "off", "holiday", "makeup"
MAX_INTERVALS = 12
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class DayCell:
    """One date on the year view: its state and, for holidays and make-up days, its name."""

    day: date
    state: str
    label: Any = None
    own: bool = False  # listed in the document itself rather than taken from the source


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[DayCell | None]]  # Monday-first weeks; None pads the first and last


def own_dates(body: dict[str, Any]) -> set[str]:
    """The dates (ISO text) the document lists itself as holidays or make-up workdays."""
    return {item["date"] for key in ("holidays", "workdays") for item in body.get(key) or []}


def day_cell(calendar: Calendar, day: date, own: set[str] | None = None) -> DayCell:
    """The state of one date (raises ``CalendarCoverageError`` outside the holiday data)."""
    mine = day.isoformat() in (own or ())
    intervals = calendar.intervals_on(day)
    if day in calendar.holidays:
        return DayCell(day, HOLIDAY, calendar.holidays[day].label, mine)
    if day in calendar.makeup_days:
        return DayCell(day, MAKEUP, calendar.makeup_days[day].label, mine)
    return DayCell(day, WORKING if intervals else OFF, None, mine)


def year_view(calendar: Calendar, body: dict[str, Any], year: int) -> list[Month]:
    """Twelve months of day cells, Monday-first, marking dates the document lists itself."""
    own = own_dates(body)
    months = []
    for number in range(1, 13):
        weeks = [
            [day_cell(calendar, day, own) if day.month == number else None for day in week]
            for week in _months.Calendar(firstweekday=0).monthdatescalendar(year, number)
        ]
        months.append(Month(number, weeks))
    return months


def toggle_day(body: dict[str, Any], calendar: Calendar, day: date) -> dict[str, Any]:
    """A new body with ``day`` flipped between worked and free.

    A date the document lists itself is simply unlisted (back to the weekday or the holiday
    source); otherwise a working date becomes a holiday and a free one a make-up workday.
    """
    new = copy.deepcopy(body)
    text = day.isoformat()
    for key in ("holidays", "workdays"):
        items = new.get(key) or []
        kept = [item for item in items if item.get("date") != text]
        if len(kept) != len(items):
            new[key] = kept
            return new
    if day_cell(calendar, day).state in (WORKING, MAKEUP):
        new.setdefault("holidays", []).append({"date": text})
        new["holidays"].sort(key=lambda item: item["date"])
    else:
        new.setdefault("workdays", []).append({"date": text})
        new["workdays"].sort(key=lambda item: item["date"])
    return new


def week_text(body: dict[str, Any]) -> dict[str, str]:
    """Each weekday's intervals as editable text: ``08:30-12:00, 13:30-17:30``."""
    week = body.get("week") or {}
    return {
        day: ", ".join(f"{item['start']}-{item['end']}" for item in week.get(day) or [])
        for day in WEEKDAYS
    }


def parse_week(texts: dict[str, str]) -> tuple[dict[str, list[dict[str, str]]], dict[str, str]]:
    """Read the weekday text boxes; returns the ``week`` object and, per weekday, what is wrong."""
    week: dict[str, list[dict[str, str]]] = {}
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        parts = [part for part in re.split(r"[,，;；\n]", texts.get(day, "")) if part.strip()]
        intervals = []
        for part in parts[: MAX_INTERVALS + 1]:
            match = _INTERVAL.match(part)
            if match is None:
                errors[day] = part.strip()[:40]
                break
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            intervals.append({"start": f"{h1:02d}:{m1:02d}", "end": f"{h2:02d}:{m2:02d}"})
        if len(parts) > MAX_INTERVALS:
            errors[day] = parts[MAX_INTERVALS].strip()[:40]
        week[day] = intervals
    return week, errors


def interval_summary(calendar: Calendar) -> dict[str, str]:
    """Each weekday's hours for reading: ``08:30-12:00 13:30-17:30`` or '' for a day off."""
    return {
        day: " ".join(str(interval) for interval in calendar.week[index])
        for index, day in enumerate(WEEKDAYS)
    }
