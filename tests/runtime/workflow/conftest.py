"""The after-sales app with its workflow and a staff of agents, dispatchers, engineers and
supervisors, plus helpers that act as one of them in a transaction of its own."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from servicekit.platform.accounts import get_user_by_login
from servicekit.platform.accounts.passwords import hash_password
from servicekit.platform.accounts.users import grant_app_role, set_skills
from servicekit.platform.db import get_db
from servicekit.platform.models import Event, User, WorkflowInstance, WorkflowTask
from servicekit.runtime.forms import Actor, Context, actor_for, load_form_runtime
from servicekit.runtime.workflow import load_workflow, move, workflow_for
from tests.conftest import TEST_PASSWORD
from tests.platform.packages.conftest import SAMPLE_APP, install

APP = "after_sales"

# login, display name, roles, region, skills
STAFF = [
    ("agent1", "Agent One", ("agent",), None, {}),
    ("agent2", "Agent Two", ("agent",), None, {}),
    ("disp1", "Dispatcher One", ("dispatcher",), None, {}),
    ("eng_a", "王工", ("engineer",), "east", {"electrical": 3}),
    ("eng_b", "李工", ("engineer",), "east", {"electrical": 2, "mechanical": 4}),
    ("eng_c", "张工", ("engineer",), "north", {"electrical": 5}),
    ("sup1", "Supervisor One", ("supervisor",), None, {}),
    ("sup2", "Supervisor Two", ("supervisor",), None, {}),
]


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(TEST_PASSWORD)


class Shop:
    """The installed sample app and its people; every helper runs in its own transaction."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = get_db(app)
        self.clock = app.extensions["servicekit.clock"]
        self.tz = ZoneInfo(app.config["SERVICEKIT_TIMEZONE"])
        self.ids: dict[str, int] = {}

    def add_staff(self, staff: list[tuple[Any, ...]] = STAFF) -> None:
        with self.db.transaction() as session:
            for login, name, roles, region, skills in staff:
                user = get_user_by_login(session, login)
                if user is None:
                    # One password hash for everyone: hashing is slow on purpose.
                    user = User(
                        login=login,
                        display_name=name,
                        password_hash=_password_hash(),
                        email=f"{login}@example.test",
                        active=True,
                        region=region,
                        created_at=self.clock.now(),
                    )
                    session.add(user)
                    session.flush()
                    for role in roles:
                        grant_app_role(session, user, APP, role)
                    set_skills(session, user, skills)
                self.ids[login] = user.id

    def actor(self, session: Any, login: str) -> Actor:
        return actor_for(session.get(User, self.ids[login]), APP)

    def customer(self, region: str = "east") -> int:
        with self.db.transaction() as session:
            table = load_form_runtime(session, APP, "customer").source.table
            return int(
                session.scalar(
                    select(table.c.id).where(table.c.region == region).order_by(table.c.id).limit(1)
                )
            )

    def create(self, login: str = "agent1", **values: Any) -> int:
        values.setdefault("customer", self.customer())
        values.setdefault("fault_type", "electrical")
        values.setdefault("priority", "normal")
        values.setdefault("description", "空调不制冷")
        with self.db.transaction() as session:
            runtime = load_form_runtime(session, APP, "work_order")
            actor = self.actor(session, login)
            record = runtime.store.create(
                session,
                values,
                Context(now=self.clock.now(), tz=self.tz, user=dict(actor.rule_user)),
                actor_id=actor.id,
            )
            return record.id

    def act(self, login: str, record_id: int, action: str, **kwargs: Any) -> Any:
        with self.db.transaction() as session:
            workflow = workflow_for(session, APP, "work_order", record_id)
            return move(
                session,
                workflow,
                record_id,
                action,
                actor=self.actor(session, login),
                now=self.clock.now(),
                tz=self.tz,
                **kwargs,
            )

    def op(self, function: Any, login: str, record_id: int, *args: Any, **kwargs: Any) -> Any:
        with self.db.transaction() as session:
            workflow = workflow_for(session, APP, "work_order", record_id)
            return function(
                session,
                workflow,
                record_id,
                *args,
                actor=self.actor(session, login),
                now=self.clock.now(),
                tz=self.tz,
                **kwargs,
            )

    def tasks(
        self, record_id: int, state: str = "open"
    ) -> list[tuple[str, str | None, str | None]]:
        """(node, assignee login or None, pool) of the record's tasks in ``state``."""
        names = {v: k for k, v in self.ids.items()}
        with self.db.transaction() as session:
            rows = session.scalars(
                select(WorkflowTask)
                .where(
                    WorkflowTask.record_id == record_id,
                    WorkflowTask.state == state,
                    WorkflowTask.kind != "join",
                )
                .order_by(WorkflowTask.id)
            )
            return [(t.node_key, names.get(t.assignee_id), t.pool) for t in rows]

    def task_id(self, record_id: int, node: str, login: str | None = None) -> int:
        with self.db.transaction() as session:
            query = select(WorkflowTask.id).where(
                WorkflowTask.record_id == record_id,
                WorkflowTask.node_key == node,
                WorkflowTask.state == "open",
            )
            if login:
                query = query.where(WorkflowTask.assignee_id == self.ids[login])
            return int(session.scalars(query.order_by(WorkflowTask.id)).first())

    def history(self, record_id: int) -> list[tuple[str, dict[str, Any]]]:
        with self.db.transaction() as session:
            events = session.scalars(
                select(Event)
                .where(Event.record_id == record_id, Event.form_key == "work_order")
                .order_by(Event.id)
            )
            return [(e.kind, e.changes or {}) for e in events]

    def moves(self, record_id: int) -> list[tuple[str, str, str]]:
        return [
            (c["action"], c["from"], c["to"])
            for kind, c in self.history(record_id)
            if kind == "workflow.moved"
        ]

    def instance(self, record_id: int) -> WorkflowInstance:
        with self.db.transaction() as session:
            return session.scalar(
                select(WorkflowInstance).where(WorkflowInstance.record_id == record_id)
            )

    def record(self, record_id: int) -> Any:
        with self.db.transaction() as session:
            return load_form_runtime(session, APP, "work_order").store.get(session, record_id)

    def workflow(self) -> Any:
        with self.db.transaction() as session:
            return load_workflow(session, APP, "work_order")


