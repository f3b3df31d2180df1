"""Benchmark: the sample work-order workflow through ServiceKit, SpiffWorkflow and by hand.

    python bench/workflow.py [--orders 150] [--rounds 5] [--db sqlite|postgresql|both]

Each work order is created and moved to its end: 受理 (accept), 派工 (dispatch), 上门服务
(complete, with a resolution; dispatch picks the engineer by skill and region, then load),
the cost gateway, 回访 (close, with a satisfaction score): five actions, each in its own
transaction as a user's click would be. Three runners make the same writes to the same
tables (record, workflow instance, tasks, assignment decisions, events):

  servicekit  RecordStore.create starts the workflow; ``move`` takes each action
  spiff       SpiffWorkflow runs an equivalent BPMN process and decides each next step;
              the rows are written by the hand-written writer below. The BPMN workflow
              object stays in memory between the actions of one work order (no
              serialization), which favours SpiffWorkflow.
  hand        a hand-written state machine: a transition table and direct writes

Before timing, one work order per runner is compared row by row (ids and times left out).
Runners are interleaved in rounds; the median per-action time of the rounds is reported
with the ratios. The target: ServiceKit no slower than 2x the hand-written machine.
PostgreSQL needs SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL).
Results belong in docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import postgres_database  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.accounts.passwords import hash_password  # noqa: E402
from servicekit.platform.accounts.users import grant_app_role, set_skills  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.models import (  # noqa: E402
    AppRoleGrant,
    AssignmentDecision,
    Event,
    User,
    UserSkill,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.runtime.forms import Context, actor_for, load_form_runtime  # noqa: E402
from servicekit.runtime.forms import records as records_module  # noqa: E402
from servicekit.runtime.workflow import move, workflow_for  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
APP, FORM = "after_sales", "work_order"
STAFF = [
    ("agent1", "Agent One", ("agent",), None, {}),
    ("disp1", "Dispatcher One", ("dispatcher",), None, {}),
    ("eng_a", "王工", ("engineer",), "east", {"electrical": 3}),
    ("eng_b", "李工", ("engineer",), "east", {"electrical": 2}),
    ("eng_c", "张工", ("engineer",), "north", {"electrical": 5}),
    ("eng_d", "赵工", ("engineer",), "east", {"mechanical": 4}),
]
# (action, login, values) after creation; the hand-written machine's transition table.
STEPS = [
    ("accept", "agent1", {}),
    ("dispatch", "disp1", {}),
    ("complete", None, {"resolution": "更换电容，试机正常"}),
    ("close", "agent1", {"satisfaction": "5"}),
]
TRANSITIONS = {
    ("start", "begin"): "accept",
    ("accept", "accept"): "dispatch",
    ("dispatch", "dispatch"): "service",
    ("service", "complete"): "check_cost",
    ("check_cost", "needs_review"): "review",
    ("check_cost", "no_review"): "follow_up",
    ("follow_up", "close"): "closed",
}
POOLS = {"accept": "agent", "dispatch": "dispatcher", "follow_up": "agent"}

BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="bench"
    targetNamespace="http://servicekit.dev/bench">
 <bpmn:process id="work_order" isExecutable="true">
  <bpmn:startEvent id="start"/>
  <bpmn:userTask id="accept"/>
  <bpmn:userTask id="dispatch"/>
  <bpmn:userTask id="service"/>
  <bpmn:exclusiveGateway id="check_cost" default="no_review"/>
  <bpmn:userTask id="review"/>
  <bpmn:userTask id="follow_up"/>
  <bpmn:endEvent id="closed"/>
  <bpmn:sequenceFlow id="begin" sourceRef="start" targetRef="accept"/>
  <bpmn:sequenceFlow id="accept_flow" sourceRef="accept" targetRef="dispatch"/>
  <bpmn:sequenceFlow id="dispatch_flow" sourceRef="dispatch" targetRef="service"/>
  <bpmn:sequenceFlow id="complete_flow" sourceRef="service" targetRef="check_cost"/>
  <bpmn:sequenceFlow id="needs_review" sourceRef="check_cost" targetRef="review">
   <bpmn:conditionExpression>parts_cost &gt; 1000</bpmn:conditionExpression>
  </bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="no_review" sourceRef="check_cost" targetRef="follow_up"/>
  <bpmn:sequenceFlow id="approve_flow" sourceRef="review" targetRef="follow_up"/>
  <bpmn:sequenceFlow id="close_flow" sourceRef="follow_up" targetRef="closed"/>
 </bpmn:process>
</bpmn:definitions>
"""


