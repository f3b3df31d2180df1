"""Workflow REST endpoints: actions with If-Match, 409 for a lost race, 412 for a stale
version, 422 for a field not editable at the node, tasks and history."""

from __future__ import annotations

from typing import Any

from servicekit.workspace.api.tokens import create_token
from tests.runtime.workflow.conftest import Shop

BASE = "/api/v1/apps/after_sales/forms/work_order/records"


def token_for(shop: Shop, login: str) -> dict[str, str]:
    with shop.db.transaction() as session:
        _row, secret = create_token(session, shop.ids[login], "test", now=shop.clock.now())
    return {"Authorization": f"Bearer {secret}"}


def post_action(
    client: Any, shop: Shop, login: str, record_id: int, action: str, version: Any, **body: Any
) -> Any:
    headers = token_for(shop, login)
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return client.post(f"{BASE}/{record_id}/actions/{action}", json=body, headers=headers)


def test_actions_tasks_and_history_over_the_api(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    agent = token_for(shop, "agent1")
    tasks = client.get(f"{BASE}/{record_id}/tasks", headers=agent).get_json()
    assert [(t["node"], t["pool"], t["actions"]) for t in tasks["tasks"]] == [
        ("accept", "role:agent", ["accept", "cancel"])
    ]
    version = shop.record(record_id).version

    missing = post_action(client, shop, "agent1", record_id, "accept", None)
    assert missing.status_code == 428

    refused = post_action(
        client, shop, "agent1", record_id, "accept", version, values={"labor_cost": "10.00"}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["labor_cost"]

    stale = post_action(client, shop, "agent1", record_id, "accept", version - 1)
    assert stale.status_code == 412

    done = post_action(
        client, shop, "agent1", record_id, "accept", version, values={"priority": "high"}
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert done.headers["ETag"] == f'"{body["version"]}"'
    assert [t["node"] for t in body["tasks"]] == ["dispatch"]
    assert shop.record(record_id).values["priority"] == "high"

    again = post_action(client, shop, "agent2", record_id, "accept", body["version"])
    assert again.status_code == 409
    problem = again.get_json()
    assert problem["happened"][0]["kind"] in ("assigned", "moved")

    history = client.get(f"{BASE}/{record_id}/history", headers=agent).get_json()["events"]
    kinds = [e["kind"] for e in history]
    assert kinds[:4] == [
        "record.created",
        "workflow.started",
        "workflow.moved",
        "workflow.assigned",
    ]
    moved = [e["changes"] for e in history if e["kind"] == "workflow.moved"]
    assert [(m["action"], m["from"], m["to"]) for m in moved] == [
        ("begin", "start", "accept"),
        ("accept", "accept", "dispatch"),
    ]
    assert history[-1]["actor_name"] == "Agent One" or history[-1]["actor"] == shop.ids["agent1"]


def test_the_api_hides_work_orders_outside_the_callers_scope(shop: Shop, client: Any) -> None:
    record_id = shop.create()
    # Engineers read only work orders they are the engineer of.
    response = client.get(f"{BASE}/{record_id}/tasks", headers=token_for(shop, "eng_c"))
    assert response.status_code == 404
    forbidden = post_action(client, shop, "eng_c", record_id, "accept", 1)
    assert forbidden.status_code == 404


def test_a_browser_session_without_the_csrf_token_gets_a_problem_document(
    shop: Shop, client: Any
) -> None:
    """A signed-in page calling the workflow API must send the token; it is told how, in JSON."""
    from tests.workspace.tasks.test_pages import csrf, sign_in

    record_id = shop.create()
    version = shop.record(record_id).version
    sign_in(client, "agent1")
    url = f"{BASE}/{record_id}/actions/accept"
    refused = client.post(url, json={}, headers={"If-Match": f'"{version}"'})
    assert refused.status_code == 400
    assert refused.content_type.startswith("application/problem+json")
    assert refused.get_json()["type"].endswith("/csrf")
    assert shop.record(record_id).version == version  # nothing was done
    token = csrf(client, "/tasks")
    done = client.post(url, json={}, headers={"If-Match": f'"{version}"', "X-CSRFToken": token})
    assert done.status_code == 200, done.get_json()
    missing = client.get(f"{BASE}/{record_id}/no-such-thing", headers={"X-CSRFToken": token})
    assert missing.status_code == 404 and missing.content_type.startswith("application/problem")
