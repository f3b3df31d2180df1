"""Moving work orders through a workflow: start, act, and the automatic steps in between.

Every public function works in the caller's transaction and first locks the work order's
instance row, so moves on one work order run one after another: a second person taking
the same action finds the task closed and gets :class:`MoveConflict`, and a join counts
its arrived branches without races. Side effects go to the outbox (see ``outbox``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.platform.models import (
    AssignmentDecision,
    Event,
    User,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.platform.storage.messages import N_, FieldError
from servicekit.runtime.forms import (
    Actor,
    Context,
    Record,
    StaleRecord,
)
from servicekit.runtime.workflow.actions import ActionContext, run_actions
from servicekit.runtime.workflow.definition import APPROVE, REJECT, EdgeDef, NodeDef
from servicekit.runtime.workflow.dispatch import Decision, decide
from servicekit.runtime.workflow.errors import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    WorkflowError,
)
from servicekit.runtime.workflow.instances import instance_of, open_tasks, recent_events
from servicekit.runtime.workflow.loader import WorkflowRuntime
from servicekit.runtime.workflow.rights import field_rights, guard_holds, may_act

MAX_AUTOMATIC_STEPS = 200


@dataclass
class MoveResult:
    """What a move did: the record after it, the tasks now open, and the events written."""

    record: Record
    tasks: list[WorkflowTask]
    events: list[Event] = field(default_factory=list)


@dataclass
class _Step:
    """The state of one operation: session, workflow, instance, actor, clock and zone."""

    session: Session
    workflow: WorkflowRuntime
    instance: WorkflowInstance
    actor: Actor
    now: datetime
    tz: ZoneInfo
    events: list[Event] = field(default_factory=list)
    steps: int = 0

    @property
    def record_id(self) -> int:
        return self.instance.record_id

    def event(self, kind: str, **changes: Any) -> Event:
        event = Event(
            app_key=self.instance.app_key,
            form_key=self.instance.form_key,
            record_id=self.instance.record_id,
            kind=f"workflow.{kind}",
            actor_id=self.actor.id,
            at=self.now,
            changes=changes,
        )
        self.session.add(event)
        self.session.flush()
        self.events.append(event)
        return event

    def actions(self, node: NodeDef, hook: str, extra: Mapping[str, Any]) -> None:
        actions = getattr(node, hook)
        if actions:
            ctx = ActionContext(
                self.session,
                self.workflow,
                self.record_id,
                self.actor,
                self.now,
                self.tz,
                extra={"event": hook, "node": node.key, **extra},
            )
            run_actions(ctx, actions)

    def values(self) -> dict[str, Any]:
        store = self.workflow.form.store
        return store.rule_values(self.session, store.get(self.session, self.record_id).values)


# starting ----------------------------------------------------------------------------------
def start(
    session: Session,
    workflow: WorkflowRuntime,
    record: Record,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> WorkflowInstance:
    """Start ``workflow`` for a just-created ``record``: follow the start edge and open tasks."""
    definition = workflow.definition
    instance = WorkflowInstance(
        app_key=workflow.app_key,
        form_key=workflow.form_key,
        record_id=record.id,
        workflow_key=definition.key,
        workflow_version=definition.version,
        state="active",
        moves=0,
        started_at=now,
    )
    session.add(instance)
    session.flush()
    step = _Step(session, workflow, instance, actor, now, tz)
    start_node = definition.start
    edge = definition.outgoing(start_node.key)[0]
    step.event("started", workflow=definition.key, version=definition.version)
    _follow(step, edge, token="")
    return instance


# moving ------------------------------------------------------------------------------------
def move(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
    values: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    comment: str | None = None,
    task_id: int | None = None,
    locale: str = "zh_CN",
) -> MoveResult:
    """Take ``action`` on the record's open task, in the caller's transaction.

    Checks, in order: an open task offers the action (else :class:`MoveConflict`), the
    actor may take it (:class:`NotAllowed`), the record is still at ``expected_version``
    (``StaleRecord``), only fields editable at the node changed, the guard holds with the
    new values, a comment is given where needed and required fields are filled
    (:class:`MoveRefused`). Then writes the values, closes the task and moves on.
    """
    instance = instance_of(session, workflow.app_key, workflow.form_key, record_id, lock=True)
    step = _Step(session, workflow, instance, actor, now, tz)
    if instance.state != "active":
        raise MoveConflict(
            "The work order is closed; reopen it first.", happened=recent_events(session, instance)
        )
    task = _task_for(step, action, task_id)
    node = workflow.definition.nodes[task.node_key]
    store = workflow.form.store
    record = store.get(session, record_id)
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(record, store.changes_since(session, record_id, expected_version))
    edge = workflow.definition.edge(node.key, action)
    assert edge is not None  # _task_for found it
    changes = _checked_changes(step, node, record, dict(values or {}))
    merged = store.rule_values(session, {**record.values, **changes})
    if node.kind != "approval" and not guard_holds(workflow, edge, merged, actor, now, tz):
        raise MoveRefused(
            f"The action '{action}' is not possible now: its condition ({edge.guard}) does not hold.",
            errors=[],
        )
    if edge.comment_required and not (comment or "").strip():
        raise MoveRefused(
            f"The action '{action}' needs a comment.",
            errors=[FieldError("comment", N_("Give a reason."))],
        )
    if not edge.comment_required:
        _check_required(step, node, {**record.values, **changes})
    record = _write(step, record, changes, locale)
    _close_task(step, task, action, comment)
    instance.moves += 1
    if task.kind == "approval":
        outcome = _tally(step, node, task)
        step.event(
            "voted", node=node.key, task=task.id, vote=action, comment=comment, decided=outcome
        )
        if outcome is None:
            return MoveResult(
                store.get(session, record_id), open_tasks(session, instance), step.events
            )
        edge = workflow.definition.edge(node.key, outcome)
        assert edge is not None
    step.actions(node, "on_leave", {"action": edge.key})
    _follow(step, edge, token=task.token, comment=comment)
    return MoveResult(store.get(session, record_id), open_tasks(session, instance), step.events)


def _task_for(step: _Step, action: str, task_id: int | None) -> WorkflowTask:
    definition = step.workflow.definition
    offering = [
        task
        for task in open_tasks(step.session, step.instance)
        if definition.edge(task.node_key, action) is not None
        and (task_id is None or task.id == task_id)
    ]
    if not offering:
        raise MoveConflict(
            f"No open task of this work order offers the action '{action}'; "
            "someone may have acted first. Reload to see what happened.",
            happened=recent_events(step.session, step.instance),
        )
    mine = [t for t in offering if may_act(step.session, step.workflow, t, action, step.actor)]
    if not mine:
        raise NotAllowed(f"You may not take the action '{action}' here.")
    # An approver votes on their own task before a pool task.
    mine.sort(key=lambda t: (t.assignee_id != step.actor.id, t.id))
    return mine[0]


def _checked_changes(
    step: _Step, node: NodeDef, record: Record, values: dict[str, Any]
) -> dict[str, Any]:
    """The posted values that differ, refused if any is not editable at ``node``."""
    rights = field_rights(step.workflow, node.key, step.actor)
    errors = []
    changes = {}
    for key, value in values.items():
        if key not in rights:
            errors.append(FieldError(key, N_("This field does not exist.")))
            continue
        if record.values.get(key) == value:
            continue
        if rights[key] not in ("editable", "required"):
            errors.append(FieldError(key, N_("This field is read-only at this step.")))
            continue
        changes[key] = value
    if errors:
        raise MoveRefused("Some fields may not be changed at this step.", errors=errors)
    return changes


def _check_required(step: _Step, node: NodeDef, values: Mapping[str, Any]) -> None:
    rights = field_rights(step.workflow, node.key, step.actor)
    missing = [
        FieldError(key, N_("Fill in this field to continue."))
        for key, right in rights.items()
        if right == "required" and values.get(key) in (None, "", [])
    ]
    if missing:
        raise MoveRefused("Fill in the required fields first.", errors=missing)


def _write(step: _Step, record: Record, changes: dict[str, Any], locale: str) -> Record:
    """Store the changed values (or just bump the version), refusing a stale record."""
    store = step.workflow.form.store
    if changes:
        return store.update(
            step.session,
            record.id,
            changes,
            Context(now=step.now, tz=step.tz, user=dict(step.actor.rule_user)),
            expected_version=record.version,
            actor_id=step.actor.id,
            locale=locale,
        )
    result = step.session.execute(
        update(store.table)
        .where(store.table.c.id == record.id, store.table.c.version == record.version)
        .values(version=record.version + 1, updated_at=step.now, updated_by=step.actor.id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = store.get(step.session, record.id)
        raise StaleRecord(current, store.changes_since(step.session, record.id, record.version))
    return store.get(step.session, record.id)


def _close_task(step: _Step, task: WorkflowTask, action: str, comment: str | None) -> None:
    result = step.session.execute(
        update(WorkflowTask)
        .where(WorkflowTask.id == task.id, WorkflowTask.state == "open")
        .values(
            state="completed",
            action=action,
            comment=comment,
            completed_at=step.now,
            completed_by=step.actor.id,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # Only reachable without the instance lock (SQLite has none): never complete twice.
        raise MoveConflict(
            "This task was completed by someone else.",
            happened=recent_events(step.session, step.instance),
        )
    step.session.refresh(task)


def _tally(step: _Step, node: NodeDef, task: WorkflowTask) -> str | None:
    """``approve`` or ``reject`` once the approval's votes decide it, else ``None``."""
    votes = list(
        step.session.scalars(
            select(WorkflowTask).where(
                WorkflowTask.instance_id == step.instance.id,
                WorkflowTask.group_key == task.group_key,
                WorkflowTask.state.in_(("open", "completed")),
            )
        )
    )
    total = len(votes)
    approvals = sum(1 for v in votes if v.state == "completed" and v.action == APPROVE)
    rejections = sum(1 for v in votes if v.state == "completed" and v.action == REJECT)
    outcome: str | None = None
    if node.mode == "any":
        outcome = task.action
    elif node.mode == "all":
        outcome = REJECT if rejections else (APPROVE if approvals == total else None)
    else:
        needed = node.threshold or 1
        if node.mode == "percent":
            needed = total * needed / 100
        if approvals >= needed:
            outcome = APPROVE
        elif total - rejections < needed:
            outcome = REJECT
    if outcome is not None:
        step.session.execute(
            update(WorkflowTask)
            .where(
                WorkflowTask.instance_id == step.instance.id,
                WorkflowTask.group_key == task.group_key,
                WorkflowTask.state == "open",
            )
            .values(state="cancelled", completed_at=step.now)
        )
    return outcome


