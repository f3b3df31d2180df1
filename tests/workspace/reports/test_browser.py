"""Acceptance 3 in Chromium: open the dashboard, change the date range, click a bar, land on its records."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.platform.packages.conftest import SAMPLE_APP, install

pytestmark = pytest.mark.browser

CHART = "#widget-top_fault_types .sk-chart"
DAILY = "#widget-orders_per_day .sk-chart"


def _ready(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    page.locator(f'{selector}[data-ready="1"]').wait_for()
    return page.locator(selector).get_attribute("data-total") or ""


def test_dashboard_date_range_and_drill_down(browser) -> None:  # type: ignore[no-untyped-def]
    clock = browser.app.extensions["servicekit.clock"]
    clock.set(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))  # the seed work orders end in November 2026
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url("/apps/after_sales/dashboards/service"))
    before_daily = _ready(page, DAILY)
    before_faults = _ready(page, CHART)
    page.locator('#widget-backlog .sk-kpi[data-ready="1"]').wait_for()
    assert float(before_daily) > 0

    # A shorter range: htmx swaps the grid, the charts fetch again and show fewer orders.
    page.select_option("#range", "last_30_days")
    page.wait_for_url(re.compile(r"range=last_30_days"))
    page.wait_for_function(
        "([s, old]) => { const e = document.querySelector(s);"
        " return e && e.dataset.ready === '1' && e.dataset.total !== old; }",
        arg=[DAILY, before_daily],
    )
    after_faults = _ready(page, CHART)
    assert float(page.locator(DAILY).get_attribute("data-total") or 0) < float(before_daily)
    assert float(after_faults) < float(before_faults)

    # Click the first (largest) bar of the top fault types: half-way along it.
    page.locator(CHART).scroll_into_view_if_needed()
    page.locator(f'{CHART}[data-settled="1"]').wait_for()
    point = page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            const chart = window.echarts.getInstanceByDom(element);
            const option = chart.getOption();
            const value = option.series[0].data[0];
            // Where ECharts laid out the first bar of the first series.
            const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
            const box = element.getBoundingClientRect();
            return {x: box.left + bar.x + bar.width / 2, y: box.top + bar.y + bar.height / 2,
                    value: value, label: option.yAxis[0].data[0]};
        }""",
        CHART,
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"/apps/after_sales/forms/work_order\?expr="))
    count = page.locator("#record-count").inner_text()
    assert re.search(rf"\b{int(point['value'])}\b", count), (count, point)
    # Every listed order has the clicked fault type.
    cells = page.locator("#record-table").inner_text()
    assert point["label"] in cells


def test_trends_on_different_scales_get_their_own_axes(browser) -> None:  # type: ignore[no-untyped-def]
    clock = browser.app.extensions["servicekit.clock"]
    clock.set(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url("/apps/after_sales/dashboards/service"))
    axes = """(selector) => {
        const option = window.echarts.getInstanceByDom(document.querySelector(selector)).getOption();
        const formatter = option.yAxis[0].axisLabel.formatter;
        return {
            axes: option.yAxis.length,
            onRight: option.series.map((s) => s.yAxisIndex || 0),
            label: typeof formatter === "function" ? formatter(0.8) : null,
        };
    }"""
    satisfaction = "#widget-satisfaction_trend .sk-chart"
    _ready(page, satisfaction)
    # Average satisfaction (1 to 5) on the left, NPS (-100 to 100) on its own right axis.
    assert page.evaluate(axes, satisfaction) == {"axes": 2, "onRight": [0, 1], "label": None}
    fix_rate = "#widget-first_time_fix_trend .sk-chart"
    _ready(page, fix_rate)
    assert page.evaluate(axes, fix_rate) == {"axes": 1, "onRight": [0], "label": "80%"}
    card = page.locator("#widget-first_time_fix .sk-kpi-value")
    card.wait_for()
    assert re.fullmatch(r"\d{1,3}\.\d%", card.inner_text())
