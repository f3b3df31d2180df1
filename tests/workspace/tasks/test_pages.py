"""Task pages without a browser: the inbox, claiming, the panel's field rights and buttons,
refusals shown on the page, CSRF and scope."""

from __future__ import annotations

from typing import Any

from servicekit.runtime.workflow import claim
from tests.conftest import TEST_PASSWORD
from tests.runtime.workflow.conftest import Shop

WORK = "/apps/after_sales/forms/work_order/records/{}/work"


def sign_in(client: Any, login: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"login": login, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code in (302, 303)


def csrf(client: Any, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_inbox_lists_pool_tasks_and_claiming_opens_the_panel(shop: Shop, client: Any) -> None:
    record_id = shop.create(description="<script>alert(1)</script>")
    number = shop.record(record_id).number
    sign_in(client, "agent1")
    page = client.get("/tasks").get_data(as_text=True)
    assert number in page and "claim-button" in page
    task_id = shop.task_id(record_id, "accept")
    refused = client.post(f"/tasks/{task_id}/claim")
    assert refused.status_code == 400  # no CSRF token
    claimed = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf(client, "/tasks")})
    assert claimed.status_code == 302
    assert claimed.headers["Location"].endswith(WORK.format(record_id))
    panel = client.get(WORK.format(record_id)).get_data(as_text=True)
    assert 'data-action="accept"' in panel and 'data-action="cancel"' in panel
    assert "<script>alert(1)</script>" not in panel
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    # Hidden at this node: labour cost is not on the page at all.
    assert 'data-field="labor_cost"' not in panel
    assert 'name="f-customer"' not in panel  # lookups are edited on the record page
    assert 'name="f-priority"' in panel


def test_a_read_only_field_posted_through_the_panel_is_refused(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    sign_in(client, "agent1")
    token = csrf(client, WORK.format(record_id))
    version = shop.record(record_id).version
    response = client.post(
        WORK.format(record_id),
        data={
            "csrf_token": token,
            "action": "accept",
            "version": version,
            "f-resolution": "偷偷写入",
        },
    )
    assert response.status_code == 422
    assert shop.record(record_id).values["resolution"] is None
    assert shop.tasks(record_id) == [("accept", None, "role:agent")]
    ok = client.post(
        WORK.format(record_id),
        data={"csrf_token": token, "action": "accept", "version": version, "f-priority": "high"},
    )
    assert ok.status_code == 302
    assert shop.record(record_id).values["priority"] == "high"
    # A second submission of the same page lost the race: 409 with the current state.
    again = client.post(
        WORK.format(record_id),
        data={"csrf_token": token, "action": "accept", "version": version},
    )
    assert again.status_code == 409


def test_other_peoples_work_orders_are_not_found(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    sign_in(client, "eng_c")
    assert client.get(WORK.format(record_id)).status_code == 404
    assert "claim-button" not in client.get("/tasks").get_data(as_text=True)


def test_the_team_queue_and_the_assignment_reason(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    shop.act("disp1", record_id, "dispatch")
    sign_in(client, "eng_a")
    inbox = client.get("/tasks").get_data(as_text=True)
    assert shop.record(record_id).number in inbox
    panel = client.get(WORK.format(record_id)).get_data(as_text=True)
    assert "assigned to 王工: skill electrical level 3, region east, 0 open tasks" in panel
    assert 'name="f-resolution"' in panel and 'data-action="complete"' in panel
    assert 'id="return-panel"' in panel
    team = client.get("/tasks?view=team").get_data(as_text=True)
    assert 'id="no-tasks"' in team


def test_the_navbar_links_to_my_tasks(shop: Shop, client: Any) -> None:
    sign_in(client, "agent1")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tasks"' in home and "我的待办" in home


def test_the_home_page_sums_up_my_work_with_the_overdue_first(shop: Shop, client: Any) -> None:
    from datetime import datetime, timedelta

    shop.clock.set(datetime(2026, 11, 23, 9, 0))  # a Monday morning in Shanghai
    urgent = shop.create(priority="urgent", urgent_reason="产线停机")  # respond in 30 working min
    shop.clock.advance(timedelta(minutes=5))
    normal = shop.create()
    shop.clock.advance(timedelta(hours=2))

    sign_in(client, "agent1")
    home = client.get("/").get_data(as_text=True)
    card = home.split('id="my-work"', 1)[1].split("</section>", 1)[0]
    assert 'id="my-work-total">2<' in card
    assert 'id="my-work-overdue">1<' in card
    assert 'id="my-work-unclaimed">2<' in card  # both wait in the agents' pool
    urgent_number, normal_number = shop.record(urgent).number, shop.record(normal).number
    assert card.index(urgent_number) < card.index(normal_number)  # overdue first
    assert "已超时" in card and 'href="/tasks"' in card
    customer = shop.record(urgent).values["customer"]
    with shop.db.transaction() as session:
        from servicekit.runtime.forms import load_form_runtime

        name = load_form_runtime(session, "after_sales", "customer").store.get(session, customer)
    assert f"{urgent_number} {name.values['name']}" in card  # the form's title template

    engineer = shop.app.test_client()
    sign_in(engineer, "eng_a")  # nothing waits for an engineer before dispatch
    assert 'id="my-work"' not in engineer.get("/").get_data(as_text=True)


def test_the_record_page_history_words_workflow_events(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    sign_in(client, "agent1")
    page = client.get(f"/apps/after_sales/forms/work_order/records/{record_id}")
    history = page.get_data(as_text=True).split('id="history"', 1)[1]
    assert "从 受理 转到 派工" in history
    assert "workflow.moved" not in history
    assert "sla.state" not in history  # the SLA clock's bookkeeping is not for readers
