"""A record's own page: values by layout, history, comments with @mentions, files, trash.

Every route first checks the record lies in the user's read scope and answers 404
otherwise, so a person cannot learn that a record they may not see exists.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from servicekit.platform.accounts import notify
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.models import Attachment, Comment, Event, User
from servicekit.platform.storage.files import IMAGE_TYPES
from servicekit.platform.web.rendering import render
from servicekit.runtime.forms import RecordNotFound, actor_for, form_access
from servicekit.runtime.workflow import workflow_for
from servicekit.workspace import get_file_store
from servicekit.workspace.records.access import FormScope, form_scope
from servicekit.workspace.records.blueprint import bp
from servicekit.workspace.records.display import Displayer
from servicekit.workspace.records.history_text import HIDDEN_KINDS, workflow_event_text
from servicekit.workspace.records.lookups import target_label
from servicekit.workspace.records.panels import record_panels

MAX_COMMENT = 5000
MAX_MENTIONS = 20
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{1,64})")


def _title(scope: FormScope, record: Any) -> str:
    store = scope.runtime.store
    try:
        values = store.rule_values(scope.session, record.values)
        values.update(id=record.id, number=record.number)
        title = scope.runtime.logic.render_title(values, scope.context())
    except Exception:  # noqa: BLE001 - a title that cannot render falls back to the number
        title = None
    return (title or "").strip() or record.number or f"#{record.id}"


def _shown_by_rules(scope: FormScope, record: Any) -> frozenset[str]:
    """Field keys the form's conditions show for this record (hidden ones are left out)."""
    everything = frozenset(f.key for f in scope.form.fields)
    try:
        values = scope.runtime.store.rule_values(scope.session, record.values)
        state = scope.runtime.logic.state(values, scope.context())
    except Exception:  # noqa: BLE001 - a condition that cannot run hides nothing
        return everything
    return everything - state.hidden


def _history(scope: FormScope, record_id: int, displayer: Displayer) -> list[dict[str, Any]]:
    events = scope.session.scalars(
        select(Event)
        .where(
            Event.app_key == scope.app_key,
            Event.form_key == scope.runtime.key,
            Event.record_id == record_id,
        )
        .order_by(Event.id.desc())
        .limit(200)
    ).all()
    node = _node_labeller(scope, record_id)
    items = []
    for event in events:
        if event.kind in HIDDEN_KINDS:
            continue
        fields = []
        for key, pair in ((event.changes or {}).get("fields") or {}).items():
            try:
                item = scope.form.field(key)
            except KeyError:
                continue
            if scope.access.field_right(key) == "hidden":
                continue
            old, new = pair
            fields.append(
                {
                    "label": item.label_for(scope.locale),
                    "old": displayer.json_text(item, old),
                    "new": displayer.json_text(item, new),
                }
            )
        items.append(
            {
                "kind": event.kind,
                "text": workflow_event_text(event.kind, event.changes or {}, node),
                "by": displayer.user_name(event.actor_id),
                "at": event.at,
                "fields": fields,
            }
        )
    return items


def _node_labeller(scope: FormScope, record_id: int) -> Any:
    """Node key → label in the reader's language, from the record's workflow version."""
    try:
        nodes = workflow_for(scope.session, scope.app_key, scope.runtime.key, record_id)
        nodes = nodes.definition.nodes
    except Exception:  # noqa: BLE001 - no work order (or its workflow is gone): show keys
        return lambda key: key

    def label(key: str) -> str:
        node = nodes.get(key)
        return (label_text(node.label, scope.locale) or key) if node and node.label else key

    return label


@bp.get("/apps/<app_key>/forms/<form_key>/records/<int:record_id>")
def record_page(app_key: str, form_key: str, record_id: int) -> Response:
    """Values laid out like the form, history, comments and files."""
    scope = form_scope(app_key, form_key)
    is_admin = scope.access.actor.is_admin
    scope.readable_or_404(record_id, deleted=None if is_admin else False)
    try:
        record = scope.runtime.store.get(scope.session, record_id, include_deleted=is_admin)
    except RecordNotFound:
        abort(404)
    displayer = Displayer(scope.session, scope.runtime, locale=scope.locale, tz=scope.tz)
    displayer.prefetch(scope.form.fields, [{**record.values, "created_by": record.created_by}])
    comments = scope.session.scalars(
        select(Comment)
        .where(
            Comment.app_key == app_key,
            Comment.form_key == scope.runtime.key,
            Comment.record_id == record_id,
        )
        .order_by(Comment.id)
    ).all()
    displayer.load_users([c.author_id for c in comments if c.author_id])
    return render(
        "records/record.html",
        scope=scope,
        record=record,
        title=_title(scope, record),
        displayer=displayer,
        history=_history(scope, record_id, displayer),
        comments=comments,
        app_key=app_key,
        form_key=form_key,
        form_label=scope.form.label_for(scope.locale),
        can_update=scope.access.allows("update")
        and not record.deleted
        and scope.in_scope("update", record_id),
        can_delete=scope.access.allows("delete")
        and not record.deleted
        and scope.in_scope("delete", record_id),
        is_admin=is_admin,
        shown_by_rules=_shown_by_rules(scope, record),
        panels=record_panels(current_app, scope, record),
        cell_lookup=lambda parent, child, value: (
            target_label(scope, parent, child, int(value)) if value else ""
        ),
    )


