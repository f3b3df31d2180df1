"""Node field rights on ordinary edits: record pages and the API obey the current step too.

A work order edited outside a workflow move may change only the fields the editor's own
open task (or pool task) makes editable at its node, combined with their role rights, the
stricter winning; someone with no task here may change nothing while the work order runs.
Admins are not limited (they repair data). Closed work orders follow role rights alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from servicekit.platform.metadata import label_text
from servicekit.platform.storage.messages import N_, FieldError
from servicekit.runtime.workflow.dispatch import pool_user_ids
from servicekit.runtime.workflow.errors import WorkflowNotFound
from servicekit.runtime.workflow.instances import instance_of, open_tasks
from servicekit.runtime.workflow.loader import find_workflow
from servicekit.runtime.workflow.rights import field_rights

_LOCKED = ("hidden", "readonly")


def guard_edit(
    session: Session, store: Any, record: Any, changed: frozenset[str], actor: Any
) -> list[FieldError]:
    """Field errors for changes the actor's step does not allow (empty when all is fine)."""
    if not changed or actor.is_admin:
        return []
    app_key, form_key = store.source.app_key, store.form.key
    if find_workflow(session, app_key, form_key) is None:
        return []
    try:
        instance = instance_of(session, app_key, form_key, record.id)
    except WorkflowNotFound:
        return []
    if instance.state != "active":
        return []
    from servicekit.runtime.workflow.instances import workflow_for

    workflow = workflow_for(session, app_key, form_key, record.id)
    node_key = None
    for task in open_tasks(session, instance):
        if task.assignee_id == actor.id or (
            task.assignee_id is None and actor.id in pool_user_ids(session, task.pool, app_key)
        ):
            node_key = task.node_key
            break
    rights = field_rights(workflow, node_key, actor)
    node = workflow.definition.nodes.get(node_key or "")
    where = label_text(node.label) or node.key if node is not None else None
    errors = []
    for key in sorted(changed):
        if rights.get(key, "readonly") not in _LOCKED:
            continue
        if where is None:
            errors.append(
                FieldError(
                    key,
                    N_("You have no task on this work order, so this field cannot be changed now."),
                )
            )
        else:
            errors.append(
                FieldError(
                    key, N_("This field cannot be changed at the step %(node)s."), {"node": where}
                )
            )
    return errors
