"""The workflow engine: typed workflows, graph checks, moves, tasks, dispatch, actions, outbox.

Pages and the API use :func:`load_workflow` / :func:`workflow_for`, then :func:`move` and
the operations; the engine registers its graph checks, its record-created hook and its
outbox delivery job from :func:`init_app`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from servicekit.runtime.workflow.actions import ActionContext, run_actions
from servicekit.runtime.workflow.checks import check_workflows, graph_problems
from servicekit.runtime.workflow.definition import EdgeDef, NodeDef, WorkflowDef
from servicekit.runtime.workflow.dispatch import Decision, decide, great_circle_km
from servicekit.runtime.workflow.engine import MoveResult, move, start
from servicekit.runtime.workflow.errors import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    WorkflowError,
    WorkflowNotFound,
)
from servicekit.runtime.workflow.instances import instance_of, open_tasks, workflow_for
from servicekit.runtime.workflow.loader import WorkflowRuntime, find_workflow, load_workflow
from servicekit.runtime.workflow.operations import (
    add_cosigner,
    cancel,
    claim,
    comment,
    migrate,
    reassign,
    release,
    reopen,
    return_to,
)
from servicekit.runtime.workflow.outbox import DeliveryFailed, deliver, due_messages, sign
from servicekit.runtime.workflow.rights import (
    available_actions,
    combined_rights,
    field_rights,
    may_act,
)


def init_app(app: Flask) -> None:
    """Register graph checks, start-on-create, outbox delivery after commit, and the CLI."""
    from servicekit.platform.registry import get_registry
    from servicekit.runtime.forms.records import add_created_hook, add_edit_guard
    from servicekit.runtime.workflow.cli import workflow_group
    from servicekit.runtime.workflow.delivery import register_delivery
    from servicekit.runtime.workflow.edit_guard import guard_edit

    get_registry(app).add_validator("workflow", check_workflows)
    app.cli.add_command(workflow_group)
    add_created_hook(_start_on_create)
    add_edit_guard(guard_edit)
    register_delivery(app)


def _start_on_create(
    session: Session, store: Any, record: Any, actor_id: int | None, context: Any
) -> None:
    """Start the form's workflow, if it has one, for a record just created."""
    from servicekit.runtime.forms import Actor

    workflow = find_workflow(session, store.source.app_key, store.form.key, store=store)
    if workflow is None:
        return
    user = dict(context.user or {})
    actor = Actor(id=actor_id, roles=frozenset(user.get("roles") or ()), rule_user=user)
    start(session, workflow, record, actor=actor, now=context.now, tz=context.tz)


__all__ = [
    "ActionContext",
    "Decision",
    "DeliveryFailed",
    "EdgeDef",
    "MoveConflict",
    "MoveRefused",
    "MoveResult",
    "NodeDef",
    "NotAllowed",
    "WorkflowDef",
    "WorkflowError",
    "WorkflowNotFound",
    "WorkflowRuntime",
    "add_cosigner",
    "available_actions",
    "cancel",
    "check_workflows",
    "claim",
    "combined_rights",
    "comment",
    "decide",
    "deliver",
    "due_messages",
    "field_rights",
    "find_workflow",
    "graph_problems",
    "great_circle_km",
    "init_app",
    "instance_of",
    "load_workflow",
    "may_act",
    "migrate",
    "move",
    "open_tasks",
    "reassign",
    "release",
    "reopen",
    "return_to",
    "run_actions",
    "sign",
    "start",
    "workflow_for",
]