# --- setting up ---------------------------------------------------------------------------
def _make_app(url: str, instance: Path) -> Any:
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": str(instance),
            "SERVICEKIT_SECRET_KEY": "bench",
            "SERVICEKIT_ASSETS": "local",
            "SERVICEKIT_RUN_JOBS_INLINE": True,
        }
    )
    upgrade_database(app)
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        install_package(
            session, ROOT / "sample_apps" / APP, get_registry(app), now=clock.now(), tz=TZ
        )
        password = hash_password("bench-password-1")
        for login, name, roles, region, skills in STAFF:
            user = User(
                login=login,
                display_name=name,
                password_hash=password,
                active=True,
                region=region,
                created_at=clock.now(),
            )
            session.add(user)
            session.flush()
            for role in roles:
                grant_app_role(session, user, APP, role)
            set_skills(session, user, skills)
    return app


class Bench:
    """One database: the app, its clock, the staff and a customer in the east."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = get_db(app)
        self.clock = app.extensions["servicekit.clock"]
        with self.db.transaction() as session:
            self.ids = {u.login: u.id for u in session.scalars(select(User))}
            table = load_form_runtime(session, APP, "customer").source.table
            self.customer = session.scalar(
                select(table.c.id).where(table.c.region == "east").order_by(table.c.id)
            )

    def context(self, session: Session, login: str) -> tuple[Any, Context]:
        actor = actor_for(session.get(User, self.ids[login]), APP)
        return actor, Context(now=self.clock.now(), tz=TZ, user=dict(actor.rule_user))

    def create(self, start: bool) -> int:
        """Create a work order as agent1, with or without the workflow hook."""
        hooks = records_module._created_hooks
        saved = list(hooks)
        if not start:
            hooks.clear()
        try:
            with self.db.transaction() as session:
                runtime = load_form_runtime(session, APP, FORM)
                actor, context = self.context(session, "agent1")
                values = {
                    "customer": self.customer,
                    "fault_type": "electrical",
                    "priority": "normal",
                    "description": "空调不制冷",
                }
                record = runtime.store.create(session, values, context, actor_id=actor.id)
                return record.id
        finally:
            hooks[:] = saved


# --- ServiceKit ---------------------------------------------------------------------------
def servicekit_order(bench: Bench) -> int:
    record_id = bench.create(start=True)
    engineer = None
    for action, login, values in STEPS:
        with bench.db.transaction() as session:
            workflow = workflow_for(session, APP, FORM, record_id)
            if login is None:
                engineer = engineer or _assignee_login(bench, session, record_id)
            actor, _context = bench.context(session, login or engineer)
            move(
                session,
                workflow,
                record_id,
                action,
                actor=actor,
                now=bench.clock.now(),
                tz=TZ,
                values=dict(values),
            )
    return record_id


def _assignee_login(bench: Bench, session: Session, record_id: int) -> str:
    assignee = session.scalar(
        select(WorkflowTask.assignee_id).where(
            WorkflowTask.record_id == record_id, WorkflowTask.state == "open"
        )
    )
    return next(login for login, uid in bench.ids.items() if uid == assignee)


# --- the hand-written writer, shared by the hand-written machine and SpiffWorkflow --------
class HandWriter:
    """Writes exactly the rows ServiceKit's engine writes for this workflow, by hand."""

    def __init__(self, bench: Bench, session: Session, record_id: int, login: str) -> None:
        self.bench = bench
        self.session = session
        self.record_id = record_id
        self.now = bench.clock.now()
        self.runtime = load_form_runtime(session, APP, FORM)
        self.actor, self.context = bench.context(session, login)

    def event(self, kind: str, **changes: Any) -> None:
        self.session.add(
            Event(
                app_key=APP,
                form_key=FORM,
                record_id=self.record_id,
                kind=kind,
                actor_id=self.actor.id,
                at=self.now,
                changes=changes,
            )
        )
        self.session.flush()

    def start(self) -> WorkflowInstance:
        instance = WorkflowInstance(
            app_key=APP,
            form_key=FORM,
            record_id=self.record_id,
            workflow_key="work_order",
            workflow_version=1,
            state="active",
            moves=0,
            started_at=self.now,
        )
        self.session.add(instance)
        self.session.flush()
        self.event("workflow.started", workflow="work_order", version=1)
        return instance

    def instance(self) -> WorkflowInstance:
        return self.session.scalars(
            select(WorkflowInstance)
            .where(
                WorkflowInstance.app_key == APP,
                WorkflowInstance.form_key == FORM,
                WorkflowInstance.record_id == self.record_id,
            )
            .with_for_update()
        ).one()

    def take(self, instance: WorkflowInstance, action: str, values: dict[str, Any]) -> str:
        """Check and close the open task; write the values; returns the task's node."""
        task = self.session.scalars(
            select(WorkflowTask).where(
                WorkflowTask.instance_id == instance.id, WorkflowTask.state == "open"
            )
        ).one()
        if task.assignee_id not in (None, self.actor.id):
            raise PermissionError(action)
        store = self.runtime.store
        record = store.get(self.session, self.record_id)
        if values:
            store.update(
                self.session,
                self.record_id,
                values,
                self.context,
                expected_version=record.version,
                actor_id=self.actor.id,
            )
        else:
            self.session.execute(
                update(store.table)
                .where(store.table.c.id == record.id, store.table.c.version == record.version)
                .values(version=record.version + 1, updated_at=self.now, updated_by=self.actor.id)
            )
        done = self.session.execute(
            update(WorkflowTask)
            .where(WorkflowTask.id == task.id, WorkflowTask.state == "open")
            .values(
                state="completed",
                action=action,
                completed_at=self.now,
                completed_by=self.actor.id,
            )
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise RuntimeError("task completed twice")
        instance.moves += 1
        return task.node_key

    def moved(self, action: str, source: str, target: str) -> None:
        outcome = "resolved" if target == "closed" else None
        self.event(
            "workflow.moved",
            action=action,
            **{"from": source, "to": target},
            outcome=outcome,
            comment=None,
        )

    def open(self, instance: WorkflowInstance, node: str) -> None:
        if node in POOLS:
            role = POOLS[node]
            members = self.session.execute(
                select(User.id, User.display_name)
                .join(AppRoleGrant, AppRoleGrant.user_id == User.id)
                .where(AppRoleGrant.app_key == APP, AppRoleGrant.role == role, User.active)
                .order_by(User.id)
            ).all()
            candidates = [{"user_id": i, "name": n, "open_tasks": 0} for i, n in members]
            self._task(
                instance,
                node,
                "pool",
                None,
                f"role:{role}",
                candidates,
                f"pool role:{role}: anyone in it may claim",
            )
            return
        # 上门服务: engineers with the fault's skill in the customer's region, least loaded.
        record = self.runtime.store.get(self.session, self.record_id)
        customer = self.runtime.source.lookup("customer").table
        region = self.session.scalar(
            select(customer.c.region).where(customer.c.id == record.values["customer"])
        )
        open_count = (
            select(func.count())
            .where(
                WorkflowTask.assignee_id == User.id,
                WorkflowTask.state == "open",
                WorkflowTask.kind != "join",
            )
            .scalar_subquery()
        )
        last = (
            select(func.max(WorkflowTask.created_at))
            .where(WorkflowTask.assignee_id == User.id, WorkflowTask.kind != "join")
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(User.id, User.display_name, UserSkill.level, open_count, last)
            .join(AppRoleGrant, AppRoleGrant.user_id == User.id)
            .join(UserSkill, UserSkill.user_id == User.id)
            .where(
                AppRoleGrant.app_key == APP,
                AppRoleGrant.role == "engineer",
                User.active,
                UserSkill.skill == record.values["fault_type"],
                UserSkill.level >= 1,
                User.region == region,
            )
            .order_by(User.id)
        ).all()
        candidates = [
            {
                "user_id": i,
                "name": n,
                "open_tasks": int(c or 0),
                "skill_level": int(lvl),
                "region": region,
            }
            for i, n, lvl, c, _last in rows
        ]
        best = min(
            rows, key=lambda r: (int(r[3] or 0), r[4].timestamp() if r[4] else float("-inf"), r[0])
        )
        reason = (
            f"assigned to {best[1]}: skill {record.values['fault_type']} level {best[2]}, "
            f"region {region}, "
            f"{int(best[3] or 0)} open tasks"
        )
        self._task(instance, node, "least_loaded", best[0], "role:engineer", candidates, reason)
        self.runtime.store.update(
            self.session,
            self.record_id,
            {"engineer": best[0]},
            self.context,
            expected_version=record.version,
            actor_id=self.actor.id,
        )

    def _task(
        self,
        instance: WorkflowInstance,
        node: str,
        strategy: str,
        assignee: int | None,
        pool: str,
        candidates: list[dict[str, Any]],
        reason: str,
    ) -> None:
        task = WorkflowTask(
            instance_id=instance.id,
            app_key=APP,
            form_key=FORM,
            record_id=self.record_id,
            node_key=node,
            kind="task",
            state="open",
            token="",
            assignee_id=assignee,
            pool=pool,
            reason=reason,
            created_at=self.now,
        )
        self.session.add(task)
        self.session.flush()
        self.session.add(
            AssignmentDecision(
                task_id=task.id,
                strategy=strategy,
                chosen_id=assignee,
                candidates=candidates,
                reason=reason,
                at=self.now,
            )
        )
        self.event(
            "workflow.assigned",
            node=node,
            task=task.id,
            assignee=assignee,
            pool=pool,
            candidates=[c["user_id"] for c in candidates],
            reason=reason,
        )

    def finish(self, instance: WorkflowInstance) -> None:
        instance.state = "closed"
        instance.outcome = "resolved"
        instance.ended_at = self.now
        self.session.flush()


def _begin(bench: Bench, record_id: int) -> None:
    """Start a work order's instance and open its first task, as both baselines do."""
    with bench.db.transaction() as session:
        writer = HandWriter(bench, session, record_id, "agent1")
        instance = writer.start()
        writer.moved("begin", "start", "accept")
        writer.open(instance, "accept")


def _writer(
    bench: Bench, session: Session, record_id: int, login: str | None, engineer: str | None
) -> tuple[HandWriter, str | None]:
    """The writer acting for ``login`` (or the assigned engineer), and that engineer."""
    if login is None:
        engineer = engineer or _assignee_login(bench, session, record_id)
    return HandWriter(bench, session, record_id, login or engineer), engineer


def hand_order(bench: Bench) -> int:
    """The hand-written state machine: the transition table decides, the writer writes."""
    record_id = bench.create(start=False)
    _begin(bench, record_id)
    engineer = None
    for action, login, values in STEPS:
        with bench.db.transaction() as session:
            writer, engineer = _writer(bench, session, record_id, login, engineer)
            instance = writer.instance()
            node = writer.take(instance, action, dict(values))
            target = TRANSITIONS[(node, action)]
            writer.moved(action, node, target)
            while target == "check_cost":  # the gateway: parts cost decides
                record = writer.runtime.store.get(session, record_id)
                cost = sum(r["qty"] * r["unit_price"] for r in record.values["parts"] or [])
                edge = "needs_review" if cost > 1000 else "no_review"
                node, target = target, TRANSITIONS[(target, edge)]
                writer.moved(edge, node, target)
            if target == "closed":
                writer.finish(instance)
            else:
                writer.open(instance, target)
    return record_id


def spiff_order(bench: Bench, spec: Any) -> int:
    """SpiffWorkflow decides each next step of the BPMN process; the writer writes."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    flows = {flow: key for (source, key), flow in _FLOWS.items()}
    record_id = bench.create(start=False)
    process = BpmnWorkflow(spec)
    process.do_engine_steps()
    _begin(bench, record_id)
    engineer = None
    for action, login, values in STEPS:
        with bench.db.transaction() as session:
            writer, engineer = _writer(bench, session, record_id, login, engineer)
            instance = writer.instance()
            node = writer.take(instance, action, dict(values))
            [task] = process.get_tasks(state=TaskState.READY, manual=True)
            if task.task_spec.name != node:
                raise RuntimeError(f"SpiffWorkflow is at {task.task_spec.name}, not {node}")
            record = writer.runtime.store.get(session, record_id)
            task.data["parts_cost"] = float(
                sum(r["qty"] * r["unit_price"] for r in record.values["parts"] or [])
            )
            task.run()
            process.do_engine_steps()
            # Read the path SpiffWorkflow took back from its completed tasks.
            source = node
            for step in _taken_after(process, node):
                key = flows.get((source, step)) or action
                writer.moved(key, source, step)
                source = step
            if process.is_completed():
                writer.finish(instance)
            else:
                [nxt] = process.get_tasks(state=TaskState.READY, manual=True)
                writer.open(instance, nxt.task_spec.name)
    return record_id


_FLOWS = {  # (source, action) -> (source, target), to name the gateway's edge
    ("check_cost", "needs_review"): ("check_cost", "review"),
    ("check_cost", "no_review"): ("check_cost", "follow_up"),
}


def _taken_after(process: Any, node: str) -> list[str]:
    """The node names SpiffWorkflow passed after ``node`` up to the next user task or end."""
    from SpiffWorkflow.util.task import TaskState

    names = {"accept", "dispatch", "service", "check_cost", "review", "follow_up", "closed"}
    path = []
    current = next(
        t
        for t in reversed(process.get_tasks(state=TaskState.COMPLETED))
        if t.task_spec.name == node
    )
    while True:
        children = [
            c for c in current.children if c.state in (TaskState.COMPLETED, TaskState.READY)
        ]
        if not children:
            break
        current = children[0]
        if current.task_spec.name in names:
            path.append(current.task_spec.name)
            if current.task_spec.name != "check_cost":
                break
    return path


# --- checking the runners write the same rows ---------------------------------------------
def snapshot(bench: Bench, record_id: int) -> dict[str, Any]:
    names = {uid: login for login, uid in bench.ids.items()}
    with bench.db.transaction() as session:
        instance = session.scalars(
            select(WorkflowInstance).where(WorkflowInstance.record_id == record_id)
        ).one()
        tasks = session.scalars(
            select(WorkflowTask)
            .where(WorkflowTask.record_id == record_id)
            .order_by(WorkflowTask.id)
        ).all()
        decisions = session.scalars(
            select(AssignmentDecision)
            .where(AssignmentDecision.task_id.in_([t.id for t in tasks]))
            .order_by(AssignmentDecision.id)
        ).all()
        events = session.scalars(
            select(Event)
            .where(Event.record_id == record_id, Event.form_key == FORM)
            .order_by(Event.id)
        ).all()
        record = load_form_runtime(session, APP, FORM).store.get(session, record_id)
    return {
        "instance": (instance.state, instance.outcome, instance.moves),
        "tasks": [
            (t.node_key, t.state, names.get(t.assignee_id), t.pool, t.action, t.reason)
            for t in tasks
        ],
        "decisions": [
            (
                d.strategy,
                names.get(d.chosen_id),
                d.reason,
                [{k: v for k, v in c.items() if k != "user_id"} for c in d.candidates],
            )
            for d in decisions
        ],
        "events": [
            (
                e.kind,
                names.get(e.actor_id),
                {k: v for k, v in (e.changes or {}).items() if k not in ("task", "candidates")},
            )
            for e in events
        ],
        "record": (
            record.version,
            record.values["resolution"],
            record.values["satisfaction"],
            names.get(record.values["engineer"]),
        ),
    }


def _reset_load(bench: Bench) -> None:
    """Forget every task so each check starts with the same engineer load and history."""
    with bench.db.transaction() as session:
        session.execute(delete(WorkflowTask))


def check_equal(bench: Bench, spec: Any) -> None:
    shots = {}
    for name, runner in (
        ("servicekit", lambda: servicekit_order(bench)),
        ("hand", lambda: hand_order(bench)),
        ("spiff", lambda: spiff_order(bench, spec)),
    ):
        _reset_load(bench)
        shots[name] = snapshot(bench, runner())
    for name in ("hand", "spiff"):
        for part, expected in shots["servicekit"].items():
            if shots[name][part] != expected:
                raise SystemExit(
                    f"{name} writes differ from ServiceKit in {part}:\n"
                    f"  servicekit: {expected}\n  {name}: {shots[name][part]}"
                )


# --- timing -------------------------------------------------------------------------------
def run(url: str, label: str, orders: int, rounds: int) -> dict[str, float]:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str(BPMN)
    spec = parser.get_spec("work_order")
    with tempfile.TemporaryDirectory() as tmp:
        app = _make_app(url, Path(tmp) / "instance")
        bench = Bench(app)
        check_equal(bench, spec)
        runners: dict[str, Callable[[], Any]] = {
            "servicekit": lambda: servicekit_order(bench),
            "spiff": lambda: spiff_order(bench, spec),
            "hand": lambda: hand_order(bench),
        }
        per_round: dict[str, list[float]] = {name: [] for name in runners}
        per_order = max(1, orders // rounds)
        for _round in range(rounds):
            for name, runner in runners.items():
                started = time.perf_counter()
                for _ in range(per_order):
                    runner()
                elapsed = time.perf_counter() - started
                per_round[name].append(elapsed / (per_order * (len(STEPS) + 1)))
        get_db(app).dispose()
    medians = {name: statistics.median(times) for name, times in per_round.items()}
    print(f"\n{label}: {per_order * rounds} work orders per runner, {len(STEPS) + 1} actions each")
    print(f"{'runner':<12}{'ms/action':>12}{'actions/s':>12}{'vs hand':>10}")
    for name, seconds in medians.items():
        print(
            f"{name:<12}{seconds * 1000:>12.2f}{1 / seconds:>12.0f}"
            f"{seconds / medians['hand']:>9.2f}x"
        )
    print(f"ServiceKit / SpiffWorkflow: {medians['servicekit'] / medians['spiff']:.2f}x")
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", args.orders, args.rounds)
    if args.db in ("postgresql", "both"):
        made = postgres_database()
        if made is None:
            raise SystemExit("set SERVICEKIT_BENCH_POSTGRES_URL for --db postgresql")
        url, drop = made
        try:
            run(url, "PostgreSQL", args.orders, args.rounds)
        finally:
            drop()


if __name__ == "__main__":
    main()
