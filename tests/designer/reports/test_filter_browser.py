"""The report designer's filter in Chromium: the shared rule editor checks it against the
source form's fields as the builder types, offers a fix for a misspelt field, and the fixed
rule is saved in the draft."""

from __future__ import annotations

from typing import Any

import pytest

from tests.designer.reports.test_browser import _draft, _saved
from tests.platform.packages.conftest import SAMPLE_APP, install

pytestmark = pytest.mark.browser


def test_the_filter_is_type_checked_against_the_source_form(browser: Any) -> None:
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url("/designer/apps/after_sales/reports/urgent_orders"))
    page.locator('#report-designer[data-ready="1"]').wait_for()
    page.select_option("#report-form", "work_order")
    page.locator('#field-list .sk-field[data-path="priority"]').wait_for()

    # Not a condition: the editor says which type it wanted.
    page.fill("#report-filter-input", "priority")
    page.locator("#report-filter[data-state=error]").wait_for()
    assert "boolean" in page.locator("#report-filter .sk-rule-errors").inner_text()

    # A misspelt field is underlined and one click fixes it.
    page.fill("#report-filter-input", 'priorty = "urgent"')
    page.locator("#report-filter[data-state=error] .sk-rule-fix").click()
    page.locator("#report-filter[data-state=ok]").wait_for()
    assert page.locator("#report-filter-input").input_value() == 'priority = "urgent"'
    assert page.locator("#report-filter-type").get_attribute("data-type") == "boolean"

    _saved(page)
    assert _draft(browser.app, "report", "urgent_orders")["filter"] == 'priority = "urgent"'

    # Another source form starts without a filter.
    page.select_option("#report-form", "customer")
    page.locator('#field-list .sk-field[data-path="region"]').wait_for()
    assert page.locator("#report-filter-input").input_value() == ""
    _saved(page)
    assert "filter" not in _draft(browser.app, "report", "urgent_orders")
