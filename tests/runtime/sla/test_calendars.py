"""Calendar documents: the schema, the calendar check with JSON paths, typed loading, shared versions."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest

from servicekit.platform.metadata import validate_one
from servicekit.platform.metadata.store import add_version
from servicekit.platform.registry import get_registry
from servicekit.runtime.sla import (
    SHARED_APP,
    Calendar,
    CalendarError,
    builtin_body,
    check_calendar,
    load_calendar,
)
from servicekit.runtime.sla.holidays_cn import makeup_workdays, statutory_holidays

NOW = datetime(2025, 9, 1, tzinfo=UTC)


def _body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(builtin_body("cn_mainland"))
    body.update({"key": "branch", "label": "Branch office"})
    body.update(changes)
    return body


def test_the_builtin_calendar_passes_its_schema_and_checks() -> None:
    from servicekit.platform.metadata.schemas import schema_problems

    assert schema_problems("calendar", builtin_body("cn_mainland")) == []
    assert check_calendar(builtin_body("cn_mainland")) == []


def test_cn_mainland_data_comes_from_the_package_with_both_languages() -> None:
    assert statutory_holidays()[date(2025, 10, 1)] == {"zh": "国庆节", "en": "National Day"}
    assert date(2025, 9, 28) in makeup_workdays() and date(2025, 10, 11) in makeup_workdays()
    assert all(day.weekday() >= 5 for day in makeup_workdays())


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        ({"week": {"mon": [{"start": "12:00", "end": "08:30"}]}}, "$.week.mon[0]", "ends before"),
        (
            {
                "week": {
                    "tue": [{"start": "08:30", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]
                }
            },
            "$.week.tue[1]",
            "overlaps",
        ),
        ({"week": {"sat": []}}, "$.week", "No weekday"),
        ({"holidays": [{"date": "2025-02-30"}]}, "$.holidays[0].date", "YYYY-MM-DD"),
        (
            {"holidays": [{"date": "2025-10-09"}], "workdays": [{"date": "2025-10-09"}]},
            "$.workdays[0].date",
            "already listed",
        ),
        (
            {"workdays": [{"date": "2025-10-12", "follows": "sun"}]},
            "$.workdays[0].follows",
            "no working",
        ),
    ],
)
def test_calendar_mistakes_are_reported_at_their_json_path(
    change: dict[str, Any], path: str, words: str
) -> None:
    problems = check_calendar(_body(**change))
    assert [p for p, _ in problems] == [path]
    assert words in problems[0][1]


def test_schema_mistakes_name_the_property(app: Any) -> None:
    body = _body(week={"mon": [{"start": "8:30", "end": "12:00"}], "someday": []})
    problems = validate_one("calendar", body, app_key="after_sales", validators=get_registry(app))
    assert {p.path for p in problems} == {"$.week.mon[0].start", "$.week.someday"}
    assert all(p.file == "calendars/branch.json" for p in problems)


def test_the_registered_validator_runs_at_publish_and_install(app: Any) -> None:
    body = _body(week={"wed": [{"start": "13:00", "end": "12:00"}]})
    problems = validate_one("calendar", body, app_key="after_sales", validators=get_registry(app))
    assert [(p.path, p.file) for p in problems] == [("$.week.wed[0]", "calendars/branch.json")]


def test_document_dates_override_the_source() -> None:
    calendar = Calendar.from_body(
        _body(
            holidays=[{"date": "2025-09-28", "label": "Closed"}],
            workdays=[{"date": "2025-10-08", "follows": "fri"}],
        )
    )
    assert not calendar.is_working_day(date(2025, 9, 28))  # a make-up Sunday, closed here
    assert calendar.is_working_day(date(2025, 10, 8))  # a holiday, worked here
    assert calendar.is_working_day(date(2025, 10, 11))  # the other make-up day is kept


def test_bad_calendars_are_refused_with_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="time zone"):
        Calendar.from_body(_body(timezone="Mars/Olympus"))
    with pytest.raises(CalendarError, match="no working intervals"):
        Calendar.from_body({"key": "idle", "label": "Idle", "week": {}})


def test_calendars_are_found_in_the_app_then_shared_then_built_in(db: Any) -> None:
    assert load_calendar(db, "cn_mainland").version is None  # built in
    shared = _body(key="cn_mainland", week={"mon": [{"start": "09:00", "end": "10:00"}]})
    add_version(db, SHARED_APP, "calendar", "cn_mainland", shared, author_id=None, now=NOW)
    found = load_calendar(db, "cn_mainland", app_key="after_sales")
    assert found.version == 1 and str(found.week[0][0]) == "09:00-10:00"
    own = _body(key="cn_mainland", week={"mon": [{"start": "10:00", "end": "11:00"}]})
    add_version(db, "after_sales", "calendar", "cn_mainland", own, author_id=None, now=NOW)
    assert str(load_calendar(db, "cn_mainland", app_key="after_sales").week[0][0]) == "10:00-11:00"
    assert str(load_calendar(db, "cn_mainland", app_key="other").week[0][0]) == "09:00-10:00"
    with pytest.raises(CalendarError, match="no calendar 'missing'"):
        load_calendar(db, "missing", app_key="after_sales")