# following edges ---------------------------------------------------------------------------
def _follow(step: _Step, edge: EdgeDef, *, token: str, comment: str | None = None) -> None:
    """Log the move along ``edge`` and enter its target."""
    definition = step.workflow.definition
    target = definition.nodes[edge.target]
    step.event(
        "moved",
        action=edge.key,
        **{"from": edge.source, "to": edge.target},
        outcome=target.outcome if target.kind == "end" else None,
        comment=comment,
    )
    _enter(step, target, token)


def _enter(step: _Step, node: NodeDef, token: str) -> None:
    step.steps += 1
    if step.steps > MAX_AUTOMATIC_STEPS:
        raise WorkflowError(
            f"The workflow ran {MAX_AUTOMATIC_STEPS} automatic steps without reaching a task; "
            f"check the conditions around node '{node.key}'."
        )
    definition = step.workflow.definition
    if node.kind == "end":
        _finish(step, node)
    elif node.is_person:
        _open_tasks(step, node, token)
        step.actions(node, "on_enter", {})
    elif node.kind == "exclusive":
        _follow(step, _choose(step, node), token=token)
    elif node.kind == "action":
        step.actions(node, "on_enter", {})
        _follow(step, _choose(step, node), token=token)
    elif node.kind == "parallel_split":
        branches = definition.outgoing(node.key)
        group = uuid.uuid4().hex[:12]
        for number, edge in enumerate(branches):
            child = f"{token}/{node.key}.{group}.{number}.{len(branches)}".lstrip("/")
            _follow(step, edge, token=child)
    elif node.kind == "parallel_join":
        _arrive(step, node, token)
    else:  # a second start node cannot pass the static checks
        raise WorkflowError(f"Node '{node.key}' of kind {node.kind} cannot be entered.")


