"""Typed working calendars built from calendar documents (or the built-in ``cn_mainland``).

A ``Calendar`` answers one question for the business-time arithmetic: which half-open
working intervals, as UTC instants, does a given local date have? Everything else
(weekday schedules, holidays, make-up workdays and their borrowed schedule, the years
the holiday data covers) is resolved here, once, from a document that already passed
its schema and the calendar validator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicekit.runtime.sla import holidays_cn
from servicekit.runtime.sla.errors import CalendarCoverageError, CalendarError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CN_MAINLAND = "cn_mainland"
# Holiday sources a calendar document may name in ``source``.
SOURCES = (CN_MAINLAND,)
MINUTES_PER_DAY = 24 * 60

Label = str | dict[str, str]


@dataclass(frozen=True, order=True)
class WorkingInterval:
    """One half-open stretch of working time in a day, ``[start, end)`` in minutes after midnight."""

    start: int
    end: int

    @classmethod
    def parse(cls, start: str, end: str) -> WorkingInterval:
        """Read ``"08:30"``/``"12:00"`` (``"24:00"`` is allowed as an end)."""
        return cls(_minutes(start), _minutes(end))

    @property
    def minutes(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True)
class Holiday:
    """A date off, with what people call it."""

    day: date
    label: Label | None = None


@dataclass(frozen=True)
class MakeUpDay:
    """A usually-free date that is worked (调休), following one weekday's schedule."""

    day: date
    follows: int  # 0 = Monday ... 6 = Sunday
    label: Label | None = None


def builtin_body(key: str) -> dict[str, Any]:
    """The document of a built-in calendar (``cn_mainland``), as the calendar page shows it."""
    if key != CN_MAINLAND:
        raise CalendarError(
            f"There is no built-in calendar '{key}'; the built-in one is cn_mainland."
        )
    office = [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "17:30"}]
    return {
        "key": CN_MAINLAND,
        "label": {"zh": "中国大陆", "en": "China mainland"},
        "description": {
            "zh": "法定节假日与调休上班日（来自 chinese-calendar），工作时间 08:30–12:00、13:30–17:30。",
            "en": "Statutory holidays and make-up workdays (from chinese-calendar); working hours "
            "08:30-12:00 and 13:30-17:30.",
        },
        "timezone": "Asia/Shanghai",
        "source": CN_MAINLAND,
        "week": {day: list(office) if day not in ("sat", "sun") else [] for day in WEEKDAYS},
    }


