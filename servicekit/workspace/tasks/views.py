"""Task pages: my tasks and the team queue (claim from the list), and the work-order panel
with the node's field rights, the allowed action buttons, progress and history."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from servicekit.platform.db import get_session
from servicekit.platform.models import WorkflowTask
from servicekit.platform.storage.codecs import from_text, to_text
from servicekit.platform.storage.messages import FieldValueError
from servicekit.platform.web import render
from servicekit.platform.web._context import me, now
from servicekit.runtime.forms import RecordInvalid, StaleRecord, load_form_runtime
from servicekit.runtime.workflow import (
    MoveConflict,
    MoveRefused,
    NotAllowed,
    WorkflowError,
    available_actions,
    claim,
    field_rights,
    move,
    release,
    return_to,
)
from servicekit.workspace.tasks.work import (
    NoSuchWork,
    WorkOrder,
    history_rows,
    inbox,
    load_work_order,
    node_label,
    progress,
    task_rows,
    user_names,
)

_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
bp = Blueprint("tasks", __name__, template_folder=str(_TEMPLATES))

# Field types the panel edits inline; others are edited on the record page.
_INLINE = {"text", "long_text", "select", "integer", "decimal", "date", "datetime", "boolean"}
_MAX_TEXT = 4000
_RECORD = "/apps/<app_key>/forms/<form_key>/records/<int:record_id>/work"


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])


def _locale() -> str:
    from servicekit.platform.web import current_locale

    return current_locale()


def _waiting(since: datetime, moment: datetime) -> str:
    minutes = max(0, int((moment - since).total_seconds() // 60))
    if minutes < 60:
        return _("%(n)s min", n=minutes)
    if minutes < 60 * 24:
        return _("%(n)s h", n=minutes // 60)
    return _("%(n)s d", n=minutes // (60 * 24))


@bp.get("/tasks")
def inbox_page() -> Response:
    """My tasks (assigned to me or waiting in my pools) or, with ``?view=team``, my team's."""
    session = get_session()
    team = request.args.get("view") == "team"
    rows = inbox_rows(session, me(), team=team, moment=now())
    names = user_names(session, {row["task"].assignee_id for row in rows})
    return render("tasks/inbox.html", rows=rows, team=team, names=names)


def inbox_rows(
    session: Any, user: Any, *, team: bool, moment: datetime, limit: int = 200
) -> list[dict[str, Any]]:
    """The inbox's rows, overdue first: task, number, title, node label, waiting time, due."""
    return waiting_rows(session, user, inbox(session, user, team=team, limit=limit), moment)


def waiting_rows(
    session: Any, user: Any, waiting: list[tuple[Any, datetime | None]], moment: datetime
) -> list[dict[str, Any]]:
    """Rows to show for (task, due) pairs from :func:`inbox`, in their order."""
    locale = _locale()
    rows: list[dict[str, Any]] = []
    for task, due in waiting:
        try:
            runtime = load_form_runtime(session, task.app_key, task.form_key)
            record = runtime.store.get(session, task.record_id)
            work = load_work_order(
                session, user, task.app_key, task.form_key, task.record_id, now=moment, tz=_tz()
            )
        except Exception:  # noqa: BLE001 - a task whose record went away is left out
            continue
        rows.append(
            {
                "task": task,
                "number": record.number or f"#{record.id}",
                "title": _title(runtime, record, moment),
                "node": node_label(work.workflow, task.node_key, locale),
                "waiting": _waiting(task.created_at, moment),
                "due": due,
                "overdue": due is not None and due < moment,
                "link": url_for(
                    "tasks.work_page",
                    app_key=task.app_key,
                    form_key=task.form_key,
                    record_id=task.record_id,
                ),
            }
        )
    return rows


def _title(runtime: Any, record: Any, moment: datetime) -> str:
    from servicekit.runtime.forms import Context

    if runtime.logic.title is None:
        return record.number or ""
    try:
        values = {
            **runtime.store.rule_values(get_session(), record.values),
            "number": record.number,
        }
        title = runtime.logic.render_title(values, Context(now=moment, tz=_tz()))
        return title or record.number or ""
    except Exception:  # noqa: BLE001 - a title is decoration; never break the inbox for it
        return record.number or ""


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int) -> BaseResponse:
    """Claim a pool task, then open its work order."""
    session = get_session()
    task = session.get(WorkflowTask, task_id)
    if task is None:
        abort(404)
    work = _work_or_404(task.app_key, task.form_key, task.record_id)
    try:
        claim(
            session, work.workflow, task.record_id, task_id, actor=work.actor, now=now(), tz=_tz()
        )
    except WorkflowError as exc:
        session.rollback()
        abort(exc.status, exc.message)
    session.commit()
    return redirect(
        url_for(
            "tasks.work_page",
            app_key=task.app_key,
            form_key=task.form_key,
            record_id=task.record_id,
        )
    )


def _work_or_404(app_key: str, form_key: str, record_id: int) -> WorkOrder:
    try:
        return load_work_order(
            get_session(), me(), app_key, form_key, record_id, now=now(), tz=_tz()
        )
    except NoSuchWork:
        abort(404)