def _choose(step: _Step, node: NodeDef) -> EdgeDef:
    """The first outgoing edge whose guard holds, else the default one."""
    values = step.values()
    edges = step.workflow.definition.outgoing(node.key)
    for edge in edges:
        if edge.default:
            continue
        if guard_holds(step.workflow, edge, values, step.actor, step.now, step.tz):
            return edge
    fallback = next((e for e in edges if e.default), None)
    if fallback is None and len(edges) == 1 and not edges[0].guard:
        fallback = edges[0]
    if fallback is None:
        raise WorkflowError(
            f"No outgoing edge of node '{node.key}' applies and none is the default."
        )
    return fallback


def _arrive(step: _Step, node: NodeDef, token: str) -> None:
    """A branch reached a join; the last of its split's branches carries on."""
    parent, _, segment = token.rpartition("/")
    split_key, group, _number, count = segment.rsplit(".", 3)
    step.session.add(
        WorkflowTask(
            instance_id=step.instance.id,
            app_key=step.instance.app_key,
            form_key=step.instance.form_key,
            record_id=step.instance.record_id,
            node_key=node.key,
            kind="join",
            state="arrived",
            token=token,
            created_at=step.now,
        )
    )
    step.session.flush()
    prefix = f"{parent}/{split_key}.{group}.".lstrip("/")
    arrived = [
        t
        for t in step.session.scalars(
            select(WorkflowTask).where(
                WorkflowTask.instance_id == step.instance.id,
                WorkflowTask.node_key == node.key,
                WorkflowTask.state == "arrived",
            )
        )
        if t.token.startswith(prefix)
    ]
    if len({t.token for t in arrived}) < int(count):
        return
    for task in arrived:
        task.state = "completed"
        task.completed_at = step.now
    step.session.flush()
    edges = step.workflow.definition.outgoing(node.key)
    _follow(step, edges[0] if len(edges) == 1 else _choose(step, node), token=parent)


