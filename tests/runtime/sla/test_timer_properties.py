"""Property tests of timers as the engine derives them (issue 6, acceptance 1).

The business-time functions have their own properties (``test_properties``); these check
that timers built from a work order's history keep them: pauses cut into pieces change
nothing and agree with ``due_with_pauses``, due times lie in working intervals, and a
clock started on a holiday counts from the next working interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from servicekit.runtime.sla import builtin_calendar, due, elapsed, next_working_instant
from servicekit.runtime.sla.derive import Happening, derive_timers
from servicekit.runtime.sla.holidays_cn import statutory_holidays
from tests.runtime.sla.random_histories import STAFF, FixedCatalog
from tests.runtime.sla.support import SHANGHAI, SLA_PROFILE

CN = builtin_calendar()
CATALOG = FixedCatalog()
starts = st.datetimes(datetime(2025, 1, 1), datetime(2025, 12, 1)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
)
minutes = st.integers(0, 60 * 24 * 10)
policies = st.sampled_from([("urgent", 1), ("normal", 1), ("urgent", 2), ("normal", 2)])


def _state(policy: tuple[str, int], paused: bool) -> dict[str, object]:
    return {
        "policy": policy[0],
        "policy_version": policy[1],
        "calendar": "cn_mainland",
        "calendar_version": None,
        "paused_by_field": paused,
    }


def _history(start: datetime, policy: tuple[str, int], toggles: list[datetime]) -> list[Happening]:
    """A work order created at ``start``; its field pause switches on and off at ``toggles``."""
    events = [
        Happening(start, (0, 0), "record.created", 1, {}),
        Happening(start, (0, 1), "sla.state", None, _state(policy, False)),
    ]
    for index, moment in enumerate(toggles):
        events.append(
            Happening(moment, (0, 2 + index), "sla.state", None, _state(policy, index % 2 == 0))
        )
    return events


def _timers(history: list[Happening], as_of: datetime) -> dict[str, tuple[object, ...]]:
    return {
        c.target: (c.due_at, c.elapsed, c.paused, c.state, c.breached_at)
        for c in derive_timers(history, CATALOG, STAFF, as_of)
    }


@SLA_PROFILE
@given(starts, policies, minutes, minutes, st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_cutting_a_pause_into_pieces_changes_no_timer(
    start: datetime, policy: tuple[str, int], before: int, length: int, cuts: list[float]
) -> None:
    paused_at = start + timedelta(minutes=before)
    resumed_at = paused_at + timedelta(minutes=length)
    whole = _history(start, policy, [paused_at, resumed_at])
    # The same pause, resumed and paused again at the same instants in between.
    points = sorted({paused_at + (resumed_at - paused_at) * cut for cut in cuts})
    pieces = [paused_at] + [p for point in points for p in (point, point)] + [resumed_at]
    as_of = resumed_at + timedelta(minutes=1)
    assert _timers(whole, as_of) == _timers(_history(start, policy, pieces), as_of)


@SLA_PROFILE
@given(starts, policies, minutes, minutes)
def test_a_paused_resolution_is_due_as_due_with_pauses_says(
    start: datetime, policy: tuple[str, int], before: int, length: int
) -> None:
    paused_at = start + timedelta(minutes=before)
    resumed_at = paused_at + timedelta(minutes=length)
    [resolution] = [
        c
        for c in derive_timers(
            _history(start, policy, [paused_at, resumed_at]), CATALOG, STAFF, start
        )
        if c.target == "resolution"
    ]
    target = CATALOG.policy(*policy).target("resolution")
    assert target is not None
    if resolution.breached_at is None:
        assert resolution.due_at == target.due(CN, start, [(paused_at, resumed_at)])
        assert resolution.paused == elapsed(CN, paused_at, resumed_at)


@SLA_PROFILE
@given(starts, policies)
def test_due_times_lie_in_working_intervals(start: datetime, policy: tuple[str, int]) -> None:
    for clock in derive_timers(_history(start, policy, []), CATALOG, STAFF, start):
        assert clock.due_at is not None
        day = CN.local_date(clock.due_at)
        intervals = CN.utc_intervals(day)
        assert any(begin < clock.due_at <= end for begin, end in intervals), clock.target


holidays = st.sampled_from(sorted(d for d in statutory_holidays() if d.year == 2025))


@SLA_PROFILE
@given(holidays, st.integers(0, 24 * 60 - 1), policies)
def test_a_clock_started_on_a_holiday_counts_from_the_next_working_interval(
    day: object, minute: int, policy: tuple[str, int]
) -> None:
    start = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(minutes=minute)  # type: ignore[call-overload]
    opening = next_working_instant(CN, start)
    for clock in derive_timers(_history(start, policy, []), CATALOG, STAFF, start):
        assert elapsed(CN, start, opening) == timedelta()
        assert clock.due_at == due(CN, opening, clock.length)
        assert CN.local_date(clock.due_at) > day  # type: ignore[operator]
