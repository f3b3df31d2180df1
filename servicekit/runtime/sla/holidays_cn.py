"""China mainland statutory holidays and make-up workdays, read from the chinese-calendar package.

The dates come from the State Council's yearly notices as packaged by ``chinese-calendar``
(kept up to date by its maintainers), never typed by hand here; upgrading the package adds
new years.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import chinese_calendar

Label = dict[str, str]


@cache
def covered_years() -> tuple[int, int]:
    """The first and last year the installed package has holiday data for."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


@cache
def statutory_holidays() -> dict[date, Label]:
    """Every statutory day off (weekend days inside a holiday too), labelled in both languages."""
    return {day: _label(name) for day, name in chinese_calendar.holidays.items()}


@cache
def makeup_workdays() -> dict[date, Label]:
    """Weekend dates that are working days (调休), labelled with the holiday they make up for."""
    return {
        day: _label(name) for day, name in chinese_calendar.workdays.items() if day.weekday() >= 5
    }


def _label(english: str) -> Label:
    try:
        chinese = chinese_calendar.Holiday(english).chinese
    except ValueError:  # a name the package's enum does not list: English only
        return {"en": english}
    return {"zh": str(chinese), "en": english}
