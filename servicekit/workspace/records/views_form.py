"""The record form: new and edit pages, live recalculation, saving, uploads.

Saving reads every field the user may edit, stores uploads first (so a failed save keeps
them), then hands the values to the record store, which checks everything. Any problem
re-renders the form with every message beside its field and what the user typed (422);
a stale edit answers 409 with the changes made in between.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import update
from werkzeug.wrappers import Response

from servicekit.platform.models import Attachment
from servicekit.platform.storage.files import FileRules
from servicekit.platform.storage.messages import FieldError, FieldValueError
from servicekit.platform.web.rendering import render
from servicekit.runtime.forms import Record, RecordInvalid, RecordNotFound, StaleRecord
from servicekit.workspace import get_file_store
from servicekit.workspace.records.access import FormScope, form_scope
from servicekit.workspace.records.blueprint import bp
from servicekit.workspace.records.formview import (
    FormView,
    editable_fields,
    evaluate_form,
    form_view,
    merge_raw,
)
from servicekit.workspace.records.inputs import (
    FILE_TYPES,
    MAX_FILES,
    TOO_MANY_FILES,
    attachment_value,
    kept_attachments,
    new_token,
    raw_from_values,
    read_form,
)


def _file_rules(item: Any) -> FileRules:
    limit = int(current_app.config["SERVICEKIT_MAX_UPLOAD_MB"] * 1024 * 1024)
    return FileRules.for_field(item.type, item.raw, limit)


def _load_record(scope: FormScope, record_id: int) -> Record:
    scope.readable_or_404(record_id)
    try:
        return scope.runtime.store.get(scope.session, record_id)
    except RecordNotFound:
        abort(404)


def _page(view: FormView, status: int = 200, **extra: Any) -> Response:
    return render(
        "records/form.html",
        status=status,
        view=view,
        app_key=view.scope.app_key,
        form_key=view.scope.runtime.key,
        form_label=view.scope.form.label_for(view.scope.locale),
        **extra,
    )


@bp.get("/apps/<app_key>/forms/<form_key>/new")
def new_record(app_key: str, form_key: str) -> Response:
    """An empty form with the form's defaults filled in."""
    scope = form_scope(app_key, form_key)
    scope.require("create")
    defaults = scope.runtime.logic.default_values(scope.context())
    raw = raw_from_values(scope.form, defaults, scope.tz)
    return _page(form_view(scope, raw, defaults, record=None))


@bp.get("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/edit")
def edit_record(app_key: str, form_key: str, record_id: int) -> Response:
    """The form filled with a record's values, carrying its version."""
    scope = form_scope(app_key, form_key)
    scope.require("update")
    record = _load_record(scope, record_id)
    if not scope.in_scope("update", record_id):
        abort(403)
    raw = raw_from_values(scope.form, record.values, scope.tz)
    return _page(form_view(scope, raw, record.values, record=record))


def _submitted(
    scope: FormScope, record: Record | None
) -> tuple[dict[str, Any], dict[str, Any], list[FieldError]]:
    """Values, raw input and reading errors of the posted form (uploads stored and kept)."""
    editable = editable_fields(scope)
    result = read_form(scope.form, request.form, scope.tz, accepted=editable)
    store = get_file_store(current_app)
    for item in scope.form.fields:
        if item.type not in FILE_TYPES or item.key not in editable:
            continue
        files = kept_attachments(
            scope.session,
            request.form,
            item,
            app_key=scope.app_key,
            form_key=scope.runtime.key,
            record_id=record.id if record else None,
            user_id=current_user.id,
        )
        for upload in request.files.getlist(f"f-{item.key}-upload"):
            if not upload.filename:
                continue
            if len(files) >= MAX_FILES:
                result.errors.append(FieldError(item.key, TOO_MANY_FILES, {"max": MAX_FILES}))
                break
            try:
                saved = store.save(
                    scope.session,
                    upload.stream,
                    upload.filename,
                    _file_rules(item),
                    app_key=scope.app_key,
                    form_key=scope.runtime.key,
                    field_key=item.key,
                    now=scope.now,
                    user_id=current_user.id,
                )
                files.append(attachment_value(saved))
            except FieldValueError as exc:
                result.errors.append(FieldError(item.key, exc.template, exc.params))
        result.values[item.key] = files or None
        result.raw[item.key] = files
    # Uploads survive a failed save, so the person need not pick the files again.
    scope.session.commit()
    # A field a rule makes read-only keeps its value, whatever the browser sent (forms
    # without such rules skip evaluating every rule for it).
    if any(key == "readonly_if" for _key, key in scope.runtime.logic.conditions):
        base = record.values if record else scope.runtime.logic.default_values(scope.context())
        _, state = evaluate_form(
            scope, {**base, **result.values}, record.values if record else None
        )
        for key in state.readonly & set(result.values):
            result.values[key] = base.get(key)
            result.raw.pop(key, None)
    return result.values, result.raw, result.errors


