"""The report and dashboard designers in Chromium: drag, preview, autosave, arrangement kept.

Each test counts the user actions it takes (clicks, drags, keystroke groups, choices in a
list) so the designer log can add them up for the end-to-end acceptance.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, table

from servicekit.platform.db import get_db
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.platform.models import MetadataDocument
from servicekit.platform.storage import table_name
from tests.platform.packages.conftest import SAMPLE_APP, install

pytestmark = pytest.mark.browser


class Actions:
    """The page, and a count of what the user did on it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def drag(self, source: str, target: str, *, dx: float = 0, dy: float = 0) -> None:
        """Press on ``source``, move in steps (SortableJS and gridstack follow the mouse),
        release over ``target`` shifted by ``dx``/``dy`` pixels from its centre."""
        page = self.page
        page.locator(source).scroll_into_view_if_needed()
        start = page.locator(source).bounding_box()
        assert start, source
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(
            start["x"] + start["width"] / 2 + 5, start["y"] + start["height"] / 2 + 5, steps=3
        )
        end = page.locator(target).bounding_box()
        assert end, target
        x, y = end["x"] + end["width"] / 2 + dx, end["y"] + end["height"] / 2 + dy
        page.mouse.move(x, y, steps=15)
        page.mouse.move(x + 1, y + 1, steps=2)
        page.mouse.up()
        self.count += 1

    def select(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.count += 1

    def fill(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.count += 1


def _draft(app: Any, kind: str, key: str) -> dict[str, Any]:
    with get_db(app).transaction() as session:
        body = session.scalar(
            select(MetadataDocument.body).where(
                MetadataDocument.app_key == "after_sales",
                MetadataDocument.kind == kind,
                MetadataDocument.key == key,
                MetadataDocument.status == "draft",
            )
        )
    assert isinstance(body, dict), f"no {kind} draft {key}"
    return body


def _saved(page: Any) -> None:
    page.locator('#sk-save-state[data-state="saved"]').wait_for()
    page.wait_for_function("() => !window.skDraft._pending && !window.skDraft._inFlight")


def test_build_a_bar_chart_by_dragging_a_select_field_and_counting(browser) -> None:  # type: ignore[no-untyped-def]
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url("/designer/apps/after_sales/reports/orders_by_priority"))
    page.locator('#report-designer[data-ready="1"]').wait_for()
    user = Actions(page)

    user.select("#report-form", "work_order")
    page.locator('#field-list .sk-field[data-path="priority"]').wait_for()
    user.drag('#field-list .sk-field[data-path="priority"]', "#dimensions")
    page.locator('#dimensions .sk-chip[data-field="priority"]').wait_for()
    user.drag('#field-list .sk-field[data-path=""]', "#measures")
    page.locator("#measures .sk-chip .sk-aggregate").wait_for()
    user.select("#measures .sk-chip .sk-aggregate", "count")
    user.fill("#report-label-zh", "按优先级的工单")
    assert page.locator("#chart-type").input_value() == "bar"

    # The preview draws one bar per priority from the real work orders.
    page.locator('#report-designer[data-preview="ok"]').wait_for()
    chart = page.locator('#preview-chart[data-ready="1"]')
    chart.wait_for()
    option = page.evaluate(
        """() => { const o = window.echarts.getInstanceByDom(
              document.getElementById('preview-chart')).getOption();
              return {type: o.series[0].type, bars: o.series[0].data.length,
                      categories: o.xAxis[0].data}; }"""
    )
    assert option["type"] == "bar"
    assert option["bars"] == 3
    assert set(option["categories"]) == {"紧急", "高", "普通"}
    with get_db(browser.app).transaction() as session:
        orders = table_name("after_sales", "work_order")
        total = session.scalar(select(func.count()).select_from(table(orders)))
    assert float(chart.get_attribute("data-total") or 0) == total

    # The autosaved draft is a valid report.
    _saved(page)
    body = _draft(browser.app, "report", "orders_by_priority")
    assert schema_problems("report", body) == []
    assert body["form"] == "work_order"
    assert body["dimensions"] == [{"field": "priority"}]
    assert [(m["aggregate"], m.get("field")) for m in body["measures"]] == [("count", None)]
    assert body["chart"]["type"] == "bar"
    assert body["label"]["zh"] == "按优先级的工单"
    assert page.locator("#sk-problems .sk-problem").count() == 0
    print(f"\nreport designer: {user.count} user actions")
    assert user.count == 5


def test_arrange_a_dashboard_by_dragging_and_resizing_and_keep_it(browser) -> None:  # type: ignore[no-untyped-def]
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(browser.url("/designer/apps/after_sales/dashboards/operations"))
    page.locator('#dashboard-designer[data-ready="1"]').wait_for()
    user = Actions(page)

    # Two reports dragged from the list onto the grid.
    user.drag(
        '#widget-sources [data-report="top_fault_types"]', "#dashboard-grid", dx=-250, dy=-100
    )
    page.locator('#dashboard-grid .sk-widget[data-report="top_fault_types"]').wait_for()
    user.drag('#widget-sources [data-report="backlog"]', "#dashboard-grid", dx=300, dy=-100)
    page.locator('#dashboard-grid .sk-widget[data-report="backlog"]').wait_for()
    page.locator(
        '#dashboard-grid .sk-widget[data-report="top_fault_types"] .sk-chart[data-ready="1"]'
    ).wait_for()

    def layout() -> dict[str, list[int]]:
        return page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll('#dashboard-grid .sk-widget'))
                 .map(el => [el.dataset.report, [el.gridstackNode.x, el.gridstackNode.y,
                                                 el.gridstackNode.w, el.gridstackNode.h]]))"""
        )

    before = layout()
    assert set(before) == {"top_fault_types", "backlog"}
    # Move the fault chart two columns to the right by its heading, then make it taller and wider.
    faults = '#dashboard-grid .sk-widget[data-report="top_fault_types"]'
    grid = page.locator("#dashboard-grid").bounding_box()
    head = page.locator(f"{faults} .sk-widget-head").bounding_box()
    assert grid and head
    cell = grid["width"] / 12
    page.mouse.move(head["x"] + 20, head["y"] + head["height"] / 2)
    page.mouse.down()
    page.mouse.move(head["x"] + 25, head["y"] + head["height"] / 2 + 2, steps=3)
    page.mouse.move(head["x"] + 20 + 2 * cell, head["y"] + head["height"] / 2, steps=15)
    page.mouse.up()
    user.count += 1
    page.wait_for_function(
        f"(x) => document.querySelector('{faults}').gridstackNode.x > x",
        arg=before["top_fault_types"][0],
    )
    moved = layout()
    page.locator(faults).hover()
    box = page.locator(f"{faults} .ui-resizable-se").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 10, box["y"] + 10, steps=3)
    page.mouse.move(box["x"] + cell, box["y"] + 2 * 80, steps=15)
    page.mouse.up()
    user.count += 1
    page.wait_for_function(
        f"(h) => document.querySelector('{faults}').gridstackNode.h > h",
        arg=moved["top_fault_types"][3],
    )
    arranged = layout()
    assert arranged["top_fault_types"][2] > moved["top_fault_types"][2]
    assert arranged["top_fault_types"][0] > before["top_fault_types"][0]
    _saved(page)

    body = _draft(browser.app, "dashboard", "operations")
    assert schema_problems("dashboard", body) == []
    saved = {w["report"]: [w["x"], w["y"], w["width"], w["height"]] for w in body["widgets"]}
    assert saved == arranged

    page.reload()
    page.locator('#dashboard-designer[data-ready="1"]').wait_for()
    assert layout() == arranged
    print(f"\ndashboard designer: {user.count} user actions")
