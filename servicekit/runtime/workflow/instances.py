"""Finding a work order's workflow: its instance row, its open tasks, the version it runs on,
and its latest workflow events — for the engine, the operations and the pages and API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import Event, WorkflowInstance, WorkflowTask
from servicekit.runtime.workflow.errors import WorkflowNotFound
from servicekit.runtime.workflow.loader import WorkflowRuntime, load_workflow


def instance_of(
    session: Session, app_key: str, form_key: str, record_id: int, *, lock: bool = False
) -> WorkflowInstance:
    """The record's workflow instance (locked ``FOR UPDATE`` when ``lock``)."""
    query = select(WorkflowInstance).where(
        WorkflowInstance.app_key == app_key,
        WorkflowInstance.form_key == form_key,
        WorkflowInstance.record_id == record_id,
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    instance = session.scalar(query)
    if instance is None:
        raise WorkflowNotFound(f"Record {record_id} has no running workflow.")
    return instance


def open_tasks(session: Session, instance: WorkflowInstance) -> list[WorkflowTask]:
    """The instance's open person tasks, oldest first."""
    return list(
        session.scalars(
            select(WorkflowTask)
            .where(
                WorkflowTask.instance_id == instance.id,
                WorkflowTask.state == "open",
                WorkflowTask.kind != "join",
            )
            .order_by(WorkflowTask.id)
            .execution_options(populate_existing=True)
        )
    )


def workflow_for(session: Session, app_key: str, form_key: str, record_id: int) -> WorkflowRuntime:
    """The workflow version a record's work order runs on (it stays on its start version)."""
    instance = instance_of(session, app_key, form_key, record_id)
    return load_workflow(
        session,
        app_key,
        form_key,
        key=instance.workflow_key,
        version=instance.workflow_version,
    )


def recent_events(
    session: Session, instance: WorkflowInstance, limit: int = 5
) -> list[dict[str, Any]]:
    """The latest workflow events of a work order, for a 409 answer."""
    events = session.scalars(
        select(Event)
        .where(
            Event.app_key == instance.app_key,
            Event.form_key == instance.form_key,
            Event.record_id == instance.record_id,
            Event.kind.like("workflow.%"),
        )
        .order_by(Event.id.desc())
        .limit(limit)
    )
    return [
        {
            "kind": e.kind.removeprefix("workflow."),
            "by": e.actor_id,
            "at": e.at.isoformat(),
            **(e.changes or {}),
        }
        for e in events
    ]
