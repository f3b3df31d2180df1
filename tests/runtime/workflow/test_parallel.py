"""Parallel splits and joins, approval modes and co-signers, and concurrent moves."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from servicekit.runtime.workflow import MoveConflict, add_cosigner
from tests.runtime.workflow.conftest import Shop, simple_flow

BRANCHES = 20
POOL = {"strategy": "pool", "role": "agent"}


def fan_out() -> dict[str, Any]:
    nodes = [
        {"key": "accept", "kind": "task", "assignment": POOL},
        {"key": "split", "kind": "parallel_split", "join": "join"},
        *({"key": f"b{i}", "kind": "task", "assignment": POOL} for i in range(BRANCHES)),
        {"key": "join", "kind": "parallel_join"},
        {"key": "follow_up", "kind": "task", "assignment": POOL},
    ]
    edges = [
        {"key": "begin", "from": "start", "to": "accept"},
        {"key": "accept", "from": "accept", "to": "split"},
        *({"key": f"branch{i}", "from": "split", "to": f"b{i}"} for i in range(BRANCHES)),
        *({"key": "done", "from": f"b{i}", "to": "join"} for i in range(BRANCHES)),
        {"key": "on", "from": "join", "to": "follow_up"},
        {"key": "close", "from": "follow_up", "to": "closed"},
        {"key": "drop", "from": "accept", "to": "rejected"},
    ]
    return simple_flow(nodes, edges)


def voting(mode: str, threshold: int | None = None) -> dict[str, Any]:
    vote: dict[str, Any] = {
        "key": "vote",
        "kind": "approval",
        "mode": mode,
        "assignment": {"strategy": "pool", "role": "supervisor"},
    }
    if threshold is not None:
        vote["threshold"] = threshold
    return simple_flow(
        [vote],
        [
            {"key": "begin", "from": "start", "to": "vote"},
            {"key": "approve", "from": "vote", "to": "closed"},
            {"key": "reject", "from": "vote", "to": "rejected"},
        ],
    )


MORE_SUPERVISORS = [
    ("sup3", "Supervisor Three", ("supervisor",), None, {}),
    ("sup4", "Supervisor Four", ("supervisor",), None, {}),
]


def outcome(shop: Shop, record_id: int) -> tuple[str, str | None]:
    instance = shop.instance(record_id)
    return instance.state, instance.outcome


def test_the_join_waits_for_every_branch(custom: Any) -> None:
    shop = custom(fan_out())
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    assert len(shop.tasks(record_id)) == BRANCHES
    for i in range(BRANCHES - 1):
        shop.act("agent1", record_id, "done", task_id=shop.task_id(record_id, f"b{i}"))
    assert shop.tasks(record_id) == [(f"b{BRANCHES - 1}", None, "role:agent")]
    shop.act("agent2", record_id, "done")
    assert shop.tasks(record_id) == [("follow_up", None, "role:agent")]
    assert shop.moves(record_id).count(("on", "join", "follow_up")) == 1
    shop.act("agent1", record_id, "close")
    assert outcome(shop, record_id) == ("closed", "resolved")


def _in_threads(count: int, work: Any) -> tuple[list[Any], list[BaseException]]:
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results.append(work(index))
        except BaseException as exc:  # noqa: BLE001 - counted by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_twenty_people_taking_the_same_action_one_wins(custom: Any) -> None:
    shop = custom(fan_out())
    if shop.db.dialect == "sqlite":
        pytest.skip("concurrent writers are a PostgreSQL matter")
    record_id = shop.create()
    results, errors = _in_threads(20, lambda i: shop.act("agent1", record_id, "accept"))
    assert len(results) == 1
    assert len(errors) == 19
    assert all(isinstance(e, MoveConflict) and e.status == 409 for e in errors)
    assert shop.moves(record_id).count(("accept", "accept", "split")) == 1
    assert len(shop.tasks(record_id)) == BRANCHES


def test_twenty_branches_completed_at_once_continue_past_the_join_once(custom: Any) -> None:
    shop = custom(fan_out())
    if shop.db.dialect == "sqlite":
        pytest.skip("concurrent writers are a PostgreSQL matter")
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    task_ids = [shop.task_id(record_id, f"b{i}") for i in range(BRANCHES)]
    results, errors = _in_threads(
        BRANCHES, lambda i: shop.act("agent1", record_id, "done", task_id=task_ids[i])
    )
    assert errors == []
    assert len(results) == BRANCHES
    assert shop.tasks(record_id) == [("follow_up", None, "role:agent")]
    assert shop.moves(record_id).count(("on", "join", "follow_up")) == 1
    assert shop.moves(record_id).count(("done", "b0", "join")) == 1


def test_any_one_approval_decides(custom: Any) -> None:
    shop = custom(voting("any"))
    record_id = shop.create()
    assert [t[1] for t in shop.tasks(record_id)] == ["sup1", "sup2"]
    shop.act("sup2", record_id, "approve")
    assert outcome(shop, record_id) == ("closed", "resolved")


def test_all_must_approve_and_one_rejection_rejects(custom: Any) -> None:
    shop = custom(voting("all"), MORE_SUPERVISORS)
    approved = shop.create()
    for login in ("sup1", "sup2", "sup3"):
        shop.act(login, approved, "approve")
        assert outcome(shop, approved) == ("active", None)
    shop.act("sup4", approved, "approve")
    assert outcome(shop, approved) == ("closed", "resolved")

    rejected = shop.create()
    shop.act("sup1", rejected, "approve")
    shop.act("sup3", rejected, "reject")
    assert outcome(shop, rejected) == ("closed", "rejected")
    assert [t[1] for t in shop.tasks(rejected, "cancelled")] == ["sup2", "sup4"]


def test_count_and_percent_thresholds(custom: Any) -> None:
    shop = custom(voting("count", 2), MORE_SUPERVISORS)
    record_id = shop.create()
    shop.act("sup1", record_id, "approve")
    assert outcome(shop, record_id) == ("active", None)
    shop.act("sup4", record_id, "approve")
    assert outcome(shop, record_id) == ("closed", "resolved")
    # Three rejections of four leave too few voters to reach two approvals.
    other = shop.create()
    shop.act("sup1", other, "reject")
    shop.act("sup2", other, "reject")
    assert outcome(shop, other) == ("active", None)
    shop.act("sup3", other, "reject")
    assert outcome(shop, other) == ("closed", "rejected")


def test_percent_threshold(custom: Any) -> None:
    shop = custom(voting("percent", 75), MORE_SUPERVISORS)
    record_id = shop.create()
    shop.act("sup1", record_id, "approve")
    shop.act("sup2", record_id, "approve")
    assert outcome(shop, record_id) == ("active", None)
    shop.act("sup3", record_id, "approve")
    assert outcome(shop, record_id) == ("closed", "resolved")
    other = shop.create()
    shop.act("sup1", other, "reject")
    assert outcome(shop, other) == ("active", None)
    shop.act("sup2", other, "reject")
    assert outcome(shop, other) == ("closed", "rejected")


def test_a_co_signer_must_also_approve(custom: Any) -> None:
    shop = custom(voting("all"))
    record_id = shop.create()
    shop.op(
        add_cosigner,
        "sup1",
        record_id,
        shop.task_id(record_id, "vote", "sup1"),
        shop.ids["eng_a"],
    )
    shop.act("sup1", record_id, "approve")
    shop.act("sup2", record_id, "approve")
    assert outcome(shop, record_id) == ("active", None)
    shop.act("eng_a", record_id, "approve")
    assert outcome(shop, record_id) == ("closed", "resolved")
    kinds = [kind for kind, _ in shop.history(record_id)]
    assert "workflow.cosigner_added" in kinds


def test_an_approval_without_voters_goes_to_the_fallback_queue(custom: Any) -> None:
    body = voting("all")
    body["nodes"][1]["assignment"] = {
        "strategy": "pool",
        "role": "agent",
        "filters": ["region"],
        "region_field": "customer.region",
        "fallback_role": "supervisor",
    }
    shop = custom(body)
    record_id = shop.create()
    assert shop.tasks(record_id) == [("vote", None, "role:supervisor")]
    reason = [c for k, c in shop.history(record_id) if k == "workflow.assigned"][-1]["reason"]
    assert reason == "no candidate (region east); sent to the role:supervisor queue"
    shop.act("sup2", record_id, "approve")
    assert outcome(shop, record_id) == ("closed", "resolved")