def _link_attachments(scope: FormScope, record: Record) -> None:
    ids = [
        part["id"]
        for item in scope.form.fields
        if item.type in FILE_TYPES
        for part in record.values.get(item.key) or []
    ]
    if ids:
        scope.session.execute(
            update(Attachment)
            .where(Attachment.id.in_(ids), Attachment.record_id.is_(None))
            .values(record_id=record.id)
        )


def _merge_errors(reading: list[FieldError], checking: list[FieldError]) -> list[FieldError]:
    """Reading errors first; a field that could not be read is not also called missing."""
    unread = {(e.field, e.row, e.subfield) for e in reading}
    return reading + [e for e in checking if (e.field, e.row, e.subfield) not in unread]


def _check_only(
    scope: FormScope, values: dict[str, Any], record: Record | None
) -> list[FieldError]:
    """The store's own findings for ``values`` without writing anything."""
    merged = {
        **(record.values if record else scope.runtime.logic.default_values(scope.context())),
        **values,
    }
    try:
        scope.runtime.store.prepare(
            scope.session,
            merged,
            scope.context(),
            record_id=record.id if record else None,
            locale=scope.locale,
        )
    except RecordInvalid as exc:
        return exc.errors
    finally:
        scope.session.rollback()
    return []


def _row_action(scope: FormScope, raw: dict[str, Any], action: str) -> bool:
    """Add or remove a subform row as the page asked without scripts (``add:key``,
    ``remove:key:token``); whether the action was one of those."""
    verb, _sep, rest = action.partition(":")
    key, _sep, token = rest.partition(":")
    try:
        item = scope.form.field(key[:40])
    except KeyError:
        return False
    if item.type != "subform" or scope.access.field_right(item.key) != "editable":
        return False
    rows = list(raw.get(item.key) or [])
    if verb == "add":
        rows.append({"_token": new_token()})
    elif verb == "remove":
        rows = [row for row in rows if row.get("_token") != token]
    else:
        return False
    raw[item.key] = rows
    return True


@bp.post("/apps/<app_key>/forms/<form_key>/new")
def create_record(app_key: str, form_key: str) -> Response:
    """Save a new record, or show the form again with every problem (422)."""
    scope = form_scope(app_key, form_key)
    scope.require("create")
    values, raw, errors = _submitted(scope, None)
    base = scope.runtime.logic.default_values(scope.context())
    shown = merge_raw(raw_from_values(scope.form, base, scope.tz), raw)
    if _row_action(scope, shown, request.form.get("_subform", "")[:120]):
        return _page(form_view(scope, shown, {**base, **values}, record=None))
    if not errors:
        try:
            record = scope.runtime.store.create(
                scope.session,
                values,
                scope.context(),
                actor_id=current_user.id,
                locale=scope.locale,
            )
            _link_attachments(scope, record)
            scope.session.commit()
            return redirect(_record_url(scope, record.id), 303)
        except RecordInvalid as exc:
            scope.session.rollback()
            errors = exc.errors
    else:
        errors = _merge_errors(errors, _check_only(scope, values, None))
    return _page(form_view(scope, shown, {**base, **values}, record=None, errors=errors), 422)


