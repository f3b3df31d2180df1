"""Workflow REST endpoints under ``/api/v1``: take an action, list tasks, read the history.

``POST .../records/<id>/actions/<action>`` takes ``{"values": {...}, "comment": "..."}``
and ``If-Match`` with the record version; a concurrent winner makes it answer 409 with
what happened, a stale version 412, a field not editable at the node 422.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _

from servicekit.platform.db import get_session
from servicekit.platform.web import public
from servicekit.runtime.forms import RecordInvalid, StaleRecord, form_access
from servicekit.runtime.workflow import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    WorkflowError,
    available_actions,
    move,
)
from servicekit.workspace.api.auth import api_user
from servicekit.workspace.api.payloads import read_values
from servicekit.workspace.api.plumbing import RECORD_URL, api_blueprint
from servicekit.workspace.api.problems import ApiProblem, field_error_items
from servicekit.workspace.tasks.work import (
    NoSuchWork,
    WorkOrder,
    history_rows,
    load_work_order,
    task_rows,
)

bp = api_blueprint("workflow_api", __name__)

_MAX_COMMENT = 4000


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])


def _now() -> Any:
    return current_app.extensions["servicekit.clock"].now()


def _locale() -> str:
    from servicekit.platform.web import current_locale

    return current_locale()


def _work(app_key: str, form_key: str, record_id: int) -> WorkOrder:
    try:
        return load_work_order(
            get_session(), api_user(), app_key, form_key, record_id, now=_now(), tz=_tz()
        )
    except NoSuchWork:
        raise ApiProblem(404, _("There is no such record.")) from None


def _if_match() -> int:
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        raise ApiProblem(
            428,
            _('Send If-Match: "<version>" with the version you read (its ETag).'),
            kind="precondition-required",
        )
    text = header.removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ApiProblem(400, _('If-Match must be a version in quotes, such as "3".'))
    return int(text)


def _tasks_body(work: WorkOrder) -> list[dict[str, Any]]:
    session = get_session()
    rows = task_rows(session, work, _locale())
    offered = available_actions(
        session, work.workflow, work.record, work.actor, now=_now(), tz=_tz()
    )
    for row in rows:
        row["actions"] = [edge.key for task, edge in offered if task.id == row["id"]]
    return rows


@bp.post(RECORD_URL + "/actions/<action>")
@public
def action_view(app_key: str, form_key: str, record_id: int, action: str) -> Response:
    """Take ``action`` on the work order with the given field changes."""
    session = get_session()
    work = _work(app_key, form_key, record_id)
    expected = _if_match()
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ApiProblem(400, _('Send a JSON object such as {"values": {...}}.'))
    access = form_access(work.runtime.form, work.actor)
    values = read_values(
        {"values": body.get("values") or {}},
        work.runtime,
        access,
        _tz(),
        current=work.record.values,
    )
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > _MAX_COMMENT):
        raise ApiProblem(422, _("The comment must be text of at most 4,000 characters."))
    task_id = body.get("task")
    if task_id is not None and not isinstance(task_id, int):
        raise ApiProblem(422, _("task must be a task id."))
    try:
        result = move(
            session,
            work.workflow,
            record_id,
            action,
            actor=work.actor,
            now=_now(),
            tz=_tz(),
            values=values,
            expected_version=expected,
            comment=comment,
            task_id=task_id,
            locale=_locale(),
        )
    except StaleRecord as exc:
        raise ApiProblem(
            412,
            _("The record is at version %(version)s; reload it and act again.")
            % {"version": exc.current.version},
            kind="stale-version",
            headers={"ETag": f'"{exc.current.version}"'},
        ) from exc
    except RecordInvalid as exc:
        raise ApiProblem(
            422, _("Some values are not valid; see errors."), errors=field_error_items(exc.errors)
        ) from exc
    except MoveRefused as exc:
        raise ApiProblem(
            422,
            exc.message,
            kind="action-refused",
            errors=field_error_items(exc.details.get("errors") or []),
        ) from exc
    except MoveConflict as exc:
        raise ApiProblem(
            409,
            exc.message,
            kind="action-conflict",
            extra={"happened": exc.details.get("happened", [])},
        ) from exc
    except NotAllowed as exc:
        raise ApiProblem(403, exc.message) from exc
    except WorkflowError as exc:
        raise ApiProblem(exc.status, exc.message) from exc
    session.commit()
    work.record = result.record
    response = jsonify(
        {
            "id": result.record.id,
            "number": result.record.number,
            "version": result.record.version,
            "state": work.instance.state,
            "outcome": work.instance.outcome,
            "tasks": _tasks_body(work),
        }
    )
    response.headers["ETag"] = f'"{result.record.version}"'
    return response


@bp.get(RECORD_URL + "/tasks")
@public
def tasks_view(app_key: str, form_key: str, record_id: int) -> Response:
    """The open tasks with assignee, pool, reason and the actions the caller may take."""
    work = _work(app_key, form_key, record_id)
    return jsonify(
        {
            "state": work.instance.state,
            "outcome": work.instance.outcome,
            "workflow": {
                "key": work.instance.workflow_key,
                "version": work.instance.workflow_version,
            },
            "tasks": _tasks_body(work),
        }
    )


@bp.get(RECORD_URL + "/history")
@public
def history_view(app_key: str, form_key: str, record_id: int) -> Response:
    """Every event of the work order, oldest first (hidden fields left out of diffs)."""
    work = _work(app_key, form_key, record_id)
    return jsonify({"events": history_rows(get_session(), work)})
