"""``servicekit sla due`` and ``servicekit sla elapsed`` as an operator would type them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import add_version
from servicekit.runtime.sla import SHARED_APP


def _run(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["sla", *args])


def test_due_on_the_builtin_calendar(app: Any) -> None:
    result = _run(app, "due", "2025-09-26 17:00", "4h")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2025-09-28T12:00:00+08:00"
    whole_days = _run(app, "due", "2025-09-26T17:00+08:00", "3d")
    assert whole_days.output.strip() == "2025-09-30T17:30:00+08:00"


def test_elapsed_prints_working_time_and_minutes(app: Any) -> None:
    result = _run(app, "elapsed", "2025-09-26 17:00", "2025-10-09 11:00")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "25h30m (1530 working minutes)"


def test_a_published_shared_calendar_is_used_by_key(app: Any) -> None:
    body = {
        "key": "night_shift",
        "label": "Night shift",
        "timezone": "Asia/Shanghai",
        "week": {d: [{"start": "20:00", "end": "24:00"}] for d in ("mon", "tue", "wed")},
    }
    with get_db(app).transaction() as session:
        now = datetime(2025, 9, 1, tzinfo=UTC)
        add_version(session, SHARED_APP, "calendar", "night_shift", body, author_id=None, now=now)
    result = _run(app, "due", "2025-09-22 23:00", "2h", "--calendar", "night_shift")
    assert result.output.strip() == "2025-09-23T21:00:00+08:00"


def test_mistakes_are_explained(app: Any) -> None:
    bad_length = _run(app, "due", "2025-09-26 17:00", "4 hours")
    assert bad_length.exit_code != 0 and "30m, 4h or 1h30m" in bad_length.output
    bad_time = _run(app, "elapsed", "yesterday", "2025-09-26 17:00")
    assert bad_time.exit_code != 0 and "ISO date and time" in bad_time.output
    unknown = _run(app, "due", "2025-09-26 17:00", "1h", "--calendar", "nope")
    assert unknown.exit_code != 0 and "no calendar 'nope'" in unknown.output
    uncovered = _run(app, "due", "2099-01-05 09:00", "1h")
    assert uncovered.exit_code != 0 and "2099 is not covered" in uncovered.output


def test_holidays_lists_a_years_days_off_and_make_up_days(app: Any) -> None:
    result = _run(app, "holidays", "2025")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2025-10-01 Wed  holiday                国庆节 / National Day" in lines
    assert any(line.startswith("2025-09-28 Sun  workday (mon hours)") for line in lines)
    assert not any(line.startswith("2025-09-27") for line in lines)  # an ordinary Saturday
    uncovered = _run(app, "holidays", "2099")
    assert uncovered.exit_code != 0 and "2099 is not covered" in uncovered.output
