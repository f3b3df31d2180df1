"""The timers panel on a work order's page: colour, time left or late, due time, history.

The timer rows are written as the SLA engine would leave them at a fixed moment, so each
colour is shown for a known reason; one test then lets the engine start the clocks of a
freshly created urgent work order.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from servicekit.platform.models.sla import SlaFiring, SlaTimerEvent
from tests.runtime.workflow.conftest import APP
from tests.workspace.sla.conftest import NOW, sla_timer, write_timers


def _timer_items(page: str) -> dict[str, str]:
    return {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<li class="list-group-item sk-timer" data-target="([^"]+)".*?</li>\s*(?=<li class="list-group-item sk-timer"|</ul>\s*</section>)',
            page,
            re.S,
        )
    }


def test_each_timer_shows_its_colour_time_and_due_time(
    shop: Any, client: Any, auth: Any, app: Any, four_clocks: Any
) -> None:
    record_id, (response, resolution, dispatch, service) = four_clocks(shop)
    with shop.db.transaction() as session:
        session.add(
            SlaTimerEvent(
                timer_id=dispatch, position=1, at=NOW - timedelta(minutes=40), kind="started"
            )
        )
        session.add(
            SlaTimerEvent(
                timer_id=dispatch, position=2, at=NOW - timedelta(minutes=10), kind="breached"
            )
        )
        session.add(
            SlaFiring(
                timer_id=dispatch,
                step_key="director",
                scheduled_at=NOW - timedelta(minutes=10),
                fired_at=NOW - timedelta(minutes=9),
                state="done",
            )
        )
    auth.login("admin", locale="en", timezone="Europe/Berlin")
    page = client.get(f"/apps/{APP}/forms/work_order/records/{record_id}").get_data(as_text=True)
    items = _timer_items(page)
    assert set(items) == {"response", "resolution", "node:dispatch", "node:service"}
    assert 'data-colour="warning"' in items["response"] and "4m left" in items["response"]
    assert 'data-colour="paused"' in items["resolution"]
    assert "due " not in items["resolution"]  # a paused clock's due time moves on
    assert "paused with 7h00m left" in items["resolution"], items["resolution"]
    assert 'data-colour="breached"' in items["node:dispatch"]
    assert "overdue by 10m" in items["node:dispatch"]
    assert (
        'data-colour="on_track"' in items["node:service"] and "3h50m left" in items["node:service"]
    )
    # Node timers are named after the workflow's nodes; due times in the reader's zone
    # (10:04 in Shanghai is 04:04 in Berlin in October, summer time).
    assert "Dispatch" in items["node:dispatch"] and "On-site service" in items["node:service"]
    assert "due 2025-10-13 04:04" in items["response"]
    history = items["node:dispatch"][items["node:dispatch"].index("sk-timer-history") :]
    assert history.index("started") < history.index("breached") < history.index("director")
    assert response and resolution and service


def test_met_and_late_timers_of_an_earlier_cycle(shop: Any, client: Any, auth: Any) -> None:
    shop.clock.set(NOW)
    record_id = shop.create()
    write_timers(
        shop,
        [record_id],
        [
            sla_timer(
                record_id,
                "response",
                state="met",
                elapsed_seconds=12 * 60,
                met_at=NOW - timedelta(hours=2),
                closed_at=NOW - timedelta(hours=2),
            ),
            sla_timer(
                record_id,
                "resolution",
                state="breached",
                elapsed_seconds=9 * 3600,
                target_seconds=8 * 3600,
                met_at=NOW - timedelta(hours=1),
                closed_at=NOW - timedelta(hours=1),
                breached_at=NOW - timedelta(hours=2),
                breach_seconds=3600,
            ),
            sla_timer(
                record_id,
                "resolution",
                cycle=2,
                target_seconds=8 * 3600,
                elapsed_seconds=0,
                due_at=NOW + timedelta(hours=8),
            ),
        ],
    )
    auth.login("agent1")  # staff who may read the work order see the panel too, in Chinese
    page = client.get(f"/apps/{APP}/forms/work_order/records/{record_id}").get_data(as_text=True)
    panel = page[page.index('id="sla-timers"') :]
    assert panel.index('data-cycle="2"') < panel.index('data-cycle="1"')  # newest cycle first
    assert "第 2 轮" in panel and "已达成" in panel and "超时" in panel


def test_records_without_timers_have_no_panel(shop: Any, client: Any, auth: Any) -> None:
    record_id = shop.create()
    write_timers(shop, [record_id], [])
    auth.login("admin", locale="en")
    page = client.get(f"/apps/{APP}/forms/work_order/records/{record_id}").get_data(as_text=True)
    assert 'id="sla-timers"' not in page
    assert 'id="comments"' in page


def test_the_engine_starts_the_clocks_of_a_new_urgent_work_order(
    shop: Any, client: Any, auth: Any
) -> None:
    shop.clock.set(NOW)
    record_id = shop.create(priority="urgent", urgent_reason="医院手术室")
    shop.clock.set(NOW + timedelta(minutes=10))
    auth.login("admin", locale="en")
    page = client.get(f"/apps/{APP}/forms/work_order/records/{record_id}").get_data(as_text=True)
    items = _timer_items(page)
    assert 'data-colour="on_track"' in items["response"]
    assert "20m left" in items["response"]
    assert "due 2025-10-13 10:30" in items["response"]