class Calendar:
    """A working calendar: time zone, weekday schedules, holidays, make-up workdays.

    Built with ``Calendar.from_body``; read by ``due``/``elapsed`` in ``business_time``.
    Instances are immutable in use; they keep a per-date cache of UTC intervals, so share
    one instance per calendar version rather than building one per computation.
    """

    def __init__(
        self,
        key: str,
        timezone: str,
        week: tuple[tuple[WorkingInterval, ...], ...],
        holidays: Mapping[date, Holiday],
        makeup_days: Mapping[date, MakeUpDay],
        *,
        covered: tuple[int, int] | None = None,
        version: int | None = None,
        label: Label | None = None,
    ) -> None:
        if len(week) != 7:
            raise CalendarError("A calendar needs a schedule for each of the seven weekdays.")
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(
                f"Calendar '{key}': '{timezone}' is not an IANA time zone such as Asia/Shanghai."
            ) from exc
        self.key = key
        self.timezone = timezone
        self.week = week
        self.holidays = dict(holidays)
        self.makeup_days = dict(makeup_days)
        self.covered = covered
        self.version = version
        self.label = label
        self._day_cache: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        # Without any working time anywhere, arithmetic would search forever; say so up front.
        if not any(week) and not any(week[m.follows] for m in self.makeup_days.values()):
            raise CalendarError(f"Calendar '{key}' has no working intervals on any day.")

    @classmethod
    def from_body(cls, body: Mapping[str, Any], *, version: int | None = None) -> Calendar:
        """Build from a calendar document that passed the schema and ``check_calendar``."""
        key = str(body.get("key", ""))
        week_body = body.get("week") or {}
        week = tuple(
            tuple(
                sorted(
                    WorkingInterval.parse(item["start"], item["end"])
                    for item in week_body.get(day, [])
                )
            )
            for day in WEEKDAYS
        )
        holidays: dict[date, Holiday] = {}
        makeup: dict[date, MakeUpDay] = {}
        covered: tuple[int, int] | None = None
        source = body.get("source")
        if source == CN_MAINLAND:
            covered = holidays_cn.covered_years()
            follows = _first_working_weekday(week)
            for day, name in holidays_cn.statutory_holidays().items():
                holidays[day] = Holiday(day, name)
            for day, name in holidays_cn.makeup_workdays().items():
                makeup[day] = MakeUpDay(day, follows, name)
        elif source is not None:
            raise CalendarError(f"Calendar '{key}': unknown holiday source '{source}'.")
        # The document's own dates win over the source's: a company may work on a
        # statutory holiday, or close on a make-up Saturday.
        for item in body.get("holidays") or []:
            day = date.fromisoformat(item["date"])
            makeup.pop(day, None)
            holidays[day] = Holiday(day, item.get("label"))
        for item in body.get("workdays") or []:
            day = date.fromisoformat(item["date"])
            holidays.pop(day, None)
            follows = WEEKDAYS.index(item.get("follows", WEEKDAYS[_weekday_or_first(day, week)]))
            makeup[day] = MakeUpDay(day, follows, item.get("label"))
        return cls(
            key,
            str(body.get("timezone") or "Asia/Shanghai"),
            week,
            holidays,
            makeup,
            covered=covered,
            version=version,
            label=body.get("label"),
        )

    def check_covered(self, day: date) -> None:
        """Raise ``CalendarCoverageError`` if ``day``'s year lies outside the holiday data."""
        if self.covered is not None and not self.covered[0] <= day.year <= self.covered[1]:
            raise CalendarCoverageError(self.key, day.year, *self.covered)

    def intervals_on(self, day: date) -> tuple[WorkingInterval, ...]:
        """The working intervals of a local date: none on holidays, borrowed on make-up days."""
        self.check_covered(day)
        if day in self.holidays:
            return ()
        makeup = self.makeup_days.get(day)
        if makeup is not None:
            return self.week[makeup.follows]
        return self.week[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        return bool(self.intervals_on(day))

    def utc_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local date as aware UTC ``(start, end)`` instants."""
        cached = self._day_cache.get(day)
        if cached is None:
            cached = self._day_cache[day] = self._resolve(day)
        return cached

    def _resolve(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """UTC intervals of one date, kept ordered and disjoint even when clocks jump.

        Wall times inside a spring-forward gap map to instants that can run backwards, so
        each interval is clipped to start no earlier than the previous one ended, and
        intervals left empty are dropped.
        """
        resolved: list[tuple[datetime, datetime]] = []
        for item in self.intervals_on(day):
            begin, end = self._instant(day, item.start), self._instant(day, item.end)
            if resolved:
                begin = max(begin, resolved[-1][1])
            if end > begin:
                resolved.append((begin, end))
        return tuple(resolved)

    def local_date(self, moment: datetime) -> date:
        """The calendar's local date at an aware instant."""
        return moment.astimezone(self.zone).date()

    def aware(self, moment: datetime) -> datetime:
        """``moment`` as an aware UTC instant; naive values are read in the calendar's zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        # Aware datetimes sharing one tzinfo compare without asking for offsets, which is
        # most of the work the arithmetic does; the intervals are in UTC too.
        return moment.astimezone(UTC)

    def _instant(self, day: date, minutes: int) -> datetime:
        # Aware arithmetic keeps wall time, so ``astimezone`` applies the offset in force at
        # that wall time on days when clocks change (not in China, but elsewhere).
        local = datetime.combine(day, time(), self.zone) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    def __repr__(self) -> str:
        return f"Calendar({self.key!r}, version={self.version!r})"


@lru_cache(maxsize=8)
def builtin_calendar(key: str = CN_MAINLAND) -> Calendar:
    """A built-in calendar by key (only ``cn_mainland`` today), built once per process."""
    return Calendar.from_body(builtin_body(key))


def _first_working_weekday(week: tuple[tuple[WorkingInterval, ...], ...]) -> int:
    """Make-up days from a holiday source follow the first weekday that has working hours."""
    for index, intervals in enumerate(week):
        if intervals:
            return index
    return 0


def _weekday_or_first(day: date, week: tuple[tuple[WorkingInterval, ...], ...]) -> int:
    """A make-up day without ``follows`` keeps its own weekday's hours if it has any."""
    return day.weekday() if week[day.weekday()] else _first_working_weekday(week)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
