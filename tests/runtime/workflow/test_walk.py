"""The sample work order walked through every path: tasks, assignees, field rights, history."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from servicekit.platform.models import AssignmentDecision, Notification, OutboxMessage
from servicekit.runtime.workflow import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    cancel,
    claim,
    reopen,
)
from tests.runtime.workflow.conftest import Shop, part


def to_service(shop: Shop, **values: Any) -> int:
    record_id = shop.create(**values)
    shop.act("agent1", record_id, "accept")
    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    shop.act("disp1", record_id, "dispatch")
    return record_id


def test_creating_a_work_order_opens_the_accept_task_for_the_agents(shop: Shop) -> None:
    record_id = shop.create()
    assert shop.tasks(record_id) == [("accept", None, "role:agent")]
    # The SLA engine adds its own sla.* entries (which policy applies) to the same log.
    kinds = [kind for kind, _ in shop.history(record_id) if not kind.startswith("sla.")]
    assert kinds == ["record.created", "workflow.started", "workflow.moved", "workflow.assigned"]
    assert shop.moves(record_id) == [("begin", "start", "accept")]
    assert shop.instance(record_id).state == "active"


def test_the_short_path_to_closed(shop: Shop) -> None:
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    assert shop.tasks(record_id) == [("dispatch", None, "role:dispatcher")]

    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    assert shop.tasks(record_id) == [("dispatch", "disp1", "role:dispatcher")]
    shop.act("disp1", record_id, "dispatch")
    # Skill "electrical" and region "east" leave 王工 (level 3) and 李工 (level 2); both have
    # no open task and were never assigned, so the lower id wins.
    assert shop.tasks(record_id) == [("service", "eng_a", "role:engineer")]
    assert shop.record(record_id).values["engineer"] == shop.ids["eng_a"]
    assigned = [c for kind, c in shop.history(record_id) if kind == "workflow.assigned"][-1]
    assert (
        assigned["reason"]
        == "assigned to 王工: skill electrical level 3, region east, 0 open tasks"
    )
    assert set(assigned["candidates"]) == {shop.ids["eng_a"], shop.ids["eng_b"]}

    with pytest.raises(MoveRefused) as refused:
        shop.act("eng_a", record_id, "complete")
    assert [e.field for e in refused.value.details["errors"]] == ["resolution"]

    shop.act("eng_a", record_id, "complete", values={"resolution": "更换电容", "parts": [part()]})
    assert shop.tasks(record_id) == [("follow_up", "agent1", "role:agent")] or shop.tasks(
        record_id
    ) == [("follow_up", None, "role:agent")]
    shop.act("agent2", record_id, "close", values={"satisfaction": "5"})
    assert shop.tasks(record_id) == []
    instance = shop.instance(record_id)
    assert (instance.state, instance.outcome) == ("closed", "resolved")
    assert shop.moves(record_id) == [
        ("begin", "start", "accept"),
        ("accept", "accept", "dispatch"),
        ("dispatch", "dispatch", "service"),
        ("complete", "service", "check_cost"),
        ("no_review", "check_cost", "follow_up"),
        ("close", "follow_up", "closed"),
    ]
    record = shop.record(record_id)
    assert record.values["satisfaction"] == "5"
    assert record.values["resolution"] == "更换电容"


def test_review_reject_returns_to_the_same_engineer_then_approve(shop: Shop) -> None:
    record_id = to_service(shop)
    shop.act(
        "eng_a",
        record_id,
        "complete",
        values={"resolution": "换压缩机", "parts": [part(qty=2, price="800.00")]},
    )
    assert shop.tasks(record_id) == [
        ("review", "sup1", "role:supervisor"),
        ("review", "sup2", "role:supervisor"),
    ]
    with pytest.raises(MoveRefused):
        shop.act("sup1", record_id, "reject")
    # The engineer cannot vote on the review.
    with pytest.raises(NotAllowed):
        shop.act("eng_a", record_id, "approve")
    shop.act("sup1", record_id, "reject", comment="请附上旧件照片")
    assert shop.tasks(record_id) == [("service", "eng_a", "role:engineer")]
    assert shop.tasks(record_id, "cancelled") == [("review", "sup2", "role:supervisor")]

    shop.act("eng_a", record_id, "complete")
    shop.act("sup2", record_id, "approve")
    assert shop.tasks(record_id) == [("follow_up", None, "role:agent")]
    assert shop.moves(record_id)[3:] == [
        ("complete", "service", "check_cost"),
        ("needs_review", "check_cost", "review"),
        ("reject", "review", "service"),
        ("complete", "service", "check_cost"),
        ("needs_review", "check_cost", "review"),
        ("approve", "review", "follow_up"),
    ]
    votes = [c for kind, c in shop.history(record_id) if kind == "workflow.voted"]
    assert [(v["vote"], v["comment"]) for v in votes] == [
        ("reject", "请附上旧件照片"),
        ("approve", None),
    ]


def test_a_read_only_or_hidden_field_posted_anyway_is_refused(shop: Shop) -> None:
    record_id = shop.create()
    with pytest.raises(MoveRefused) as refused:
        shop.act("agent1", record_id, "accept", values={"labor_cost": "100.00"})
    assert [e.field for e in refused.value.details["errors"]] == ["labor_cost"]
    to = to_service(shop)
    with pytest.raises(MoveRefused) as refused:
        shop.act("eng_a", to, "complete", values={"resolution": "ok", "satisfaction": "5"})
    assert [e.field for e in refused.value.details["errors"]] == ["satisfaction"]
    with pytest.raises(MoveRefused) as refused:
        shop.act("eng_a", to, "complete", values={"resolution": "ok", "priority": "urgent"})
    assert [e.field for e in refused.value.details["errors"]] == ["priority"]
    # Nothing was written by the refused moves.
    assert shop.record(to).values["resolution"] is None
    assert shop.tasks(to) == [("service", "eng_a", "role:engineer")]


def test_field_rights_per_node_combine_with_role_rights(shop: Shop) -> None:
    from servicekit.runtime.workflow import field_rights

    workflow = shop.workflow()
    with shop.db.transaction() as session:
        agent = shop.actor(session, "agent1")
        engineer = shop.actor(session, "eng_a")
    accept = field_rights(workflow, "accept", agent)
    assert accept["customer"] == "required"
    assert accept["labor_cost"] == "hidden"
    assert accept["resolution"] == "readonly"  # not listed at the node
    service = field_rights(workflow, "service", engineer)
    assert service["resolution"] == "required"
    assert service["satisfaction"] == "hidden"
    assert service["priority"] == "readonly"


def test_only_the_pool_or_the_assignee_may_act(shop: Shop) -> None:
    record_id = shop.create()
    with pytest.raises(NotAllowed):
        shop.act("eng_c", record_id, "accept")
    shop.act("agent2", record_id, "accept")
    with pytest.raises(MoveConflict) as conflict:
        shop.act("agent1", record_id, "accept")
    assert conflict.value.status == 409
    assert conflict.value.details["happened"][0]["kind"] == "assigned"
    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    shop.act("disp1", record_id, "dispatch")
    with pytest.raises(NotAllowed):
        shop.act("eng_b", record_id, "complete", values={"resolution": "x"})


def test_cancel_at_accept_needs_a_reason(shop: Shop) -> None:
    record_id = shop.create()
    with pytest.raises(MoveRefused):
        shop.act("agent1", record_id, "cancel")
    shop.act("agent1", record_id, "cancel", comment="客户撤回报修")
    instance = shop.instance(record_id)
    assert (instance.state, instance.outcome) == ("closed", "cancelled")
    assert shop.tasks(record_id) == []
    assert shop.moves(record_id)[-1] == ("cancel", "accept", "cancelled")
    with pytest.raises(MoveConflict):
        shop.act("agent1", record_id, "accept")


def test_a_dispatcher_cancels_and_a_supervisor_reopens(shop: Shop) -> None:
    record_id = to_service(shop)
    with pytest.raises(NotAllowed):
        shop.op(cancel, "eng_a", record_id, reason="no")
    shop.op(cancel, "disp1", record_id, reason="重复工单")
    assert shop.instance(record_id).outcome == "cancelled"
    assert shop.tasks(record_id, "cancelled") == [("service", "eng_a", "role:engineer")]
    shop.op(reopen, "sup1", record_id, reason="客户再次来电")
    assert shop.instance(record_id).state == "active"
    # The cancelled step was never completed, so dispatch runs again: 王工 and 李工 both have
    # no open task, and 李工 was assigned longest ago (never).
    assert shop.tasks(record_id) == [("service", "eng_b", "role:engineer")]
    kinds = [kind for kind, _ in shop.history(record_id)]
    assert kinds[-4:] == [
        "workflow.cancelled",
        "workflow.reopened",
        "workflow.assigned",
        "record.updated",
    ]


def test_urgent_work_orders_notify_the_supervisors_on_entering_dispatch(shop: Shop) -> None:
    record_id = shop.create(priority="urgent", urgent_reason="医院手术室")
    with shop.db.transaction() as session:
        assert session.scalars(select(Notification)).all() == []
    shop.act("agent1", record_id, "accept")
    with shop.db.transaction() as session:
        notes = session.scalars(select(Notification).order_by(Notification.user_id)).all()
        assert [n.user_id for n in notes] == [shop.ids["sup1"], shop.ids["sup2"]]
        assert "紧急工单" in notes[0].title
        mails = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.payload["to"] for m in mails] == ["sup1@example.test", "sup2@example.test"]
    normal = shop.create()
    shop.act("agent1", normal, "accept")
    with shop.db.transaction() as session:
        assert len(session.scalars(select(Notification)).all()) == 2


def test_every_assignment_decision_is_stored_with_candidates_and_scores(shop: Shop) -> None:
    record_id = to_service(shop)
    with shop.db.transaction() as session:
        decisions = session.scalars(
            select(AssignmentDecision).order_by(AssignmentDecision.id)
        ).all()
        last = decisions[-1]
        assert last.strategy == "least_loaded"
        assert last.chosen_id == shop.ids["eng_a"]
        assert sorted(c["name"] for c in last.candidates) == ["李工", "王工"]
        assert {c["skill_level"] for c in last.candidates} == {2, 3}
    assert record_id
