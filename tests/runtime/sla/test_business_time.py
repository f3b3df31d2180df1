"""Scenario tests of business time on the 2025 China mainland calendar (issue 6, acceptance 2).

Each case is a promise a dispatcher would check by hand against a wall calendar: where the
lunch break, the night, the weekend, the National Day holiday and its make-up workdays put
the due time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from servicekit.runtime.sla import (
    CalendarCoverageError,
    builtin_calendar,
    due,
    due_end_of_day,
    due_with_pauses,
    elapsed,
    next_working_instant,
    parse_target,
    paused_time,
)
from servicekit.runtime.sla.holidays_cn import covered_years
from tests.runtime.sla.support import at, shop_calendar

CN = builtin_calendar()
H = timedelta(hours=1)
M = timedelta(minutes=1)


# A work order opened on Friday 26 September 2025 at 17:00: half an hour is left that day,
# Saturday is off, Sunday 28 September is a make-up workday, 1-8 October is National Day.
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("30m", "2025-09-26 17:30"),  # urgent first response: still on Friday
        ("4h", "2025-09-28 12:00"),  # urgent on site: the make-up Sunday, end of its morning
        ("1d", "2025-09-28 17:30"),  # urgent resolution: end of the next working day (Sunday)
        ("12h", "2025-09-29 14:00"),  # 0.5 h Friday, 7.5 h Sunday, 3.5 h + 0.5 h Monday
        ("3d", "2025-09-30 17:30"),  # normal resolution: Sunday, Monday, Tuesday
        ("23h", "2025-09-30 17:30"),  # exactly the three working days after Friday's half hour
        ("23h1m", "2025-10-09 08:31"),  # one minute more jumps the whole holiday
    ],
)
def test_friday_before_national_day(target: str, expected: str) -> None:
    assert parse_target(target).due(CN, at("2025-09-26 17:00")) == at(expected)


def test_the_holiday_counts_for_nothing_and_its_make_up_saturday_counts() -> None:
    opened = at("2025-09-30 16:00")
    assert due(CN, opened, 4 * H) == at("2025-10-09 11:00")
    assert due_end_of_day(CN, opened, 3) == at("2025-10-11 17:30")  # Thu 9, Fri 10, Sat 11
    assert due(CN, at("2025-10-11 17:00"), H) == at("2025-10-13 09:00")  # Sunday 12 is off
    assert elapsed(CN, at("2025-09-26 17:00"), at("2025-10-09 11:00")) == 25 * H + 30 * M


def test_a_start_during_a_holiday_counts_from_the_first_working_morning() -> None:
    assert next_working_instant(CN, at("2025-10-03 10:00")) == at("2025-10-09 08:30")
    assert due(CN, at("2025-10-03 10:00"), 30 * M) == at("2025-10-09 09:00")
    assert elapsed(CN, at("2025-10-01 00:00"), at("2025-10-08 23:59")) == timedelta()


def test_opened_during_lunch() -> None:
    opened = at("2025-09-24 12:10")  # a Wednesday
    assert due(CN, opened, 30 * M) == at("2025-09-24 14:00")
    assert elapsed(CN, opened, at("2025-09-24 13:30")) == timedelta()
    assert elapsed(CN, at("2025-09-24 11:50"), at("2025-09-24 13:40")) == 20 * M


def test_intervals_are_half_open() -> None:
    # 12:00 is already lunch and 17:30 already evening; 08:30 and 13:30 are working.
    assert next_working_instant(CN, at("2025-09-24 12:00")) == at("2025-09-24 13:30")
    assert next_working_instant(CN, at("2025-09-24 17:30")) == at("2025-09-25 08:30")
    assert next_working_instant(CN, at("2025-09-24 08:30")) == at("2025-09-24 08:30")
    assert due(CN, at("2025-09-24 12:00"), M) == at("2025-09-24 13:31")
    # A target that uses up the morning exactly is due at 12:00, not after lunch.
    assert due(CN, at("2025-09-24 08:30"), 3 * H + 30 * M) == at("2025-09-24 12:00")


def test_across_a_night() -> None:
    assert due(CN, at("2025-09-25 17:00"), H) == at("2025-09-26 09:00")
    assert elapsed(CN, at("2025-09-25 17:00"), at("2025-09-26 09:00")) == H
    assert due(CN, at("2025-09-25 20:00"), H) == at("2025-09-26 09:30")


def test_a_pause_across_a_night_moves_the_due_time_by_the_working_time_paused() -> None:
    opened = at("2025-09-24 09:00")
    assert due(CN, opened, 8 * H) == at("2025-09-25 09:30")
    pause = (at("2025-09-24 16:30"), at("2025-09-25 10:00"))  # waiting for a spare part
    assert paused_time(CN, opened, at("2025-09-25 12:00"), [pause]) == 2 * H + 30 * M
    assert due_with_pauses(CN, opened, 8 * H, [pause]) == at("2025-09-25 12:00")
    # The pause did not stop wall time, only the clock: same result cut into pieces.
    pieces = [
        (at("2025-09-24 16:30"), at("2025-09-24 21:00")),
        (at("2025-09-24 21:00"), at("2025-09-25 09:00")),
        (at("2025-09-25 08:45"), at("2025-09-25 10:00")),
    ]
    assert due_with_pauses(CN, opened, 8 * H, pieces) == at("2025-09-25 12:00")


def test_month_and_year_ends() -> None:
    assert due(CN, at("2025-10-31 17:00"), H) == at("2025-11-03 09:00")  # Friday to Monday
    # 1-3 January 2026 are New Year holidays and Sunday 4 January is a make-up workday.
    assert due(CN, at("2025-12-31 17:00"), H) == at("2026-01-04 09:00")
    assert elapsed(CN, at("2025-12-31 17:00"), at("2026-01-05 09:00")) == 8 * H + 30 * M


def test_whole_day_targets_end_at_the_end_of_a_full_working_day() -> None:
    monday = "2025-09-22"
    assert due_end_of_day(CN, at(f"{monday} 08:00"), 1) == at(f"{monday} 17:30")
    assert due_end_of_day(CN, at(f"{monday} 08:30"), 1) == at(f"{monday} 17:30")
    assert due_end_of_day(CN, at(f"{monday} 09:00"), 1) == at("2025-09-23 17:30")
    assert due_end_of_day(CN, at("2025-09-27 10:00"), 1) == at("2025-09-28 17:30")  # Sat


def test_a_year_the_data_does_not_cover_is_refused_by_name() -> None:
    first, last = covered_years()
    assert first <= 2025 <= last
    with pytest.raises(CalendarCoverageError) as caught:
        due(CN, at(f"{last}-12-31 17:00"), 8 * H)
    assert str(last + 1) in str(caught.value)
    assert f"{first}-{last}" in str(caught.value)
    with pytest.raises(CalendarCoverageError):
        elapsed(CN, at(f"{first - 1}-12-31 09:00"), at(f"{first}-01-05 09:00"))


def test_a_custom_calendar_with_its_own_holidays_and_a_make_up_day_following_friday() -> None:
    shop = shop_calendar()
    # Wed 31 Dec 17:30 leaves half an hour; 1-2 January are off; Saturday 3 January has
    # 10:00-14:00; Sunday 4 January is worked on Friday's hours (09:00-12:00, 13:00-17:00).
    assert due(shop, at("2025-12-31 17:30"), H) == at("2026-01-03 10:30")
    assert due(shop, at("2026-01-03 13:30"), H) == at("2026-01-04 09:30")
    assert due(shop, at("2026-01-04 16:30"), H) == at("2026-01-05 09:30")
    # Not bound to any holiday data, so any year is fine.
    assert due(shop, at("2031-06-02 17:00"), 2 * H) == at("2031-06-03 10:00")


def test_naive_times_are_read_in_the_calendar_zone_and_results_come_back_in_it() -> None:
    naive = at("2025-09-26 17:00").replace(tzinfo=None)
    result = due(CN, naive, 30 * M)
    assert result == at("2025-09-26 17:30")
    assert result.utcoffset() == 8 * H


def test_negative_durations_are_refused_and_reversed_spans_are_negative() -> None:
    with pytest.raises(ValueError):
        due(CN, at("2025-09-24 09:00"), -M)
    assert elapsed(CN, at("2025-09-24 10:00"), at("2025-09-24 09:00")) == -H