@bp.route(
    "/apps/<app_key>/forms/<form_key>/records/<int:record_id>/delete", methods=["GET", "POST"]
)
def delete_record(app_key: str, form_key: str, record_id: int) -> Response:
    """Ask, then move the record to the trash."""
    scope = form_scope(app_key, form_key)
    scope.require("delete")
    scope.readable_or_404(record_id)
    if not scope.in_scope("delete", record_id):
        abort(403)
    if request.method == "GET":
        record = scope.runtime.store.get(scope.session, record_id)
        return render(
            "records/confirm_delete.html",
            app_key=app_key,
            form_key=form_key,
            form_label=scope.form.label_for(scope.locale),
            record=record,
            title=_title(scope, record),
        )
    scope.runtime.store.delete(scope.session, record_id, actor_id=current_user.id, now=scope.now)
    scope.session.commit()
    flash(_("The record was moved to the trash."), "success")
    return redirect(url_for("records.list_page", app_key=app_key, form_key=form_key), 303)


@bp.post("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/restore")
def restore_record(app_key: str, form_key: str, record_id: int) -> Response:
    """Bring a record back from the trash (platform admins)."""
    scope = form_scope(app_key, form_key)
    if not scope.access.actor.is_admin:
        abort(403)
    scope.readable_or_404(record_id, deleted=True)
    scope.runtime.store.restore(scope.session, record_id, actor_id=current_user.id, now=scope.now)
    scope.session.commit()
    flash(_("The record was restored."), "success")
    return redirect(
        url_for("records.record_page", app_key=app_key, form_key=form_key, record_id=record_id),
        303,
    )


@bp.post("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/comments")
def add_comment(app_key: str, form_key: str, record_id: int) -> Response:
    """Add a comment; each ``@login`` of an active user who may read the record is notified."""
    scope = form_scope(app_key, form_key)
    scope.readable_or_404(record_id)
    body = (request.form.get("body") or "").strip()
    page = url_for("records.record_page", app_key=app_key, form_key=form_key, record_id=record_id)
    if not body:
        flash(_("Write something first."), "warning")
        return redirect(page, 303)
    body = body[:MAX_COMMENT]
    logins = list(dict.fromkeys(_MENTION.findall(body)))[:MAX_MENTIONS]
    mentioned = (
        scope.session.scalars(
            select(User).where(User.login.in_(logins), User.active.is_(True))
        ).all()
        if logins
        else []
    )
    comment = Comment(
        app_key=app_key,
        form_key=scope.runtime.key,
        record_id=record_id,
        author_id=current_user.id,
        body=body,
        mentions=[u.id for u in mentioned],
        created_at=scope.now,
    )
    scope.session.add(comment)
    record = scope.runtime.store.get(scope.session, record_id)
    label = record.number or f"#{record_id}"
    for user in mentioned:
        # Only people who may read the record hear of it; others would learn what it says.
        if user.id == current_user.id or not _may_read(scope, user, record_id):
            continue
        notify(
            scope.session,
            user.id,
            _("%(name)s mentioned you on %(record)s", name=current_user.display_name, record=label),
            body[:500],
            page,
            now=scope.now,
        )
    scope.session.commit()
    return redirect(page + "#comments", 303)


def _may_read(scope: FormScope, user: User, record_id: int) -> bool:
    access = form_access(scope.form, actor_for(user, scope.app_key))
    if not access.allows("read"):
        return False
    table = scope.runtime.source.table
    condition = access.record_filter(
        "read", scope.runtime.source, now=scope.now, tz=scope.app_tz, forms=scope.runtime.app.fields
    )
    return (
        scope.session.scalar(select(table.c.id).where(table.c.id == record_id, condition))
        is not None
    )


@bp.get("/apps/<app_key>/forms/<form_key>/files/<int:attachment_id>")
def download(app_key: str, form_key: str, attachment_id: int) -> Response:
    """Send a stored file to someone who may read its record (or who just uploaded it)."""
    scope = form_scope(app_key, form_key)
    attachment = scope.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.app_key != app_key
        or attachment.form_key != scope.runtime.key
    ):
        abort(404)
    if attachment.record_id is None:
        if attachment.created_by != current_user.id:
            abort(404)
    else:
        scope.readable_or_404(attachment.record_id)
        if scope.access.field_right(attachment.field_key) == "hidden":
            abort(404)
    try:
        path = get_file_store(current_app).path_of(attachment.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    # Only types sniffed as raster images may show inline; everything else downloads.
    inline = request.args.get("inline") == "1" and attachment.content_type in IMAGE_TYPES
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
