"""The hand-written side of the record benchmarks: a new work order written with plain
SQLAlchemy, and a summary of every row a creation wrote, to check both sides wrote the same.

Creating an after-sales work order writes the record, its business number and its
``record.created`` event, and starts its workflow: the instance, the first move and the
受理 (accept) task in the agents' pool with its assignment decision, each with an event.
ServiceKit's store does all of it (the workflow through its created hook); the baseline
here does the same writes directly, so that the ratio compares the same work.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import (
    AppRoleGrant,
    AssignmentDecision,
    Event,
    User,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.platform.storage import next_number
from servicekit.runtime.forms import load_form_runtime

APP, FORM = "after_sales", "work_order"
POOL_REASON = "pool role:agent: anyone in it may claim"


def order_values(customer: int) -> dict[str, Any]:
    """The values both sides save."""
    return {
        "customer": customer,
        "fault_type": "electrical",
        "priority": "high",
        "description": "压缩机不启动",
        "labor_cost": Decimal("120.00"),
    }


def hand_create(
    session: Session, customer: int, *, actor_id: int | None, now: datetime, tz: ZoneInfo
) -> int:
    """Check, number, insert, log and start the workflow of one work order, by hand."""
    runtime = load_form_runtime(session, APP, FORM)
    table = runtime.source.table
    values = order_values(customer)
    if values["labor_cost"] < 0 or not values["description"]:
        raise ValueError("invalid")
    if (
        session.scalar(
            select(runtime.source.lookup("customer").table.c.deleted).where(
                runtime.source.lookup("customer").table.c.id == customer
            )
        )
        is not False
    ):
        raise ValueError("no such customer")
    number = next_number(session, f"{APP}.{FORM}", runtime.form.numbering or {}, now.astimezone(tz))
    record_id = session.execute(
        table.insert().values(
            **values,
            total_cost=values["labor_cost"],
            number=number,
            created_at=now,
            updated_at=now,
            created_by=actor_id,
            updated_by=actor_id,
            version=1,
            deleted=False,
        )
    ).inserted_primary_key[0]
    fields: dict[str, list[Any]] = {k: [None, str(v)] for k, v in values.items()}
    fields.update(customer=[None, customer], total_cost=[None, str(values["labor_cost"])])

    def event(kind: str, changes: dict[str, Any]) -> None:
        session.add(
            Event(
                app_key=APP,
                form_key=FORM,
                record_id=record_id,
                kind=kind,
                actor_id=actor_id,
                at=now,
                changes=changes,
            )
        )
        session.flush()

    event("record.created", {"version": 1, "fields": fields})
    instance = WorkflowInstance(
        app_key=APP,
        form_key=FORM,
        record_id=record_id,
        workflow_key="work_order",
        workflow_version=1,
        state="active",
        moves=0,
        started_at=now,
    )
    session.add(instance)
    session.flush()
    event("workflow.started", {"workflow": "work_order", "version": 1})
    event(
        "workflow.moved",
        {"action": "begin", "from": "start", "to": "accept", "outcome": None, "comment": None},
    )
    members = session.execute(
        select(User.id, User.display_name)
        .join(AppRoleGrant, AppRoleGrant.user_id == User.id)
        .where(AppRoleGrant.app_key == APP, AppRoleGrant.role == "agent", User.active)
        .order_by(User.id)
    ).all()
    candidates = [{"user_id": i, "name": n, "open_tasks": 0} for i, n in members]
    task = WorkflowTask(
        instance_id=instance.id,
        app_key=APP,
        form_key=FORM,
        record_id=record_id,
        node_key="accept",
        kind="task",
        state="open",
        token="",
        assignee_id=None,
        pool="role:agent",
        reason=POOL_REASON,
        created_at=now,
    )
    session.add(task)
    session.flush()
    session.add(
        AssignmentDecision(
            task_id=task.id,
            strategy="pool",
            chosen_id=None,
            candidates=candidates,
            reason=POOL_REASON,
            at=now,
        )
    )
    event(
        "workflow.assigned",
        {
            "node": "accept",
            "task": task.id,
            "assignee": None,
            "pool": "role:agent",
            "candidates": [m[0] for m in members],
            "reason": POOL_REASON,
        },
    )
    return int(record_id)


_LEFT_OUT = {
    "id",
    "record_id",
    "instance_id",
    "task_id",
    "task",
    "number",
    "at",
    "started_at",
    "created_at",
    "updated_at",
}


def _plain(row: Any) -> Any:
    """A row or value without ids and times (which differ between two creations)."""
    if isinstance(row, dict):
        return {k: _plain(v) for k, v in row.items() if k not in _LEFT_OUT}
    if isinstance(row, list):
        return [_plain(v) for v in row]
    return row


def writes_of(session: Session, record_id: int) -> dict[str, Any]:
    """Every row one work order's creation wrote, without ids and times."""
    table = load_form_runtime(session, APP, FORM).source.table
    record = session.execute(select(table).where(table.c.id == record_id)).mappings().one()
    where = {"app_key": APP, "form_key": FORM, "record_id": record_id}

    def rows(model: Any) -> list[dict[str, Any]]:
        found = session.scalars(select(model).filter_by(**where).order_by(model.id)).all()
        return [{c.key: getattr(r, c.key) for c in model.__table__.c} for r in found]

    tasks = rows(WorkflowTask)
    decisions = [
        {c.key: getattr(d, c.key) for c in AssignmentDecision.__table__.c}
        for t in tasks
        for d in session.scalars(
            select(AssignmentDecision).where(AssignmentDecision.task_id == t["id"])
        )
    ]
    return _plain(
        {
            "record": dict(record),
            "events": rows(Event),
            "instances": rows(WorkflowInstance),
            "tasks": tasks,
            "decisions": decisions,
        }
    )
