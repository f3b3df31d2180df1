"""The hand-written baseline of the workflow benchmark: a transition table, and a writer that
makes by hand exactly the rows ServiceKit's engine writes (the SpiffWorkflow runner uses the
writer too)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bench.workflow_setup import APP, FORM, STEPS, Bench, assignee_login
from servicekit.platform.models import (
    AppRoleGrant,
    AssignmentDecision,
    Event,
    User,
    UserSkill,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.runtime.forms import load_form_runtime

# The hand-written machine's transition table: (node, action or gateway edge) -> next node.
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

    def parts_cost(self) -> Decimal | int:
        """What the work order's parts cost, which the cost gateway compares with 1000."""
        record = self.runtime.store.get(self.session, self.record_id)
        return sum(r["qty"] * r["unit_price"] for r in record.values["parts"] or [])

    def finish(self, instance: WorkflowInstance) -> None:
        instance.state = "closed"
        instance.outcome = "resolved"
        instance.ended_at = self.now
        self.session.flush()


def begin(bench: Bench, session: Session, record_id: int) -> None:
    """Start a work order's instance and open its first task, as both baselines do, in the
    transaction that created the work order (as ServiceKit's record-created hook does)."""
    writer = HandWriter(bench, session, record_id, "agent1")
    instance = writer.start()
    writer.moved("begin", "start", "accept")
    writer.open(instance, "accept")


def writer_for(
    bench: Bench, session: Session, record_id: int, login: str | None, engineer: str | None
) -> tuple[HandWriter, str | None]:
    """The writer acting for ``login`` (or the assigned engineer), and that engineer."""
    if login is None:
        engineer = engineer or assignee_login(bench, session, record_id)
    return HandWriter(bench, session, record_id, login or engineer), engineer


# decide(writer, node, action): after ``action`` closed the task at ``node``, write the moves
# taken and return the next user task's node, or "closed" at the end.
Decide = Callable[[HandWriter, str, str], str]


def run_order(bench: Bench, decide: Decide) -> int:
    """Create a work order without ServiceKit's workflow and take it through ``STEPS``, each
    action in its own transaction; ``decide`` picks where the workflow goes after each."""
    record_id = bench.create(
        start=False, then=lambda session, new_id: begin(bench, session, new_id)
    )
    engineer = None
    for action, login, values in STEPS:
        with bench.db.transaction() as session:
            writer, engineer = writer_for(bench, session, record_id, login, engineer)
            instance = writer.instance()
            node = writer.take(instance, action, dict(values))
            target = decide(writer, node, action)
            if target == "closed":
                writer.finish(instance)
            else:
                writer.open(instance, target)
    return record_id


def _by_table(writer: HandWriter, node: str, action: str) -> str:
    target = TRANSITIONS[(node, action)]
    writer.moved(action, node, target)
    while target == "check_cost":  # the gateway: parts cost decides
        edge = "needs_review" if writer.parts_cost() > 1000 else "no_review"
        node, target = target, TRANSITIONS[(target, edge)]
        writer.moved(edge, node, target)
    return target


def hand_order(bench: Bench) -> int:
    """The hand-written state machine: the transition table decides, the writer writes."""
    return run_order(bench, _by_table)
