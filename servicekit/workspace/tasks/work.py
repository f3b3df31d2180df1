"""What the task pages and the workflow API share: finding a work order the user may read,
its tasks with labels and reasons, its history, and the inbox queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import label_text
from servicekit.platform.models import (
    AppRoleGrant,
    Event,
    SlaTimer,
    Team,
    TeamMember,
    User,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.runtime.forms import (
    Actor,
    FormNotFound,
    FormRuntime,
    Record,
    RecordNotFound,
    actor_for,
    form_access,
    load_form_runtime,
)
from servicekit.runtime.workflow import WorkflowNotFound, WorkflowRuntime, workflow_for


class NoSuchWork(LookupError):
    """The record does not exist, the user may not read it, or it has no workflow."""


@dataclass
class WorkOrder:
    """A record the user may read, with its workflow and the user as an actor."""

    runtime: FormRuntime
    workflow: WorkflowRuntime
    record: Record
    actor: Actor
    instance: WorkflowInstance


def load_work_order(
    session: Session,
    user: User,
    app_key: str,
    form_key: str,
    record_id: int,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> WorkOrder:
    """The work order if ``user`` may read it; raises :class:`NoSuchWork` otherwise."""
    try:
        runtime = load_form_runtime(session, app_key, form_key)
    except FormNotFound:
        raise NoSuchWork(record_id) from None
    actor = actor_for(user, app_key)
    access = form_access(runtime.form, actor)
    table = runtime.source.table
    condition = access.record_filter(
        "read", runtime.source, now=now, tz=tz, forms=runtime.app.fields
    )
    visible = session.scalar(
        select(table.c.id).where(table.c.id == record_id, table.c.deleted.is_(False), condition)
    )
    # The person holding a task on the record may always see it.
    holds = session.scalar(
        select(WorkflowTask.id).where(
            WorkflowTask.app_key == app_key,
            WorkflowTask.form_key == form_key,
            WorkflowTask.record_id == record_id,
            WorkflowTask.assignee_id == user.id,
        )
    )
    if visible is None and holds is None:
        raise NoSuchWork(record_id)
    try:
        record = runtime.store.get(session, record_id)
        workflow = workflow_for(session, app_key, form_key, record_id)
    except (RecordNotFound, WorkflowNotFound):
        raise NoSuchWork(record_id) from None
    instance = session.scalar(
        select(WorkflowInstance).where(
            WorkflowInstance.app_key == app_key,
            WorkflowInstance.form_key == form_key,
            WorkflowInstance.record_id == record_id,
        )
    )
    assert instance is not None
    return WorkOrder(runtime, workflow, record, actor, instance)


def user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    )


def node_label(workflow: WorkflowRuntime, key: str, locale: str) -> str:
    node = workflow.definition.nodes.get(key)
    if node is None or not node.label:
        return key
    return label_text(node.label, locale) or key


def task_rows(
    session: Session, work: WorkOrder, locale: str, *, state: str = "open"
) -> list[dict[str, Any]]:
    """The work order's tasks as plain data (for JSON and templates)."""
    tasks = list(
        session.scalars(
            select(WorkflowTask)
            .where(
                WorkflowTask.instance_id == work.instance.id,
                WorkflowTask.state == state,
                WorkflowTask.kind != "join",
            )
            .order_by(WorkflowTask.id)
        )
    )
    names = user_names(session, {t.assignee_id for t in tasks})
    return [
        {
            "id": t.id,
            "node": t.node_key,
            "node_label": node_label(work.workflow, t.node_key, locale),
            "kind": t.kind,
            "state": t.state,
            "assignee": t.assignee_id,
            "assignee_name": names.get(t.assignee_id) if t.assignee_id else None,
            "pool": t.pool,
            "reason": t.reason,
            "created_at": t.created_at.isoformat(),
            "claimed_at": t.claimed_at.isoformat() if t.claimed_at else None,
            "due_at": t.due_at.isoformat() if t.due_at else None,
        }
        for t in tasks
    ]


