"""Work-order lists sorted by "due soonest" and filtered to "breached", page after page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from servicekit.platform.models import User
from servicekit.platform.models.sla import SlaTimer
from servicekit.runtime.forms import actor_for, form_access, load_form_runtime
from servicekit.runtime.forms.query import ListRequest, list_records
from servicekit.workspace.sla.lists import SLA_LIST_FACTS
from tests.runtime.workflow.conftest import APP
from tests.workspace.sla.conftest import NOW, sla_timer, write_timers

LIST = f"/apps/{APP}/forms/work_order"
MARK = "SLA list test"


def _timer(record_id: int, target: str, due: datetime | None, **values: Any) -> SlaTimer:
    """A clock of the normal policy: four hours, started an hour ago, due at ``due``."""
    return sla_timer(
        record_id,
        target,
        policy_key="normal",
        policy_version=None,
        target_seconds=4 * 3600,
        started_at=NOW - timedelta(hours=1),
        due_at=due,
        **values,
    )


def _orders(shop: Any) -> dict[str, int]:
    """Five work orders whose clocks stand differently; returns their ids by name."""
    shop.clock.set(NOW)
    ids = {
        name: shop.create(description=MARK)
        for name in ("later", "soon", "late", "done_late", "no_clock")
    }
    timers = [
        _timer(ids["later"], "response", NOW + timedelta(hours=3)),
        _timer(ids["later"], "resolution", NOW + timedelta(days=2)),
        _timer(ids["soon"], "response", NOW + timedelta(minutes=20)),
        # Open and overdue: due first of all, and breached.
        _timer(
            ids["late"],
            "response",
            NOW - timedelta(minutes=30),
            state="breached",
            breached_at=NOW - timedelta(minutes=30),
        ),
        # Met late: no open clock to be due, but breached for good.
        _timer(
            ids["done_late"],
            "response",
            NOW - timedelta(hours=2),
            state="breached",
            breached_at=NOW - timedelta(hours=2),
            met_at=NOW - timedelta(hours=1),
            closed_at=NOW - timedelta(hours=1),
        ),
        _timer(ids["done_late"], "resolution", None, state="paused", paused_since=NOW),
    ]
    write_timers(shop, list(ids.values()), timers)
    return ids


def _listed(page: str) -> list[int]:
    table = page[page.index('id="records"') :]
    return [int(i) for i in re.findall(r'<tr data-record-id="(\d+)"', table)]


def test_due_soonest_puts_overdue_work_first_and_clockless_work_last(
    shop: Any, client: Any, auth: Any
) -> None:
    ids = _orders(shop)
    auth.login("admin", locale="en")
    page = client.get(LIST).get_data(as_text=True)
    assert 'data-sort="sla:due"' in page and "Due soonest" in page
    listed = _listed(client.get(f"{LIST}?sort=sla:due").get_data(as_text=True))
    assert listed[:3] == [ids["late"], ids["soon"], ids["later"]]


def test_breached_shows_late_work_open_or_done(shop: Any, client: Any, auth: Any) -> None:
    ids = _orders(shop)
    auth.login("agent1")
    page = client.get(f"{LIST}?flag=sla:breached").get_data(as_text=True)
    assert sorted(_listed(page)) == sorted([ids["late"], ids["done_late"]])
    assert 'data-flag="sla:breached" aria-pressed="true"' in page
    assert "已超时" in page  # the button in Chinese
    # Pressing it again lists everything; an unknown flag is ignored.
    button = re.search(r'<a [^>]*data-flag="sla:breached"[^>]*>', page).group(0)
    assert "flag=" not in button.split("href=")[1]
    assert len(_listed(client.get(f"{LIST}?flag=nonsense").get_data(as_text=True))) >= 5


def test_forms_without_sla_policies_offer_neither(shop: Any, client: Any, auth: Any) -> None:
    auth.login("admin", locale="en")
    page = client.get(f"/apps/{APP}/forms/customer").get_data(as_text=True)
    assert 'id="list-facts"' not in page
    assert client.get(f"/apps/{APP}/forms/customer?sort=sla:due").status_code == 200


def test_due_soonest_pages_with_cursors_in_the_same_order(shop: Any) -> None:
    ids = _orders(shop)
    with shop.db.transaction() as session:
        runtime = load_form_runtime(session, APP, "work_order")
        access = form_access(runtime.form, actor_for(session.get(User, shop.ids["sup1"]), APP))
        seen: list[int] = []
        cursor = None
        for _ in range(20):
            page = list_records(
                session,
                runtime,
                access,
                ListRequest(
                    filter=f'description == "{MARK}"',
                    sort="sla:due",
                    descending=False,
                    limit=2,
                    cursor=cursor,
                    facts=(SLA_LIST_FACTS.facts,),
                ),
                now=NOW,
                tz=shop.tz,
            )
            seen += [row["id"] for row in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen[:3] == [ids["late"], ids["soon"], ids["later"]]
    assert seen[3:] == sorted([ids["done_late"], ids["no_clock"]])  # nothing due: by id
    assert len(seen) == len(set(seen)) == 5  # every order once, across three pages


def test_the_service_dashboard_has_the_sla_widgets(shop: Any, client: Any, auth: Any) -> None:
    auth.login("admin", locale="en")
    response = client.get(f"/apps/{APP}/dashboards/service")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "SLA met" in page
    assert "Average response and resolution time per month" in page
    # Their numbers come from the timers of the work orders the reader may see.
    shop.clock.set(NOW)
    ids = _orders(shop)
    with shop.db.transaction() as session:
        timer = session.query(SlaTimer).filter_by(record_id=ids["soon"]).one()
        timer.state, timer.met_at, timer.closed_at = "met", NOW, NOW
    data = client.get(f"/apps/{APP}/reports/sla_met/data").get_json()
    assert response.status_code == 200 and data is not None
    # One met in time; one breached and open, one met late: both breaches. 1 of 3.
    assert "33.333333" in str(data), data
