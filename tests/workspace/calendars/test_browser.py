"""Browser test: a builder toggles days on the year view and htmx redraws only the clicked cell."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.runtime.sla import load_calendar

pytestmark = pytest.mark.browser


def test_clicking_dates_switches_them_without_reloading(browser: Any) -> None:
    browser.login()
    page = browser.page
    page.goto(browser.url("/calendars/cn_mainland?year=2025"))
    page.evaluate("window.__sameDocument = true")  # lost if the click reloaded the page
    monday = page.locator('td[data-date="2025-09-29"]')
    assert monday.get_attribute("data-state") == "working"
    monday.locator("button").click()
    page.wait_for_selector('td[data-date="2025-09-29"][data-state="holiday"]')
    sunday = page.locator('td[data-date="2025-10-12"]')
    sunday.locator("button").click()
    page.wait_for_selector('td[data-date="2025-10-12"][data-state="makeup"]')
    assert page.evaluate("window.__sameDocument") is True
    with get_db(browser.app).sessions() as session:
        calendar = load_calendar(session, "cn_mainland")
    assert calendar.version == 2
    assert not calendar.is_working_day(date(2025, 9, 29))
    assert calendar.is_working_day(date(2025, 10, 12))
    page.reload()
    assert page.locator('td[data-date="2025-09-29"]').get_attribute("data-state") == "holiday"
