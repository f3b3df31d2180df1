"""Browser test: the timers panel shows each clock in its colour, on a 375 px phone too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.runtime.workflow.conftest import Shop

pytestmark = pytest.mark.browser

# Bootstrap 5.3's text-bg-* backgrounds.
COLOURS = {
    "on_track": "rgb(25, 135, 84)",
    "warning": "rgb(255, 193, 7)",
    "breached": "rgb(220, 53, 69)",
    "paused": "rgb(108, 117, 125)",
}


def test_the_timer_panel_shows_each_clock_in_its_colour(browser: Any, four_clocks: Any) -> None:
    app = browser.app
    install(app, SAMPLE_APP)
    shop = Shop(app)
    shop.add_staff()
    record_id, _timers = four_clocks(shop)
    browser.login()
    page = browser.page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(browser.url(f"/apps/after_sales/forms/work_order/records/{record_id}"))
    panel = page.locator("#sla-timers")
    panel.scroll_into_view_if_needed()
    assert panel.is_visible()
    for target, colour in (
        ("response", "warning"),
        ("resolution", "paused"),
        ("node:dispatch", "breached"),
        ("node:service", "on_track"),
    ):
        badge = panel.locator(f'.sk-timer[data-target="{target}"] .sk-timer-colour')
        shown = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert shown == COLOURS[colour], (target, shown)
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
