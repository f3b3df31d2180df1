"""Service operations: claim races, release, reassign (转交), return (退回), comments, and
migrating running work orders to a new workflow version."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.metadata.documents import Document
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.registry import get_registry
from servicekit.runtime.workflow import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    claim,
    comment,
    load_workflow,
    migrate,
    reassign,
    release,
    return_to,
)
from tests.runtime.workflow.conftest import APP, SAMPLE_APP, Shop


def test_claim_release_and_a_second_claimer(shop: Shop) -> None:
    record_id = shop.create()
    task_id = shop.task_id(record_id, "accept")
    with pytest.raises(NotAllowed):
        shop.op(claim, "eng_a", record_id, task_id)
    shop.op(claim, "agent1", record_id, task_id)
    with pytest.raises(MoveConflict):
        shop.op(claim, "agent2", record_id, task_id)
    with pytest.raises(NotAllowed):
        shop.act("agent2", record_id, "accept")
    with pytest.raises(NotAllowed):
        shop.op(release, "agent2", record_id, task_id)
    shop.op(release, "agent1", record_id, task_id)
    assert shop.tasks(record_id) == [("accept", None, "role:agent")]
    shop.act("agent2", record_id, "accept")
    kinds = [
        k for k, _ in shop.history(record_id) if k in ("workflow.claimed", "workflow.released")
    ]
    assert kinds == ["workflow.claimed", "workflow.released"]


def test_reassign_needs_a_reason_and_an_active_user(shop: Shop) -> None:
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    shop.act("disp1", record_id, "dispatch")
    task_id = shop.task_id(record_id, "service")
    with pytest.raises(NotAllowed):
        shop.op(reassign, "eng_b", record_id, task_id, shop.ids["eng_b"], reason="mine")
    with pytest.raises(MoveRefused):
        shop.op(reassign, "disp1", record_id, task_id, shop.ids["eng_b"], reason=" ")
    shop.op(reassign, "disp1", record_id, task_id, shop.ids["eng_b"], reason="王工请假")
    assert shop.tasks(record_id) == [("service", "eng_b", "role:engineer")]
    event = [c for k, c in shop.history(record_id) if k == "workflow.reassigned"][0]
    assert (event["before"], event["assignee"], event["reason"]) == (
        shop.ids["eng_a"],
        shop.ids["eng_b"],
        "王工请假",
    )
    shop.act("eng_b", record_id, "complete", values={"resolution": "修好了"})


def test_return_goes_to_a_passed_step_with_a_reason(shop: Shop) -> None:
    record_id = shop.create()
    shop.act("agent1", record_id, "accept")
    shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
    shop.act("disp1", record_id, "dispatch")
    task_id = shop.task_id(record_id, "service")
    with pytest.raises(MoveRefused):
        shop.op(return_to, "eng_a", record_id, task_id, "follow_up", reason="x")
    with pytest.raises(MoveRefused):
        shop.op(return_to, "eng_a", record_id, task_id, "dispatch", reason="")
    shop.op(return_to, "eng_a", record_id, task_id, "dispatch", reason="地址错误")
    # The dispatcher who did the step gets it back.
    assert shop.tasks(record_id) == [("dispatch", "disp1", "role:dispatcher")]
    event = [c for k, c in shop.history(record_id) if k == "workflow.returned"][0]
    assert (event["from"], event["to"], event["reason"]) == ("service", "dispatch", "地址错误")


def test_comments_are_history_events(shop: Shop) -> None:
    record_id = shop.create()
    shop.op(comment, "agent1", record_id, "客户下午在家")
    assert shop.history(record_id)[-1] == ("workflow.commented", {"text": "客户下午在家"})
    with pytest.raises(MoveRefused):
        shop.op(comment, "agent1", record_id, "  ")


def _publish(shop: Shop, body: dict) -> None:
    with shop.db.transaction() as session:
        publish_documents(
            session,
            APP,
            [Document("workflow", "work_order", "workflows/work_order.json", body)],
            get_registry(shop.app),
            author_id=None,
            now=shop.clock.now(),
            tz=ZoneInfo("Asia/Shanghai"),
            apply=True,
        )


def test_running_work_orders_stay_on_their_version_until_an_admin_migrates(shop: Shop) -> None:
    record_id = shop.create()
    body = json.loads((SAMPLE_APP / "workflows" / "work_order.json").read_text("utf-8"))
    # Version 2 renames the accept step to intake.
    for node in body["nodes"]:
        if node["key"] == "accept":
            node["key"] = "intake"
    for edge in body["edges"]:
        for end in ("from", "to"):
            if edge[end] == "accept":
                edge[end] = "intake"
    _publish(shop, body)
    assert shop.instance(record_id).workflow_version == 1
    newer = shop.create()
    assert shop.tasks(newer) == [("intake", None, "role:agent")]
    # The old work order still moves on version 1.
    assert shop.tasks(record_id) == [("accept", None, "role:agent")]

    with shop.db.transaction() as session:
        latest = load_workflow(session, APP, "work_order")
    assert latest.definition.version == 2

    def run(login: str, mapping: dict | None) -> None:
        with shop.db.transaction() as session:
            migrate(
                session,
                load_workflow(session, APP, "work_order"),
                record_id,
                mapping=mapping,
                actor=shop.actor(session, login),
                now=shop.clock.now(),
                tz=shop.tz,
            )

    shop.ids.setdefault("admin", 0)
    with pytest.raises(NotAllowed):
        run("sup1", {"accept": "intake"})
    from tests.conftest import ensure_user

    shop.ids["admin"] = ensure_user(shop.app, "admin")
    with pytest.raises(MoveRefused) as refused:
        run("admin", None)
    assert refused.value.message.endswith("map each to a node: accept")
    run("admin", {"accept": "intake"})
    assert shop.instance(record_id).workflow_version == 2
    assert shop.tasks(record_id) == [("intake", None, "role:agent")]
    event = shop.history(record_id)[-1]
    assert event == (
        "workflow.migrated",
        {"before": 1, "after": 2, "mapping": {"accept": "intake"}},
    )
    shop.act("agent1", record_id, "accept")
    assert shop.tasks(record_id) == [("dispatch", None, "role:dispatcher")]


def test_assigned_and_team_task_scopes_select_records_by_open_tasks(shop: Shop) -> None:
    from sqlalchemy import select

    from servicekit.platform.accounts.teams import add_team_member, create_team
    from servicekit.platform.metadata.forms import FormDef
    from servicekit.platform.models import User
    from servicekit.runtime.forms import form_access, load_form_runtime

    first = shop.create()
    second = shop.create()
    for record_id in (first, second):
        shop.act("agent1", record_id, "accept")
        shop.op(claim, "disp1", record_id, shop.task_id(record_id, "dispatch"))
        shop.act("disp1", record_id, "dispatch")
    # Dispatch spread the two orders over 王工 and 李工.
    assert shop.tasks(first)[0][1] == "eng_a" and shop.tasks(second)[0][1] == "eng_b"
    with shop.db.transaction() as session:
        team = create_team(session, key="east_crew", name="East crew")
        add_team_member(session, team, session.get(User, shop.ids["eng_a"]))
        add_team_member(session, team, session.get(User, shop.ids["eng_b"]))

    def visible(login: str, scope: str) -> list[int]:
        with shop.db.transaction() as session:
            runtime = load_form_runtime(session, APP, "work_order")
            actor = shop.actor(session, login)
            raw = dict(runtime.form.raw)
            raw["permissions"] = {"engineer": {"read": True, "scope": scope}}
            access = form_access(FormDef.from_dict(APP, raw), actor)
            condition = access.record_filter(
                "read", runtime.source, now=shop.clock.now(), tz=shop.tz
            )
            table = runtime.source.table
            return list(session.scalars(select(table.c.id).where(condition).order_by(table.c.id)))

    assert visible("eng_a", "assigned") == [first]
    assert visible("eng_a", "team_tasks") == [first, second]
    assert visible("eng_c", "team_tasks") == []


def test_the_migrate_and_deliver_commands(shop: Shop) -> None:
    record_id = shop.create()
    body = json.loads((SAMPLE_APP / "workflows" / "work_order.json").read_text("utf-8"))
    for node in body["nodes"]:
        if node["key"] == "accept":
            node["key"] = "intake"
    for edge in body["edges"]:
        for end in ("from", "to"):
            if edge[end] == "accept":
                edge[end] = "intake"
    _publish(shop, body)
    runner = shop.app.test_cli_runner()
    refused = runner.invoke(args=["workflow", "migrate", APP, "work_order"])
    assert refused.exit_code == 1
    assert "map each to a node: accept" in refused.output
    assert "migrated 0 of 1 work orders" in refused.output
    done = runner.invoke(args=["workflow", "migrate", APP, "work_order", "--map", "accept=intake"])
    assert done.exit_code == 0, done.output
    assert "migrated 1 of 1 work orders" in done.output
    assert shop.tasks(record_id) == [("intake", None, "role:agent")]
    delivered = runner.invoke(args=["workflow", "deliver"])
    assert delivered.exit_code == 0 and "sent 0 of 0 due messages" in delivered.output
