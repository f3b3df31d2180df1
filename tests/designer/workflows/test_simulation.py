"""The workflow simulation on the installed after-sales app: offered actions, guards that
block with the values they read, assignment reasons, SLA targets — and no writes at all."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from servicekit.designer.workflows import SimulationError, act, begin, build_scenario
from servicekit.designer.workflows.readonly import WriteRefused, read_only_session
from servicekit.platform.models import User
from tests.runtime.workflow.conftest import APP, SAMPLE_APP, Shop

WORK_ORDER = json.loads((SAMPLE_APP / "workflows" / "work_order.json").read_text("utf-8"))


def simulate(
    shop: Shop,
    sample: dict[str, Any],
    actor: dict[str, Any],
    steps: list[tuple[str, str]] = (),  # type: ignore[assignment]
    body: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Start a sample work order and take ``steps``; every answer, first to last."""
    answers = []
    with read_only_session(shop.db) as session:
        sc = build_scenario(
            session,
            app_key=APP,
            body=body or WORK_ORDER,
            sample=sample,
            actor_spec=actor,
            now=shop.clock.now(),
            tz=shop.tz,
            locale="en",
        )
        answers.append(begin(sc))
        for node, action in steps:
            answers.append(act(sc, answers[-1]["position"], node, action))
    return answers


def task(answer: dict[str, Any], node: str) -> dict[str, Any]:
    return next(t for t in answer["tasks"] if t["node"] == node)


def action(answer: dict[str, Any], node: str, key: str) -> dict[str, Any]:
    return next(a for a in task(answer, node)["actions"] if a["key"] == key)


def user(shop: Shop, login: str) -> dict[str, Any]:
    return {"user": shop.ids[login]}


def test_the_first_task_offers_its_actions_to_a_pool_member_and_not_to_others(shop: Shop) -> None:
    values = {"customer": shop.customer(), "fault_type": "electrical", "priority": "normal"}
    [first] = simulate(shop, {"values": values}, user(shop, "agent1"))
    accept = task(first, "accept")
    assert accept["assignment"]["pool"] == "role:agent"
    assert [c["name"] for c in accept["assignment"]["candidates"]] == ["Agent One", "Agent Two"]
    assert accept["assignment"]["reason"] == "pool role:agent: anyone in it may claim"
    assert action(first, "accept", "accept")["offered"] is True
    assert action(first, "accept", "cancel")["comment_required"] is True
    assert accept["fields"]["labor_cost"] == "hidden"

    [other] = simulate(shop, {"values": values}, user(shop, "eng_a"))
    refused = action(other, "accept", "accept")
    assert refused["offered"] is False
    assert refused["refusals"] == [{"kind": "not_assigned", "pool": "role:agent"}]


def test_empty_required_fields_refuse_the_action(shop: Shop) -> None:
    [first] = simulate(shop, {"values": {"priority": "normal"}}, {"roles": ["agent"]})
    accept = action(first, "accept", "accept")
    assert accept["offered"] is False
    assert {"kind": "required", "fields": ["customer", "fault_type"]} in accept["refusals"]
    # Cancelling needs a comment instead of the required fields, as in the engine.
    assert action(first, "accept", "cancel")["offered"] is True


def test_a_blocked_gateway_guard_reports_the_expression_and_the_values_it_read(
    shop: Shop,
) -> None:
    values = {
        "customer": shop.customer(),
        "fault_type": "electrical",
        "priority": "normal",
        "resolution": "换了压缩机",
        "parts": [{"part_name": "压缩机", "qty": 2, "unit_price": "300.00"}],
    }
    answers = simulate(
        shop,
        {"values": values},
        user(shop, "admin"),
        [("accept", "accept"), ("dispatch", "dispatch"), ("service", "complete")],
    )
    decided = next(e for e in answers[-1]["trail"] if e["kind"] == "decided")
    assert decided["node"] == "check_cost" and decided["edge"] == "no_review"
    [guard] = decided["tried"]
    assert guard["expression"] == "SUM(parts, qty * unit_price) > 1000"
    assert guard["holds"] is False and guard["value"] is False
    assert guard["reads"] == {"parts.qty": [2], "parts.unit_price": ["300.00"]}
    assert guard["explain"][0] == {"text": "SUM(parts, qty * unit_price)", "value": "600.00"}
    assert guard["path"] == "$.edges[5].guard"
    assert [t["node"] for t in answers[-1]["tasks"]] == ["follow_up"]


def test_a_guard_on_a_task_action_blocks_it_with_its_values(shop: Shop) -> None:
    body = copy.deepcopy(WORK_ORDER)
    body["edges"][1]["guard"] = 'priority = "urgent" and fault_type = "mechanical"'
    values = {"customer": shop.customer(), "fault_type": "electrical", "priority": "urgent"}
    [first] = simulate(shop, {"values": values}, user(shop, "admin"), body=body)
    blocked = action(first, "accept", "accept")
    assert blocked["offered"] is False and {"kind": "guard"} in blocked["refusals"]
    assert blocked["guard"]["reads"] == {"fault_type": "electrical", "priority": "urgent"}
    assert blocked["guard"]["explain"] == [
        {"text": 'priority = "urgent"', "value": True},
        {"text": 'fault_type = "mechanical"', "value": False},
        {"text": 'priority = "urgent" and fault_type = "mechanical"', "value": False},
    ]
    with pytest.raises(SimulationError, match="not offered"):
        simulate(shop, {"values": values}, user(shop, "admin"), [("accept", "accept")], body=body)