@pytest.fixture
def shop(app: Any) -> Iterator[Shop]:
    install(app, SAMPLE_APP)
    shop = Shop(app)
    shop.add_staff()
    yield shop


def part(name: str = "压缩机", qty: int = 1, price: str = "800.00") -> dict[str, Any]:
    """A parts row for the work order's subform."""
    from decimal import Decimal

    return {"part_name": name, "qty": qty, "unit_price": Decimal(price)}


@pytest.fixture
def custom(app: Any, tmp_path: Any) -> Any:
    """Install the sample app with another work-order workflow: ``custom(body) -> Shop``."""
    import json
    import shutil

    def build(body: dict[str, Any], extra_staff: list[tuple[Any, ...]] = ()) -> Shop:  # type: ignore[assignment]
        target = tmp_path / "pkg" / APP
        shutil.copytree(SAMPLE_APP, target)
        # SLA policies name the sample workflow's nodes; this workflow has others.
        shutil.rmtree(target / "sla", ignore_errors=True)
        (target / "workflows" / "work_order.json").write_text(
            json.dumps(body, ensure_ascii=False), encoding="utf-8"
        )
        install(app, target)
        shop = Shop(app)
        shop.add_staff([*STAFF, *extra_staff])
        return shop

    return build


def simple_flow(
    middle_nodes: list[dict[str, Any]], middle_edges: list[dict[str, Any]]
) -> dict[str, Any]:
    """A work-order workflow: start -> ``middle`` -> closed / rejected ends."""
    return {
        "key": "work_order",
        "label": "Test flow",
        "form": "work_order",
        "nodes": [
            {"key": "start", "kind": "start"},
            *middle_nodes,
            {"key": "closed", "kind": "end", "outcome": "resolved"},
            {"key": "rejected", "kind": "end", "outcome": "rejected"},
        ],
        "edges": middle_edges,
    }
