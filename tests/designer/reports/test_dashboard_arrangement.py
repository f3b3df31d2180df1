"""A dashboard arranged in the designer keeps its places: schema, reading order, the runtime page."""

from __future__ import annotations

import json
import re
from typing import Any

from servicekit.platform.db import get_db
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.platform.metadata.store import add_version
from servicekit.runtime.reports import DashboardDef
from tests.platform.packages.conftest import SAMPLE_APP

ARRANGED = {
    "key": "arranged",
    "label": {"en": "Arranged", "zh": "已排列"},
    "widgets": [
        {"report": "top_fault_types", "x": 6, "y": 2, "width": 6, "height": 5},
        {"report": "backlog", "x": 0, "y": 0, "width": 3, "height": 2},
        {"report": "orders_per_day", "x": 0, "y": 2, "width": 6, "height": 4},
        {"report": "nps", "x": 3, "y": 0, "width": 9, "height": 2},
    ],
}


def _publish(app: Any, body: dict[str, Any]) -> None:
    assert schema_problems("dashboard", body) == []
    with get_db(app).transaction() as session:
        add_version(
            session,
            "after_sales",
            "dashboard",
            body["key"],
            body,
            author_id=None,
            now=app.extensions["servicekit.clock"].now(),
        )


def test_the_schema_takes_places_and_still_takes_old_dashboards() -> None:
    old = json.loads((SAMPLE_APP / "dashboards" / "service.json").read_text(encoding="utf-8"))
    assert schema_problems("dashboard", old) == []
    assert schema_problems("dashboard", ARRANGED) == []
    bad = {**ARRANGED, "widgets": [{"report": "nps", "x": 12, "y": -1, "height": 0}]}
    paths = {p.path for p in schema_problems("dashboard", bad)}
    assert paths == {"$.widgets[0].x", "$.widgets[0].y", "$.widgets[0].height"}


def test_placed_widgets_are_read_top_to_bottom_then_left_to_right() -> None:
    dashboard = DashboardDef.from_dict(ARRANGED)
    assert dashboard.arranged
    assert [w.report for w in dashboard.widgets] == [
        "backlog",
        "nps",
        "orders_per_day",
        "top_fault_types",
    ]
    # A widget never sticks out of the twelve columns.
    wide = DashboardDef.from_dict(
        {"key": "w", "widgets": [{"report": "a", "x": 9, "y": 0, "width": 6}]}
    )
    assert wide.widgets[0].x == 6
    old = DashboardDef.from_dict({"key": "o", "widgets": [{"report": "b"}, {"report": "a"}]})
    assert not old.arranged and [w.report for w in old.widgets] == ["b", "a"]


def test_the_dashboard_page_places_arranged_widgets_and_keeps_old_ones_flowing(
    installed, app, client, auth
) -> None:  # type: ignore[no-untyped-def]
    _publish(app, ARRANGED)
    auth.login("admin")
    page = client.get("/apps/after_sales/dashboards/arranged").get_data(as_text=True)
    assert 'class="row g-3 sk-arranged"' in page
    order = re.findall(r'id="widget-([a-z_]+)"', page)
    assert order == ["backlog", "nps", "orders_per_day", "top_fault_types"]
    faults = re.search(r'id="widget-top_fault_types"\s+style="([^"]+)"', page)
    assert faults and faults.group(1) == "--sk-x: 7; --sk-y: 3; --sk-w: 6; --sk-h: 5"
    assert "dashboard.css" in page
    flowing = client.get("/apps/after_sales/dashboards/service").get_data(as_text=True)
    assert "sk-arranged" not in flowing and "--sk-x" not in flowing