def history_rows(session: Session, work: WorkOrder) -> list[dict[str, Any]]:
    """Record and workflow events of the work order, oldest first, with actor names."""
    events = list(
        session.scalars(
            select(Event)
            .where(
                Event.app_key == work.instance.app_key,
                Event.form_key == work.instance.form_key,
                Event.record_id == work.record.id,
            )
            .order_by(Event.id)
        )
    )
    names = user_names(session, {e.actor_id for e in events})
    hidden = form_access(work.runtime.form, work.actor).hidden
    rows = []
    for event in events:
        changes = dict(event.changes or {})
        if isinstance(changes.get("fields"), dict):
            changes["fields"] = {k: v for k, v in changes["fields"].items() if k not in hidden}
        rows.append(
            {
                "id": event.id,
                "kind": event.kind,
                "actor": event.actor_id,
                "actor_name": names.get(event.actor_id) if event.actor_id else None,
                "at": event.at.isoformat(),
                "changes": changes,
            }
        )
    return rows


def progress(
    work: WorkOrder, history: list[dict[str, Any]], open_nodes: set[str]
) -> list[dict[str, Any]]:
    """Person and end nodes in graph order, each ``done``, ``current`` or ``todo``."""
    passed = {row["changes"].get("from") for row in history if row["kind"] == "workflow.moved"}
    reached = {row["changes"].get("to") for row in history if row["kind"] == "workflow.moved"}
    out = []
    for node in sorted(work.workflow.definition.nodes.values(), key=lambda n: n.index):
        if not (node.is_person or node.kind == "end"):
            continue
        if node.key in open_nodes:
            state = "current"
        elif node.key in passed or (node.kind == "end" and node.key in reached):
            state = "done"
        else:
            state = "todo"
        out.append({"key": node.key, "label": node.label, "state": state})
    return out


def _my_pools(session: Session, user: User) -> Any:
    """A SQL condition: the task sits unclaimed in a role or team pool of ``user``."""
    grants = session.execute(
        select(AppRoleGrant.app_key, AppRoleGrant.role).where(AppRoleGrant.user_id == user.id)
    ).all()
    teams = list(
        session.scalars(
            select(Team.key)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
        )
    )
    parts = [
        and_(WorkflowTask.app_key == app_key, WorkflowTask.pool == f"role:{role}")
        for app_key, role in grants
    ]
    if teams:
        parts.append(WorkflowTask.pool.in_([f"team:{key}" for key in teams]))
    if not parts:
        return false()
    return and_(WorkflowTask.assignee_id.is_(None), or_(*parts))


def inbox(
    session: Session, user: User, *, team: bool = False, limit: int = 200
) -> list[tuple[WorkflowTask, datetime | None]]:
    """Open tasks for the inbox: mine and my pools', or (``team``) my team mates'.

    Each comes with when it is due: the sooner of the task's own due time (a node's time
    limit) and the soonest due time of its work order's running SLA clocks. Overdue work
    comes first, then by due time; work without a due time last, oldest first.
    """
    condition: Any
    if team:
        mates = select(TeamMember.user_id).where(
            TeamMember.team_id.in_(select(TeamMember.team_id).where(TeamMember.user_id == user.id))
        )
        condition = and_(WorkflowTask.assignee_id.in_(mates), WorkflowTask.assignee_id != user.id)
    else:
        condition = or_(WorkflowTask.assignee_id == user.id, _my_pools(session, user))
    clocks = (
        select(
            SlaTimer.app_key,
            SlaTimer.form_key,
            SlaTimer.record_id,
            func.min(SlaTimer.due_at).label("due_at"),
        )
        .where(SlaTimer.closed_at.is_(None), SlaTimer.paused_since.is_(None))
        .group_by(SlaTimer.app_key, SlaTimer.form_key, SlaTimer.record_id)
        .subquery("clocks")
    )
    task_due, sla_due = WorkflowTask.due_at, clocks.c.due_at
    due = case(
        (task_due.is_(None), sla_due),
        (sla_due.is_(None), task_due),
        (sla_due < task_due, sla_due),
        else_=task_due,
    )
    rows = session.execute(
        select(WorkflowTask, due.label("due"))
        .outerjoin(
            clocks,
            and_(
                clocks.c.app_key == WorkflowTask.app_key,
                clocks.c.form_key == WorkflowTask.form_key,
                clocks.c.record_id == WorkflowTask.record_id,
            ),
        )
        .where(WorkflowTask.state == "open", WorkflowTask.kind != "join", condition)
        .order_by(due.is_(None), due, WorkflowTask.created_at, WorkflowTask.id)
        .limit(limit)
    )
    return [(task, moment) for task, moment in rows]
