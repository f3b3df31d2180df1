"""Who may do what on a work order: each field's right at a node for a person, whether a
person may take an action on a task, and the actions (buttons) open to them now.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.models import WorkflowTask
from servicekit.runtime.forms import Actor, Record, form_access
from servicekit.runtime.workflow.definition import EdgeDef, NodeDef
from servicekit.runtime.workflow.dispatch import pool_user_ids
from servicekit.runtime.workflow.errors import WorkflowNotFound
from servicekit.runtime.workflow.instances import instance_of, open_tasks
from servicekit.runtime.workflow.loader import WorkflowRuntime

# When a role's right and a node's right differ, the stricter wins.
_STRICTNESS = {"hidden": 3, "readonly": 2, "editable": 1, "required": 1}


def field_rights(workflow: WorkflowRuntime, node_key: str | None, actor: Actor) -> dict[str, str]:
    """Per field: ``hidden``, ``readonly``, ``editable`` or ``required`` for ``actor`` at a node.

    The node's right and the actor's role right are combined and the stricter wins; with
    no node (the actor has no task here) every field is read-only at most.
    """
    node = workflow.definition.nodes.get(node_key or "")
    return combined_rights(workflow.form.form, node, actor)


def combined_rights(form: FormDef, node: NodeDef | None, actor: Actor) -> dict[str, str]:
    """:func:`field_rights` for a typed form and node (the designer's simulation uses it)."""
    access = form_access(form, actor)
    rights = {}
    for item in form.fields:
        role_right = access.field_right(item.key)
        node_right = node.field_right(item.key) if node is not None else "readonly"
        rights[item.key] = max(role_right, node_right, key=lambda r: _STRICTNESS[r])
        if _STRICTNESS[role_right] == _STRICTNESS[node_right]:
            rights[item.key] = node_right  # keeps "required"
    return rights


def may_act(
    session: Session, workflow: WorkflowRuntime, task: WorkflowTask, action: str, actor: Actor
) -> bool:
    """Whether ``actor`` may take ``action`` on ``task`` (assignee, pool member or admin)."""
    if actor.id is None:
        return False
    node = workflow.definition.nodes.get(task.node_key)
    if node is None:
        return False
    allowed_roles = node.roles.get(action)
    if allowed_roles and not actor.is_admin and not set(allowed_roles) & set(actor.roles):
        return False
    if actor.is_admin or task.assignee_id == actor.id:
        return True
    if task.assignee_id is None:
        # A pool task (or an approval that found no voter and went to the pool's queue).
        return actor.id in pool_user_ids(session, task.pool, workflow.app_key)
    return False


def available_actions(
    session: Session,
    workflow: WorkflowRuntime,
    record: Record,
    actor: Actor,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[tuple[WorkflowTask, EdgeDef]]:
    """The buttons to show ``actor``: (task, edge) pairs whose guard holds now."""
    try:
        instance = instance_of(session, workflow.app_key, workflow.form_key, record.id)
    except WorkflowNotFound:
        return []
    values = workflow.form.store.rule_values(session, record.values)
    out = []
    for task in open_tasks(session, instance):
        for edge in workflow.definition.outgoing(task.node_key):
            if not may_act(session, workflow, task, edge.key, actor):
                continue
            if task.kind != "approval" and not guard_holds(workflow, edge, values, actor, now, tz):
                continue
            out.append((task, edge))
    return out


def guard_holds(
    workflow: WorkflowRuntime,
    edge: EdgeDef,
    values: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    """Whether ``edge``'s guard rule holds for these values and this person now."""
    if not edge.guard:
        return True
    result = workflow.rule(edge.guard, "boolean").evaluate(
        values, now=now, user=dict(actor.rule_user), tz=tz
    )
    return result is True