def _panel(
    work: WorkOrder,
    *,
    status: int = 200,
    error: str | None = None,
    errors: Any = None,
    posted: Any = None,
) -> Response:
    session = get_session()
    locale = _locale()
    tasks = task_rows(session, work, locale)
    offered = available_actions(
        session, work.workflow, work.record, work.actor, now=now(), tz=_tz()
    )
    my_task = next((t for t, _edge in offered), None)
    if my_task is None:
        my_task = next(
            (
                session.get(WorkflowTask, row["id"])
                for row in tasks
                if row["assignee"] == work.actor.id
            ),
            None,
        )
    rights = field_rights(work.workflow, my_task.node_key if my_task else None, work.actor)
    fields = []
    for item in work.runtime.form.fields:
        right = rights.get(item.key, "readonly")
        if right == "hidden":
            continue
        value = work.record.values.get(item.key)
        editable = right in ("editable", "required") and my_task is not None
        text = ""
        if item.type not in ("subform",):
            try:
                text = to_text(item, value, _tz()) if value is not None else ""
            except Exception:  # noqa: BLE001 - show what can be shown
                text = str(value)
        if posted is not None and item.key in posted:
            text = posted[item.key]
        fields.append(
            {
                "field": item,
                "label": item.label if hasattr(item, "label") else item.key,
                "right": right,
                "editable": editable and item.type in _INLINE,
                "text": text,
                "options": item.get("options") or [],
                "error": (errors or {}).get(item.key),
            }
        )
    history = history_rows(session, work)
    names = user_names(session, {row["actor"] for row in history})
    open_nodes = {row["node"] for row in tasks}
    passed = sorted(
        {
            row["changes"].get("from")
            for row in history
            if row["kind"] == "workflow.moved"
            and work.workflow.definition.nodes.get(row["changes"].get("from") or "")
            and work.workflow.definition.nodes[row["changes"]["from"]].is_person
        }
        - {None}
    )
    return render(
        "tasks/work.html",
        status=status,
        work=work,
        tasks=tasks,
        offered=offered,
        my_task=my_task,
        fields=fields,
        history=history,
        names=names,
        steps=progress(work, history, open_nodes),
        passed=[(key, node_label(work.workflow, key, locale)) for key in passed],
        node_label=lambda key: node_label(work.workflow, key, locale),
        error=error,
        locale=locale,
    )


@bp.get(_RECORD)
def work_page(app_key: str, form_key: str, record_id: int) -> Response:
    """The work-order panel."""
    return _panel(_work_or_404(app_key, form_key, record_id))


@bp.post(_RECORD)
def act(app_key: str, form_key: str, record_id: int) -> BaseResponse:
    """Take the button's action with the fields the node lets the user edit."""
    session = get_session()
    work = _work_or_404(app_key, form_key, record_id)
    action = (request.form.get("action") or "")[:40]
    task_id = request.form.get("task_id", type=int)
    version = request.form.get("version", type=int)
    comment = (request.form.get("comment") or "").strip()[:_MAX_TEXT] or None
    posted = {
        key[2:]: value[:_MAX_TEXT] for key, value in request.form.items() if key.startswith("f-")
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, text in posted.items():
        try:
            item = work.runtime.form.field(key)
        except KeyError:
            continue
        try:
            values[key] = from_text(item, text, _tz()) if text.strip() else None
        except FieldValueError as exc:
            errors[key] = exc.render(_) if hasattr(exc, "render") else str(exc)
    if errors:
        return _panel(
            work, status=422, error=_("Some values are not valid."), errors=errors, posted=posted
        )
    try:
        move(
            session,
            work.workflow,
            record_id,
            action,
            actor=work.actor,
            now=now(),
            tz=_tz(),
            values=values,
            expected_version=version,
            comment=comment,
            task_id=task_id,
            locale=_locale(),
        )
    except (MoveRefused, RecordInvalid) as exc:
        session.rollback()
        items = exc.details.get("errors", []) if isinstance(exc, MoveRefused) else exc.errors
        field_errors = {e.field: e.render(_) for e in items}
        message = exc.message if isinstance(exc, MoveRefused) else _("Some values are not valid.")
        work = _work_or_404(app_key, form_key, record_id)
        return _panel(work, status=422, error=message, errors=field_errors, posted=posted)
    except (MoveConflict, StaleRecord):
        session.rollback()
        work = _work_or_404(app_key, form_key, record_id)
        return _panel(
            work,
            status=409,
            error=_("Someone else acted on this work order first; here is where it stands now."),
        )
    except NotAllowed as exc:
        session.rollback()
        abort(403, exc.message)
    session.commit()
    return redirect(
        url_for("tasks.work_page", app_key=app_key, form_key=form_key, record_id=record_id)
    )


@bp.post(_RECORD + "/return")
def return_work(app_key: str, form_key: str, record_id: int) -> BaseResponse:
    """Send the work order back (退回) to an earlier step with a reason."""
    session = get_session()
    work = _work_or_404(app_key, form_key, record_id)
    task_id = request.form.get("task_id", type=int) or 0
    node = (request.form.get("node") or "")[:40]
    reason = (request.form.get("reason") or "").strip()[:_MAX_TEXT]
    try:
        return_to(
            session,
            work.workflow,
            record_id,
            task_id,
            node,
            reason=reason,
            actor=work.actor,
            now=now(),
            tz=_tz(),
        )
    except WorkflowError as exc:
        session.rollback()
        work = _work_or_404(app_key, form_key, record_id)
        return _panel(work, status=exc.status if exc.status != 400 else 422, error=exc.message)
    session.commit()
    return redirect(
        url_for("tasks.work_page", app_key=app_key, form_key=form_key, record_id=record_id)
    )


@bp.post(_RECORD + "/release")
def release_work(app_key: str, form_key: str, record_id: int) -> BaseResponse:
    """Give a claimed task back to its pool."""
    session = get_session()
    work = _work_or_404(app_key, form_key, record_id)
    task_id = request.form.get("task_id", type=int) or 0
    try:
        release(session, work.workflow, record_id, task_id, actor=work.actor, now=now(), tz=_tz())
    except WorkflowError as exc:
        session.rollback()
        abort(exc.status, exc.message)
    session.commit()
    return redirect(url_for("tasks.inbox_page"))