def test_assignment_gives_the_dispatch_strategy_and_its_reasoning(shop: Shop) -> None:
    values = {
        "customer": shop.customer("east"),
        "fault_type": "electrical",
        "priority": "normal",
    }
    answers = simulate(
        shop,
        {"values": values},
        {"roles": ["agent", "dispatcher"]},
        [("accept", "accept"), ("dispatch", "dispatch")],
    )
    service = task(answers[-1], "service")["assignment"]
    assert service["strategy"] == "least_loaded"
    # 张工 is in the north; of 王工 (level 3) and 李工 (level 2), both east and idle, the
    # lower id wins the tie.
    assert [c["name"] for c in service["candidates"]] == ["王工", "李工"]
    assert service["assignees"] == [shop.ids["eng_a"]]
    assert (
        service["reason"] == "assigned to 王工: skill electrical level 3, region east, 0 open tasks"
    )
    # Work that comes back goes to whoever did the step before.
    back = simulate(
        shop,
        {"values": {**values, "resolution": "ok", "parts": [{"qty": 5, "unit_price": "300"}]}},
        user(shop, "admin"),
        [("accept", "accept"), ("dispatch", "dispatch"), ("service", "complete")],
    )
    assert [t["node"] for t in back[-1]["tasks"]] == ["review"]
    assert task(back[-1], "review")["assignment"]["assignees"] == [
        shop.ids["sup1"],
        shop.ids["sup2"],
    ]


def test_sla_policy_choice_and_the_targets_that_start(shop: Shop) -> None:
    values = {"customer": shop.customer(), "fault_type": "electrical", "priority": "urgent"}
    answers = simulate(shop, {"values": values}, {"roles": ["agent"]}, [("accept", "accept")])
    first, second = answers
    assert first["sla"]["policy"] == "urgent"
    assert first["sla"]["considered"][0]["condition"] == 'priority == "urgent"'
    assert [(t["target"], t["within"]) for t in first["sla"]["started"]] == [
        ("response", "30m"),
        ("resolution", "1d"),
    ]
    assert all(t["due"] for t in first["sla"]["started"])
    assert [s["key"] for s in first["sla"]["started"][0]["ladder"]] == [
        "warn",
        "director",
        "manager",
    ]
    assert [(t["target"], t["within"]) for t in second["sla"]["started"]] == [
        ("node:dispatch", "30m")
    ]
    assert task(second, "dispatch")["limit"] == "30m"

    [normal] = simulate(shop, {"values": {**values, "priority": "normal"}}, {"roles": ["agent"]})
    assert normal["sla"]["policy"] == "normal"
    assert [c["matches"] for c in normal["sla"]["considered"]] == [False, True]


def test_bad_input_names_where(shop: Shop) -> None:
    with pytest.raises(SimulationError) as caught:
        simulate(shop, {"values": {"priority": "very"}}, {"roles": []})
    assert caught.value.path == "values.priority"
    with pytest.raises(SimulationError) as caught:
        simulate(shop, {"values": {"nope": "1"}}, {"roles": []})
    assert caught.value.path == "values.nope"
    broken = {**WORK_ORDER, "nodes": [n for n in WORK_ORDER["nodes"] if n["kind"] != "start"]}
    with pytest.raises(SimulationError) as caught:
        simulate(shop, {"values": {}}, {"roles": []}, body=broken)
    assert caught.value.path == "$.nodes"


def _fingerprint(shop: Shop) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table."""
    out = {}
    with shop.db.engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
            digest = hashlib.sha256(
                "\n".join(sorted(repr(tuple(r)) for r in rows)).encode()
            ).hexdigest()
            out[name] = (len(rows), digest)
    return out


def test_a_whole_simulation_writes_nothing(shop: Shop) -> None:
    body = copy.deepcopy(WORK_ORDER)
    # Round robin moves a cursor in the engine; the simulation must only read it.
    body["nodes"][2]["assignment"] = {"strategy": "round_robin", "role": "dispatcher"}
    before = _fingerprint(shop)
    values = {
        "customer": shop.customer(),
        "fault_type": "electrical",
        "priority": "urgent",
        "resolution": "ok",
        "parts": [{"qty": 9, "unit_price": "300"}],
        "satisfaction": "5",
    }
    answers = simulate(
        shop,
        {"values": values},
        user(shop, "admin"),
        [
            ("accept", "accept"),
            ("dispatch", "dispatch"),
            ("service", "complete"),
            ("review", "approve"),
            ("follow_up", "close"),
        ],
        body=body,
    )
    assert answers[-1]["ended"] == "resolved"
    assert task(answers[1], "dispatch")["assignment"]["strategy"] == "round_robin"
    assert _fingerprint(shop) == before


def test_the_read_only_session_refuses_a_write(shop: Shop) -> None:
    with read_only_session(shop.db) as session:
        admin = session.scalar(select(User).where(User.login == "agent1"))
        assert admin is not None
        admin.display_name = "changed"
        with pytest.raises(WriteRefused):
            session.flush()
    with shop.db.transaction() as session:
        assert (
            session.scalar(select(User.display_name).where(User.login == "agent1")) == "Agent One"
        )