@bp.post("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/edit")
def update_record(app_key: str, form_key: str, record_id: int) -> Response:
    """Save changes to a record at the version the user started from (409 when stale)."""
    scope = form_scope(app_key, form_key)
    scope.require("update")
    record = _load_record(scope, record_id)
    if not scope.in_scope("update", record_id):
        abort(403)
    version = request.form.get("version", "")
    expected = int(version) if version.isdigit() else record.version
    values, raw, errors = _submitted(scope, record)
    shown = merge_raw(raw_from_values(scope.form, record.values, scope.tz), raw)
    if _row_action(scope, shown, request.form.get("_subform", "")[:120]):
        view = form_view(scope, shown, {**record.values, **values}, record=record)
        view.version = expected
        return _page(view)
    if errors:
        errors = _merge_errors(errors, _check_only(scope, values, record))
        view = form_view(scope, shown, {**record.values, **values}, record=record, errors=errors)
        view.version = expected
        return _page(view, 422)
    try:
        saved = scope.runtime.store.update(
            scope.session,
            record_id,
            values,
            scope.context(),
            expected_version=expected,
            actor_id=current_user.id,
            locale=scope.locale,
            actor=scope.access.actor,
        )
        _link_attachments(scope, saved)
        scope.session.commit()
        return redirect(_record_url(scope, record_id), 303)
    except RecordInvalid as exc:
        scope.session.rollback()
        view = form_view(
            scope, shown, {**record.values, **values}, record=record, errors=exc.errors
        )
        view.version = expected
        return _page(view, 422)
    except StaleRecord as exc:
        scope.session.rollback()
        view = form_view(scope, shown, {**exc.current.values, **values}, record=exc.current)
        # Saving again applies the person's input over the newer version they have now seen.
        view.version = exc.current.version
        return _page(view, 409, stale=_stale_changes(scope, view, exc))


def _stale_changes(scope: FormScope, view: FormView, exc: StaleRecord) -> list[dict[str, Any]]:
    assert view.displayer is not None
    changes = []
    for change in exc.changes:
        fields = []
        for key, (old, new) in (change.get("fields") or {}).items():
            try:
                item = scope.form.field(key)
            except KeyError:
                continue
            if scope.access.field_right(key) == "hidden":
                continue
            fields.append(
                {
                    "label": item.label_for(scope.locale),
                    "old": view.displayer.json_text(item, old),
                    "new": view.displayer.json_text(item, new),
                }
            )
        changes.append(
            {
                "version": change.get("version"),
                "by": view.displayer.user_name(change.get("by")),
                "at": _local_time(change.get("at"), scope),
                "fields": fields,
            }
        )
    return changes


def _local_time(stamp: str | None, scope: FormScope) -> str:
    from datetime import datetime

    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(scope.tz).strftime("%Y-%m-%d %H:%M")


def _record_url(scope: FormScope, record_id: int) -> str:
    return url_for(
        "records.record_page",
        app_key=scope.app_key,
        form_key=scope.runtime.key,
        record_id=record_id,
    )


@bp.post("/apps/<app_key>/forms/<form_key>/recalculate")
def recalculate(app_key: str, form_key: str) -> Response:
    """Formula values and changed field states for the form as typed so far (htmx, OOB swaps)."""
    scope = form_scope(app_key, form_key)
    record = None
    record_arg = request.args.get("record", "")
    if record_arg.isdigit():
        record = _load_record(scope, int(record_arg))
    elif not scope.access.allows("create"):
        abort(403)
    result = read_form(scope.form, request.form, scope.tz, accepted=editable_fields(scope))
    base = record.values if record else scope.runtime.logic.default_values(scope.context())
    values = {**base, **result.values}
    shown = merge_raw(raw_from_values(scope.form, base, scope.tz), result.raw)
    view = form_view(scope, shown, values, record=record)
    changed = view.changed_fields(request.form.get("_fieldstate", "")[:5000])
    return render(
        "records/_recalculated.html",
        view=view,
        changed=changed,
        app_key=app_key,
        form_key=form_key,
    )


@bp.post("/apps/<app_key>/forms/<form_key>/uploads/<field_key>")
def upload(app_key: str, form_key: str, field_key: str) -> Response:
    """Store one file for a field before the record is saved; answers the file's chip."""
    scope = form_scope(app_key, form_key)
    if not (scope.access.allows("create") or scope.access.allows("update")):
        abort(403)
    try:
        item = scope.form.field(field_key[:40])
    except KeyError:
        abort(404)
    if item.type not in FILE_TYPES or scope.access.field_right(item.key) != "editable":
        abort(404)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return render("records/_upload_error.html", status=422, message=_("Choose a file."))
    try:
        saved = get_file_store(current_app).save(
            scope.session,
            upload_file.stream,
            upload_file.filename,
            _file_rules(item),
            app_key=app_key,
            form_key=scope.runtime.key,
            field_key=item.key,
            now=scope.now,
            user_id=current_user.id,
        )
    except FieldValueError as exc:
        scope.session.rollback()
        message = _(exc.template, **exc.params) if exc.params else _(exc.template)
        return render("records/_upload_error.html", status=422, message=message)
    scope.session.commit()
    return render(
        "records/_file_chip.html",
        file=attachment_value(saved),
        item=item,
        app_key=app_key,
        form_key=form_key,
        record_id=None,
        editable=True,
    )
