"""Service operations on a running work order: claim, release, reassign (转交), return (退回),
add a co-signer (加签), comment, cancel, reopen and migrate to a new workflow version.

Each locks the instance like a move, checks who may do it, and writes one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.platform.models import AssignmentDecision, User, WorkflowTask
from servicekit.runtime.forms import Actor
from servicekit.runtime.workflow.dispatch import pool_user_ids
from servicekit.runtime.workflow.engine import _enter, _finish, _Step
from servicekit.runtime.workflow.errors import MoveConflict, MoveRefused, NotAllowed
from servicekit.runtime.workflow.instances import instance_of, recent_events
from servicekit.runtime.workflow.loader import WorkflowRuntime, load_workflow


def _step(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> _Step:
    instance = instance_of(session, workflow.app_key, workflow.form_key, record_id, lock=True)
    return _Step(session, workflow, instance, actor, now, tz)


def _open_task(step: _Step, task_id: int) -> WorkflowTask:
    task = step.session.get(WorkflowTask, task_id, populate_existing=True)
    if task is None or task.instance_id != step.instance.id or task.kind == "join":
        raise NotAllowed("This task does not belong to the work order.")
    if task.state != "open":
        raise MoveConflict(
            "This task is no longer open.", happened=recent_events(step.session, step.instance)
        )
    return task


def _is_dispatcher(step: _Step, task: WorkflowTask) -> bool:
    """Admins, supervisors of the pool (anyone in the fallback role) and the assignee manage."""
    actor = step.actor
    return actor.is_admin or task.assignee_id == actor.id or "dispatcher" in actor.roles


def claim(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    task_id: int,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> WorkflowTask:
    """Take a pool task: it becomes the actor's; a second claimer gets :class:`MoveConflict`."""
    step = _step(session, workflow, record_id, actor, now, tz)
    task = _open_task(step, task_id)
    if task.assignee_id is not None:
        raise MoveConflict(
            "Someone already claimed this task.", happened=recent_events(session, step.instance)
        )
    if not actor.is_admin and actor.id not in pool_user_ids(session, task.pool, workflow.app_key):
        raise NotAllowed("Only members of the task's pool may claim it.")
    session.execute(
        update(WorkflowTask)
        .where(WorkflowTask.id == task.id, WorkflowTask.assignee_id.is_(None))
        .values(assignee_id=actor.id, claimed_at=now)
    )
    session.refresh(task)
    step.event("claimed", node=task.node_key, task=task.id, assignee=actor.id)
    return task


