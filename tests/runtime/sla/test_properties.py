"""Property tests of business-time arithmetic (issue 6, acceptance 1).

They run on the built-in China mainland calendar and on calendars hypothesis invents
(several intervals a day, holidays, make-up days, zones with daylight saving time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from servicekit.runtime.sla import (
    WEEKDAYS,
    Calendar,
    builtin_calendar,
    due,
    due_with_pauses,
    elapsed,
    next_working_instant,
    paused_time,
)
from servicekit.runtime.sla.holidays_cn import statutory_holidays
from tests.runtime.sla.support import SLA_PROFILE, naive_due, naive_elapsed, shop_calendar

CN = builtin_calendar()
SHOP = shop_calendar()
EARLIEST = datetime(2024, 1, 1)
LATEST = datetime(2026, 6, 30)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def _day(draw: st.DrawFn) -> list[dict[str, str]]:
    """0-3 ordered, disjoint intervals on a quarter-hour grid (24:00 allowed as an end)."""
    points = draw(st.lists(st.integers(0, 96), min_size=0, max_size=6, unique=True))
    points = sorted(points)[: len(points) // 2 * 2]
    return [
        {"start": _hhmm(points[i] * 15), "end": _hhmm(points[i + 1] * 15)}
        for i in range(0, len(points), 2)
    ]


@st.composite
def invented_calendars(draw: st.DrawFn) -> Calendar:
    week = {day: draw(_day()) for day in WEEKDAYS}
    if not any(week.values()):
        week["mon"] = [{"start": "09:00", "end": "17:00"}]
    working = [day for day in WEEKDAYS if week[day]]
    dates = st.dates(date(2023, 12, 1), date(2026, 12, 31)).map(date.isoformat)
    off = draw(st.lists(dates, max_size=40, unique=True))
    on = draw(st.lists(dates.filter(lambda d: d not in off), max_size=10, unique=True))
    return Calendar.from_body(
        {
            "key": "invented",
            "label": "Invented",
            "timezone": draw(
                st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"])
            ),
            "week": week,
            "holidays": [{"date": d} for d in off],
            "workdays": [{"date": d, "follows": draw(st.sampled_from(working))} for d in on],
        }
    )


calendars = st.one_of(st.just(CN), st.just(SHOP), invented_calendars())
starts = st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC))
durations = st.integers(0, 120 * 3600).map(lambda s: timedelta(seconds=s))


@SLA_PROFILE
@given(calendars, starts, durations)
def test_elapsed_time_up_to_the_due_time_is_the_duration(
    calendar: Calendar, start: datetime, duration: timedelta
) -> None:
    assert elapsed(calendar, start, due(calendar, start, duration)) == duration


@SLA_PROFILE
@given(calendars, starts, durations)
def test_due_times_fall_inside_working_intervals(
    calendar: Calendar, start: datetime, duration: timedelta
) -> None:
    result = due(calendar, start, duration)
    assert result >= start
    # An interval ending at 24:00 ends on the next local date, so look at the day before too.
    day = calendar.local_date(result)
    intervals = calendar.utc_intervals(day - timedelta(days=1)) + calendar.utc_intervals(day)
    if duration:
        assert any(begin < result <= end for begin, end in intervals)
    else:
        assert any(begin <= result < end for begin, end in intervals)


@SLA_PROFILE
@given(calendars, starts, durations, durations)
def test_a_longer_target_is_never_due_earlier(
    calendar: Calendar, start: datetime, one: timedelta, other: timedelta
) -> None:
    short, long = sorted((one, other))
    assert due(calendar, start, short) <= due(calendar, start, long)


@SLA_PROFILE
@given(calendars, st.lists(starts, min_size=3, max_size=3))
def test_elapsed_time_adds_up_over_consecutive_spans(
    calendar: Calendar, moments: list[datetime]
) -> None:
    a, b, c = sorted(moments)
    assert elapsed(calendar, a, c) == elapsed(calendar, a, b) + elapsed(calendar, b, c)


_CN_HOLIDAYS = sorted(d for d in statutory_holidays() if EARLIEST.date() <= d <= LATEST.date())


@SLA_PROFILE
@given(
    st.sampled_from(_CN_HOLIDAYS),
    st.times(),
    durations,
)
def test_a_start_inside_a_holiday_counts_from_the_next_working_interval(
    holiday: date, at: time, duration: timedelta
) -> None:
    start = datetime.combine(holiday, at, CN.zone)
    resumes = next_working_instant(CN, start)
    assert resumes.date() > holiday
    assert resumes.date() not in statutory_holidays()
    assert resumes == CN.utc_intervals(resumes.date())[0][0]
    assert due(CN, start, duration) == due(CN, resumes, duration)
    assert elapsed(CN, start, resumes) == timedelta()


@st.composite
def pauses_and_a_cut(
    draw: st.DrawFn, start: datetime
) -> tuple[list[tuple[datetime, datetime]], int, float]:
    """Pauses after ``start`` (up to three weeks out), and where to cut one of them."""
    offsets = st.integers(0, 21 * 24 * 3600).map(lambda s: start + timedelta(seconds=s))
    pauses = draw(
        st.lists(st.tuples(offsets, offsets).map(sorted).map(tuple), min_size=1, max_size=4)
    )
    return pauses, draw(st.integers(0, len(pauses) - 1)), draw(st.floats(0, 1))


@SLA_PROFILE
@given(calendars, starts, durations, st.data())
def test_cutting_a_pause_into_pieces_changes_nothing(
    calendar: Calendar, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    pauses, index, fraction = data.draw(pauses_and_a_cut(start))
    begin, end = pauses[index]
    cut = begin + (end - begin) * fraction
    pieces = [*pauses[:index], (begin, cut), (cut, end), *pauses[index + 1 :]]
    result = due_with_pauses(calendar, start, duration, pauses)
    assert due_with_pauses(calendar, start, duration, pieces) == result
    # The clock ran for exactly the duration: working time minus working time paused.
    assert (
        elapsed(calendar, start, result) - paused_time(calendar, start, result, pauses) == duration
    )
    assert paused_time(calendar, start, result, pieces) == paused_time(
        calendar, start, result, pauses
    )


@SLA_PROFILE
@given(
    st.sampled_from([CN, SHOP]),
    st.datetimes(EARLIEST, LATEST).map(lambda d: d.replace(second=0, microsecond=0)),
    st.integers(0, 600),
)
def test_interval_jumping_agrees_with_counting_minute_by_minute(
    calendar: Calendar, naive_start: datetime, minutes: int
) -> None:
    start = naive_start.replace(tzinfo=calendar.zone)
    result = due(calendar, start, timedelta(minutes=minutes))
    assert result == naive_due(calendar, start, minutes)
    assume(result - start <= timedelta(days=12))  # keep the counting loop short
    assert elapsed(calendar, start, result) == naive_elapsed(calendar, start, result)
