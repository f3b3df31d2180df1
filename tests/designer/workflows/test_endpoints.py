"""The workflow designer's routes: builders only, CSRF on the simulation, answers and errors."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import csrf_token, ensure_user
from tests.runtime.workflow.conftest import SAMPLE_APP, Shop

WORK_ORDER = json.loads((SAMPLE_APP / "workflows" / "work_order.json").read_text("utf-8"))
PAGE = "/designer/apps/after_sales/workflows/work_order"
API = "/designer/api/apps/after_sales/workflows/work_order"


def sign_in(client: Any, app: Any, login: str, **extra: Any) -> str:
    ensure_user(app, login, **extra)
    token = csrf_token(client)
    client.post(
        "/login", data={"login": login, "password": "correct-horse-42", "csrf_token": token}
    )
    return csrf_token(client)


def post(client: Any, token: str | None, payload: Any) -> Any:
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(f"{API}/simulate", json=payload, headers=headers)


def test_people_without_the_builder_role_are_refused(shop: Shop, client: Any) -> None:
    token = sign_in(client, shop.app, "agent1")
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{API}/context?form=work_order").status_code == 403
    payload = {"body": WORK_ORDER, "actor": {"roles": ["agent"]}}
    assert post(client, token, payload).status_code == 403


def test_the_simulation_needs_the_csrf_token_and_answers_builders(shop: Shop, client: Any) -> None:
    token = sign_in(client, shop.app, "builder1", platform_roles=("builder",))
    payload = {
        "body": WORK_ORDER,
        "sample": {"values": {"priority": "urgent", "fault_type": "electrical"}},
        "actor": {"user": shop.ids["agent1"]},
    }
    assert post(client, None, payload).status_code == 400
    answer = post(client, token, payload)
    assert answer.status_code == 200
    first = answer.get_json()
    assert [t["node"] for t in first["tasks"]] == ["accept"]
    assert first["sla"]["policy"] == "urgent"
    assert first["labels"]["accept"] == "受理"

    step = {
        **payload,
        "position": first["position"],
        "step": {"node": "accept", "action": "cancel"},
    }
    second = post(client, token, step).get_json()
    assert second["ended"] == "cancelled" and second["tasks"] == []

    page = client.get(PAGE)
    assert page.status_code == 200
    assert b'id="wf-canvas"' in page.data and b"cytoscape" in page.data
    context = client.get(f"{API}/context?form=work_order").get_json()
    assert "engineer" in [r["key"] for r in context["roles"]]
    assert next(u for u in context["users"] if u["login"] == "eng_a")["roles"] == ["engineer"]
    assert any(f["key"] == "priority" for f in context["fields"])
    assert [p["key"] for p in context["policies"]] == ["normal", "urgent"]
    assert context["policies"][1]["nodes"] == {"dispatch": "30m", "service": "4h"}


def test_bad_input_is_refused_with_where(shop: Shop, client: Any) -> None:
    token = sign_in(client, shop.app, "admin")
    assert post(client, token, {"body": "nodes"}).get_json()["path"] == "body"
    bad_value = {"body": WORK_ORDER, "sample": {"values": {"priority": "very"}}, "actor": {}}
    answer = post(client, token, bad_value)
    assert answer.status_code == 422 and answer.get_json()["path"] == "values.priority"
    bad_step = {"body": WORK_ORDER, "actor": {}, "step": {"node": "accept"}}
    assert post(client, token, bad_step).get_json()["path"] == "step"
    unknown = {"body": {**WORK_ORDER, "form": "nothing"}, "actor": {}}
    assert client.get("/designer/apps/no_such_app/workflows/x").status_code == 404
    for locale, message in (
        ("en", "The workflow's form 'nothing' does not exist."),
        ("zh_CN", "流程绑定的表单“nothing”不存在。"),
    ):
        client.post("/language", data={"locale": locale, "csrf_token": token})
        assert post(client, token, unknown).get_json() == {"error": message, "path": "$.form"}
