"""Read a report page's filters from the query string: date range (preset or dates) and selects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from servicekit.runtime.reports import PageFilters
from servicekit.runtime.reports.model import DATE_RANGES

MAX_VALUE = 100
MAX_SELECTS = 4


@dataclass(frozen=True)
class PageState:
    """What the filter controls show and the engine applies."""

    range: str
    start: date | None  # first day, local
    end: date | None  # last day, local (inclusive)
    selects: tuple[tuple[str, str], ...]

    def filters(self, tz: ZoneInfo) -> PageFilters:
        start = (
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=tz)
            if self.start
            else None
        )
        end = None
        if self.end is not None:
            after = self.end + timedelta(days=1)
            end = datetime(after.year, after.month, after.day, tzinfo=tz)
        return PageFilters(start=start, end=end, selects=self.selects)

    def previous(self, tz: ZoneInfo) -> PageFilters | None:
        """The period of the same length just before (for KPI comparisons)."""
        if self.start is None or self.end is None:
            return None
        length = self.end - self.start + timedelta(days=1)
        before = PageState(
            "custom", self.start - length, self.start - timedelta(days=1), self.selects
        )
        return before.filters(tz)

    def query(self) -> dict[str, str]:
        """The query parameters that reproduce this state (for data, export and drill URLs)."""
        args = {"range": self.range}
        if self.range == "custom":
            if self.start:
                args["from"] = self.start.isoformat()
            if self.end:
                args["to"] = self.end.isoformat()
        for key, value in self.selects:
            args[f"f_{key}"] = value
        return args


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10]) if text else None
    except ValueError:
        return None


def read_state(
    args: MultiDict[str, str], default_range: str, today: date, select_keys: tuple[str, ...]
) -> PageState:
    """The page state from ``args``; unknown presets and bad dates fall back quietly."""
    chosen = args.get("range") or default_range
    start, end = _day(args.get("from")), _day(args.get("to"))
    if chosen == "custom" or (chosen not in DATE_RANGES and (start or end)):
        chosen = "custom"
        if start and end and start > end:
            start, end = end, start
    elif chosen not in DATE_RANGES:
        chosen = default_range
    if chosen != "custom":
        start, end = preset(chosen, today)
    selects = []
    for key in select_keys[:MAX_SELECTS]:
        value = (args.get(f"f_{key}") or "")[:MAX_VALUE]
        if value:
            selects.append((key, value))
    return PageState(chosen, start, end, tuple(selects))


def preset(name: str, today: date) -> tuple[date | None, date | None]:
    """First and last day of a named range ending today."""
    if name == "last_30_days":
        return today - timedelta(days=29), today
    if name == "last_90_days":
        return today - timedelta(days=89), today
    if name == "last_12_months":
        index = today.year * 12 + today.month - 1 - 11
        return date(index // 12, index % 12 + 1, 1), today
    if name == "this_year":
        return date(today.year, 1, 1), today
    return None, None
