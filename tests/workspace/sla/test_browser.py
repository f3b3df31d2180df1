"""Browser test: the timers panel shows each clock in its colour, on a 375 px phone too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.runtime.workflow.conftest import Shop
from tests.workspace.sla.test_timers_panel import NOW, _timer, _write_timers

pytestmark = pytest.mark.browser

# Bootstrap 5.3's text-bg-* backgrounds.
COLOURS = {
    "on_track": "rgb(25, 135, 84)",
    "warning": "rgb(255, 193, 7)",
    "breached": "rgb(220, 53, 69)",
    "paused": "rgb(108, 117, 125)",
}


def test_the_timer_panel_shows_each_clock_in_its_colour(browser: Any) -> None:
    app = browser.app
    install(app, SAMPLE_APP)
    shop = Shop(app)
    shop.add_staff()
    shop.clock.set(NOW)
    record_id = shop.create(priority="urgent", urgent_reason="医院手术室")
    _write_timers(
        shop,
        record_id,
        [
            _timer(
                record_id, "response", elapsed_seconds=26 * 60, due_at=NOW + timedelta(minutes=4)
            ),
            _timer(
                record_id,
                "resolution",
                state="paused",
                target_seconds=8 * 3600,
                elapsed_seconds=3600,
                paused_since=NOW - timedelta(minutes=5),
                due_at=NOW + timedelta(hours=7),
            ),
            _timer(
                record_id,
                "node:dispatch",
                state="breached",
                elapsed_seconds=40 * 60,
                due_at=NOW - timedelta(minutes=10),
                breached_at=NOW - timedelta(minutes=10),
            ),
            _timer(
                record_id,
                "node:service",
                target_seconds=4 * 3600,
                elapsed_seconds=600,
                due_at=NOW + timedelta(hours=3, minutes=50),
            ),
        ],
    )
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