def _finish(step: _Step, node: NodeDef) -> None:
    """An end node closes the work order and cancels whatever else was still open."""
    step.session.execute(
        update(WorkflowTask)
        .where(WorkflowTask.instance_id == step.instance.id, WorkflowTask.state == "open")
        .values(state="cancelled", completed_at=step.now)
    )
    step.instance.state = "closed"
    step.instance.outcome = node.outcome or "resolved"
    step.instance.ended_at = step.now
    step.session.flush()


def _open_tasks(step: _Step, node: NodeDef, token: str) -> list[WorkflowTask]:
    """Open the node's task (one per voter at an approval) and record the assignment."""
    rule = node.assignment or {"strategy": "pool"}
    decision = _back_to_previous(step, node) if node.kind == "task" else None
    if decision is None:
        decision = decide(
            step.session,
            rule,
            step.values(),
            app_key=step.instance.app_key,
            scope=f"{step.instance.app_key}.{step.workflow.definition.key}.{node.key}",
            many=node.kind == "approval",
        )
    group = uuid.uuid4().hex[:12] if node.kind == "approval" else None
    assignees: list[int | None] = list(decision.assignees) or [None]
    tasks = []
    for assignee in assignees:
        task = WorkflowTask(
            instance_id=step.instance.id,
            app_key=step.instance.app_key,
            form_key=step.instance.form_key,
            record_id=step.instance.record_id,
            node_key=node.key,
            kind=node.kind,
            state="open",
            token=token,
            group_key=group,
            assignee_id=assignee,
            pool=decision.pool or _pool_of(rule),
            reason=decision.reason,
            created_at=step.now,
        )
        step.session.add(task)
        step.session.flush()
        step.session.add(
            AssignmentDecision(
                task_id=task.id,
                strategy=decision.strategy,
                chosen_id=assignee,
                candidates=decision.candidates,
                reason=decision.reason,
                at=step.now,
            )
        )
        step.event(
            "assigned",
            node=node.key,
            task=task.id,
            assignee=assignee,
            pool=task.pool,
            candidates=[c["user_id"] for c in decision.candidates],
            reason=decision.reason,
        )
        tasks.append(task)
    set_field = rule.get("set_field")
    if set_field and decision.assignees and node.kind == "task":
        store = step.workflow.form.store
        record = store.get(step.session, step.record_id)
        if record.values.get(set_field) != decision.assignees[0]:
            store.update(
                step.session,
                step.record_id,
                {set_field: decision.assignees[0]},
                Context(now=step.now, tz=step.tz, user=dict(step.actor.rule_user)),
                expected_version=record.version,
                actor_id=step.actor.id,
            )
    return tasks


def _back_to_previous(step: _Step, node: NodeDef) -> Decision | None:
    """Work that comes back to a step (退回, reopen) goes to whoever did that step last."""
    previous = step.session.scalar(
        select(User)
        .join(WorkflowTask, WorkflowTask.completed_by == User.id)
        .where(
            WorkflowTask.instance_id == step.instance.id,
            WorkflowTask.node_key == node.key,
            WorkflowTask.state == "completed",
            User.active.is_(True),
        )
        .order_by(WorkflowTask.id.desc())
        .limit(1)
    )
    if previous is None:
        return None
    return Decision(
        "previous",
        assignees=[previous.id],
        candidates=[{"user_id": previous.id, "name": previous.display_name}],
        reason=f"assigned to {previous.display_name}: did this step before",
    )


def _pool_of(rule: Mapping[str, Any]) -> str | None:
    if rule.get("role"):
        return f"role:{rule['role']}"
    if rule.get("team"):
        return f"team:{rule['team']}"
    return None
