"""Static checks of calendar documents beyond their schema, as (JSON path, message) pairs.

Runs at publish and install (through the validator registered in ``init_app``) and on the
calendar page, after the schema has passed; it never raises for bad input.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from servicekit.runtime.sla.calendar import WEEKDAYS, WorkingInterval

Found = Iterator[tuple[str, str]]


def check_calendar(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with a calendar's intervals and dates, each with its JSON path."""
    problems = list(_week(body.get("week") or {}))
    problems.extend(_dates(body))
    problems.extend(_some_working_time(body))
    return problems


def _week(week: Mapping[str, Any]) -> Found:
    for day in WEEKDAYS:
        previous: WorkingInterval | None = None
        for index, item in enumerate(week.get(day) or []):
            path = f"$.week.{day}[{index}]"
            interval = WorkingInterval.parse(item["start"], item["end"])
            if interval.start >= interval.end:
                yield (
                    path,
                    f"The interval {interval} ends before it starts; make end later than start.",
                )
                continue
            if previous is not None and interval.start < previous.end:
                yield (
                    path,
                    f"The interval {interval} overlaps or comes before {previous}; list each "
                    f"day's intervals in order, without overlaps.",
                )
            previous = interval


def _dates(body: Mapping[str, Any]) -> Found:
    week = body.get("week") or {}
    seen: dict[date, str] = {}
    for listing in ("holidays", "workdays"):
        for index, item in enumerate(body.get(listing) or []):
            path = f"$.{listing}[{index}].date"
            try:
                day = date.fromisoformat(item["date"])
            except ValueError:
                yield path, f"'{item['date']}' is not a date; write it as YYYY-MM-DD (2025-10-01)."
                continue
            if day in seen:
                yield path, f"{day} is already listed at {seen[day]}; list each date once."
                continue
            seen[day] = path
            follows = item.get("follows")
            if listing == "workdays" and follows and not week.get(follows):
                yield (
                    f"$.workdays[{index}].follows",
                    f"{day} follows {follows}, which has no working intervals; name a weekday "
                    f"with working hours.",
                )


def _some_working_time(body: Mapping[str, Any]) -> Found:
    week = body.get("week") or {}
    if not any(week.get(day) for day in WEEKDAYS):
        yield "$.week", "No weekday has working intervals; give at least one weekday its hours."