def release(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    task_id: int,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> WorkflowTask:
    """Give a claimed pool task back to its pool."""
    step = _step(session, workflow, record_id, actor, now, tz)
    task = _open_task(step, task_id)
    if task.pool is None:
        raise MoveRefused("This task has no pool to go back to; reassign it instead.")
    if task.assignee_id != actor.id and not actor.is_admin:
        raise NotAllowed("Only the person holding the task may release it.")
    task.assignee_id = None
    task.claimed_at = None
    session.flush()
    step.event("released", node=task.node_key, task=task.id, pool=task.pool)
    return task


def reassign(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    task_id: int,
    user_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> WorkflowTask:
    """Hand a task to another active user (转交) with a reason."""
    step = _step(session, workflow, record_id, actor, now, tz)
    task = _open_task(step, task_id)
    if not _is_dispatcher(step, task):
        raise NotAllowed("Only the task's holder, a dispatcher or an admin may reassign it.")
    if not reason.strip():
        raise MoveRefused("Give a reason for the reassignment.")
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise MoveRefused("Choose an active user.")
    before = task.assignee_id
    task.assignee_id = user.id
    task.claimed_at = now
    task.reason = f"reassigned to {user.display_name}: {reason.strip()}"
    session.add(
        AssignmentDecision(
            task_id=task.id,
            strategy="reassign",
            chosen_id=user.id,
            candidates=[{"user_id": user.id, "name": user.display_name}],
            reason=task.reason,
            at=now,
        )
    )
    session.flush()
    step.event(
        "reassigned",
        node=task.node_key,
        task=task.id,
        before=before,
        assignee=user.id,
        reason=reason,
    )
    return task


def return_to(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    task_id: int,
    node_key: str,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> list[WorkflowTask]:
    """Send the work order back to an earlier task node it passed (退回), with a reason."""
    step = _step(session, workflow, record_id, actor, now, tz)
    task = _open_task(step, task_id)
    if not (actor.is_admin or task.assignee_id == actor.id or task.assignee_id is None):
        raise NotAllowed("Only the person holding the task may return it.")
    if not reason.strip():
        raise MoveRefused("Give a reason for returning the work order.")
    target = workflow.definition.nodes.get(node_key)
    passed = session.scalar(
        select(WorkflowTask.id).where(
            WorkflowTask.instance_id == step.instance.id,
            WorkflowTask.node_key == node_key,
            WorkflowTask.state == "completed",
        )
    )
    if target is None or not target.is_person or passed is None:
        raise MoveRefused(f"The work order has not passed a task node '{node_key}'.")
    task.state = "completed"
    task.action = "return"
    task.comment = reason
    task.completed_at = now
    task.completed_by = actor.id
    session.flush()
    step.event("returned", **{"from": task.node_key, "to": node_key}, reason=reason, task=task.id)
    _enter(step, target, task.token)
    return _open(session, step)


def add_cosigner(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    task_id: int,
    user_id: int,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> WorkflowTask:
    """Add one more voter to an open approval (加签)."""
    step = _step(session, workflow, record_id, actor, now, tz)
    task = _open_task(step, task_id)
    if task.kind != "approval":
        raise MoveRefused("Co-signers can only be added to an approval.")
    if not (actor.is_admin or task.assignee_id == actor.id):
        raise NotAllowed("Only an approver may add a co-signer.")
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise MoveRefused("Choose an active user.")
    added = WorkflowTask(
        instance_id=task.instance_id,
        app_key=task.app_key,
        form_key=task.form_key,
        record_id=task.record_id,
        node_key=task.node_key,
        kind="approval",
        state="open",
        token=task.token,
        group_key=task.group_key,
        assignee_id=user.id,
        pool=task.pool,
        reason=f"co-signer added by {actor.id}",
        created_at=now,
    )
    session.add(added)
    session.flush()
    step.event("cosigner_added", node=task.node_key, task=added.id, assignee=user.id)
    return added


def comment(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    text: str,
    *,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Add a comment to the work order's history."""
    if not text.strip():
        raise MoveRefused("The comment is empty.")
    step = _step(session, workflow, record_id, actor, now, tz)
    step.event("commented", text=text.strip()[:4000])


def cancel(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Cancel the work order: open tasks close and the outcome becomes ``cancelled``."""
    step = _step(session, workflow, record_id, actor, now, tz)
    if step.instance.state != "active":
        raise MoveConflict(
            "The work order is already closed.", happened=recent_events(session, step.instance)
        )
    if not (actor.is_admin or {"supervisor", "dispatcher"} & set(actor.roles)):
        raise NotAllowed("Only a dispatcher, a supervisor or an admin may cancel a work order.")
    end = next(
        (
            n
            for n in workflow.definition.nodes.values()
            if n.kind == "end" and n.outcome == "cancelled"
        ),
        None,
    )
    step.event("cancelled", reason=reason)
    if end is not None:
        _finish(step, end)
    else:
        step.session.execute(
            update(WorkflowTask)
            .where(WorkflowTask.instance_id == step.instance.id, WorkflowTask.state == "open")
            .values(state="cancelled", completed_at=now)
        )
        step.instance.state = "closed"
        step.instance.ended_at = now
    step.instance.outcome = "cancelled"
    session.flush()


def reopen(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> list[WorkflowTask]:
    """Reopen a closed work order at the node the workflow names for reopening."""
    step = _step(session, workflow, record_id, actor, now, tz)
    if step.instance.state == "active":
        raise MoveConflict(
            "The work order is still open.", happened=recent_events(session, step.instance)
        )
    definition = _definition_of(session, workflow, step)
    target = definition.definition.nodes.get(definition.definition.reopen or "")
    if target is None:
        raise MoveRefused("This workflow names no node for reopening.")
    step.workflow = definition
    step.instance.state = "active"
    step.instance.outcome = None
    step.instance.ended_at = None
    step.event("reopened", to=target.key, reason=reason)
    _enter(step, target, "")
    return _open(session, step)


def migrate(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    *,
    mapping: Mapping[str, str] | None = None,
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Move a running work order to ``workflow``'s version (admins only).

    Every open task's node must exist in the new version, or ``mapping`` must name its
    replacement; otherwise :class:`MoveRefused` lists the nodes without a home.
    """
    if not actor.is_admin:
        raise NotAllowed("Only an admin may migrate work orders.")
    step = _step(session, workflow, record_id, actor, now, tz)
    mapping = dict(mapping or {})
    tasks = _open(session, step)
    homeless = sorted(
        {
            t.node_key
            for t in tasks
            if mapping.get(t.node_key, t.node_key) not in workflow.definition.nodes
        }
    )
    if homeless:
        raise MoveRefused(
            "These active nodes do not exist in the new version; map each to a node: "
            + ", ".join(homeless)
        )
    before = step.instance.workflow_version
    for task in tasks:
        task.node_key = mapping.get(task.node_key, task.node_key)
    step.instance.workflow_key = workflow.definition.key
    step.instance.workflow_version = workflow.definition.version
    session.flush()
    step.event(
        "migrated", before=before, after=workflow.definition.version, mapping=mapping or None
    )


def _definition_of(session: Session, workflow: WorkflowRuntime, step: _Step) -> WorkflowRuntime:
    """The workflow version the instance runs on (it may be older than ``workflow``)."""
    instance = step.instance
    if (
        instance.workflow_key == workflow.definition.key
        and instance.workflow_version == workflow.definition.version
    ):
        return workflow
    return load_workflow(
        session,
        workflow.app_key,
        workflow.form_key,
        key=instance.workflow_key,
        version=instance.workflow_version,
    )


def _open(session: Session, step: _Step) -> list[WorkflowTask]:
    from servicekit.runtime.workflow.instances import open_tasks

    return open_tasks(session, step.instance)
