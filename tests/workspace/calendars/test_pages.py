"""The calendar pages as builders and staff use them: year view, day toggles, weekday hours."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.platform.db import get_db
from servicekit.runtime.sla import due, load_calendar
from servicekit.runtime.sla.holidays_cn import covered_years
from tests.conftest import csrf_token

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _state(page: str, day: str) -> str:
    match = re.search(rf'data-date="{day}" data-state="(\w+)"', page)
    assert match, f"no cell for {day}"
    return match.group(1)


def _calendar(app: Any, key: str = "cn_mainland") -> Any:
    with get_db(app).sessions() as session:
        return load_calendar(session, key)


def test_the_year_view_shows_national_day_and_its_make_up_days(client: Any, auth: Any) -> None:
    auth.login("engineer", platform_roles=())
    listing = client.get("/calendars/").get_data(as_text=True)
    assert 'href="/calendars/cn_mainland"' in listing
    page = client.get("/calendars/cn_mainland?year=2025").get_data(as_text=True)
    assert _state(page, "2025-10-01") == "holiday"
    assert _state(page, "2025-09-28") == "makeup"
    assert _state(page, "2025-09-27") == "off"
    assert _state(page, "2025-09-26") == "working"
    assert "国庆节" in page or "National Day" in page
    # Staff read the hours and dates but get no way to change them.
    assert (
        'id="week-mon" name="mon" value="08:30-12:00, 13:30-17:30" maxlength="400" readonly' in page
    )
    assert "/calendars/cn_mainland/days/" not in page


def test_the_pages_speak_chinese(client: Any, auth: Any) -> None:
    auth.login(locale="zh_CN")
    page = client.get("/calendars/cn_mainland?year=2025", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert "工作时间" in text and "调休上班日" in text and "国庆节" in text


def test_a_year_outside_the_data_says_so(client: Any, auth: Any) -> None:
    auth.login()
    later = covered_years()[1] + 1
    page = client.get(f"/calendars/cn_mainland?year={later}").get_data(as_text=True)
    assert 'id="uncovered"' in page and str(later) in page
    assert 'id="year-view"' not in page


def test_toggling_a_day_publishes_a_version_the_clocks_use(
    app: Any, client: Any, auth: Any
) -> None:
    auth.login()
    token = csrf_token(client)
    monday = datetime(2025, 9, 29, 8, 30, tzinfo=SHANGHAI)  # the Monday before National Day
    assert due(_calendar(app), monday, timedelta(hours=1)).day == 29
    answer = client.post(
        "/calendars/cn_mainland/days/2025-09-29",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    fragment = answer.get_data(as_text=True)
    assert fragment.lstrip().startswith("<td") and 'data-state="holiday"' in fragment
    calendar = _calendar(app)
    assert calendar.version == 1
    assert due(calendar, monday, timedelta(hours=1)).day == 30  # the day off is skipped
    # Toggling again unlists the date: back to a working day, as version 2.
    client.post("/calendars/cn_mainland/days/2025-09-29", data={"csrf_token": token})
    assert _calendar(app).version == 2
    assert due(_calendar(app), monday, timedelta(hours=1)).day == 29
    # A statutory holiday becomes a worked day; a weekend day a make-up workday.
    client.post("/calendars/cn_mainland/days/2025-10-08", data={"csrf_token": token})
    client.post("/calendars/cn_mainland/days/2025-10-12", data={"csrf_token": token})
    page = client.get("/calendars/cn_mainland?year=2025").get_data(as_text=True)
    assert _state(page, "2025-10-08") == "makeup" and _state(page, "2025-10-12") == "makeup"


def test_weekday_hours_are_edited_and_mistakes_kept_beside_their_day(
    app: Any, client: Any, auth: Any
) -> None:
    auth.login()
    token = csrf_token(client)
    week = {"mon": "09:00-12:00, 13:00-18:00", "tue": "9:00-17:00", "sat": "", "csrf_token": token}
    saved = client.post("/calendars/cn_mainland/week", data=week)
    assert saved.status_code == 302
    calendar = _calendar(app)
    assert [str(i) for i in calendar.week[0]] == ["09:00-12:00", "13:00-18:00"]
    assert [str(i) for i in calendar.week[1]] == ["09:00-17:00"]
    assert calendar.week[2] == ()  # wednesday left empty: a day off now
    unreadable = client.post("/calendars/cn_mainland/week", data={**week, "mon": "nine to five"})
    assert unreadable.status_code == 422
    assert "nine to five" in unreadable.get_data(as_text=True)
    overlapping = client.post(
        "/calendars/cn_mainland/week", data={**week, "mon": "09:00-12:00, 11:00-13:00"}
    )
    assert overlapping.status_code == 422
    assert "$.week.mon[1]" in overlapping.get_data(as_text=True)
    assert _calendar(app).version == 1  # refused edits publish nothing


def test_only_builders_change_calendars_and_only_with_a_csrf_token(
    app: Any, client: Any, auth: Any
) -> None:
    auth.login("engineer", platform_roles=())
    token = csrf_token(client)
    assert (
        client.post(
            "/calendars/cn_mainland/days/2025-09-29", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert client.post("/calendars/cn_mainland/week", data={"csrf_token": token}).status_code == 403
    assert (
        client.post("/calendars/", data={"key": "x", "label": "X", "csrf_token": token}).status_code
        == 403
    )
    auth.logout()
    auth.login()
    assert client.post("/calendars/cn_mainland/days/2025-09-29").status_code == 400
    assert _calendar(app).version is None


def test_a_new_calendar_starts_with_office_hours(app: Any, client: Any, auth: Any) -> None:
    auth.login()
    token = csrf_token(client)
    made = client.post(
        "/calendars/", data={"key": "shanghai_branch", "label": "上海分部", "csrf_token": token}
    )
    assert made.headers["Location"].endswith("/calendars/shanghai_branch")
    calendar = _calendar(app, "shanghai_branch")
    assert [str(i) for i in calendar.week[4]] == ["08:30-12:00", "13:30-17:30"]
    assert calendar.is_working_day(datetime(2025, 9, 28).date()) is False  # no holiday source
    page = client.get("/calendars/").get_data(as_text=True)
    assert "上海分部" in page
    again = client.post(
        "/calendars/",
        data={"key": "shanghai_branch", "label": "x", "csrf_token": token},
        follow_redirects=True,
    )
    assert "exists already" in again.get_data(as_text=True) or "已存在" in again.get_data(
        as_text=True
    )


def test_anonymous_visitors_are_sent_to_sign_in(client: Any) -> None:
    assert client.get("/calendars/cn_mainland").status_code in (302, 401)
    assert client.get("/calendars/<script>").status_code in (302, 401, 404)
