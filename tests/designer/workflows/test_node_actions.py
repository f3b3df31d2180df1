"""A node's automatic actions as the workflow designer saves them: every action type is
accepted in a draft, and a broken one is reported by JSON path and refused at publish."""

from __future__ import annotations

import copy
from typing import Any

from tests.designer.shell.conftest import Designer


def work_order_workflow(designer: Designer) -> tuple[dict[str, Any], int]:
    body = designer.get("after_sales", "workflow", "work_order").get_json()["body"]
    index = next(i for i, n in enumerate(body["nodes"]) if n["key"] == "dispatch")
    return copy.deepcopy(body), index


ACTIONS = {
    "on_enter": [
        {"type": "set", "values": {"priority": '"high"'}, "when": 'fault_type = "electrical"'},
        {
            "type": "notify",
            "roles": ["supervisor"],
            "channels": ["in_app"],
            "title": "{{ number }}",
        },
    ],
    "on_leave": [
        {"type": "webhook", "url": "https://example.invalid/hook"},
        {"type": "create_record", "form": "customer", "values": {"name": "customer.name"}},
    ],
}


def test_every_action_type_saves_without_problems(sample: Any, designer: Designer) -> None:
    body, index = work_order_workflow(designer)
    body["nodes"][index].update(copy.deepcopy(ACTIONS))
    answer = designer.put("after_sales", "workflow", "work_order", body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["problems"] == []
    saved = designer.get("after_sales", "workflow", "work_order").get_json()["body"]
    assert {k: saved["nodes"][index][k] for k in ACTIONS} == ACTIONS


def test_broken_actions_are_reported_by_path_and_refused_at_publish(
    sample: Any, designer: Designer
) -> None:
    body, index = work_order_workflow(designer)
    node = body["nodes"][index]
    node["on_enter"] = [
        {"type": "set", "values": {"priority": "prioritty"}},
        {"type": "set", "values": {"no_such_field": '"x"'}},
    ]
    node["on_leave"] = [{"type": "webhook"}, {"type": "create_record", "form": "nothing"}]
    answer = designer.put("after_sales", "workflow", "work_order", body)
    assert answer.status_code == 200
    at = f"$.nodes[{index}]"
    paths = {p["path"] for p in answer.get_json()["problems"]}
    assert {
        f"{at}.on_enter[0].values.priority",
        f"{at}.on_enter[1].values.no_such_field",
        f"{at}.on_leave[0]",
        f"{at}.on_leave[1].form",
    } <= paths

    refused = designer.publish(
        "after_sales", "workflow", "work_order", answer.get_json()["revision"], confirm=False
    )
    assert refused.status_code == 422
    listed = {p["path"] for p in refused.get_json()["problems"]}
    assert f"{at}.on_enter[0].values.priority" in listed
