"""The REST API blueprint: records (list, create, read, update, delete) and attachments.

Every URL answers JSON; every error is a problem-details object. A record the caller may
not read answers 404 exactly like one that does not exist, so the API never tells an
outsider which ids are taken.
"""

from __future__ import annotations

from typing import Any, BinaryIO, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from servicekit.platform.db import get_session
from servicekit.platform.models import Attachment
from servicekit.platform.storage.files import FileRules, attachment_json
from servicekit.platform.storage.messages import FieldValueError
from servicekit.platform.web import public
from servicekit.runtime.forms import (
    Context,
    FormAccess,
    FormNotFound,
    FormRuntime,
    Record,
    RecordInvalid,
    RecordNotFound,
    StaleRecord,
    actor_for,
    form_access,
    load_form_runtime,
)
from servicekit.runtime.forms.query import MAX_LIMIT, ListRequest, QueryError, list_records
from servicekit.runtime.rules import RuleError, compile_rule
from servicekit.workspace import get_file_store
from servicekit.workspace.api.auth import api_user
from servicekit.workspace.api.openapi import openapi_document
from servicekit.workspace.api.payloads import (
    file_field_key,
    find_file_field,
    link_attachments,
    read_values,
    record_json,
    resolve_attachments,
    title_values,
)
from servicekit.workspace.api.plumbing import MAX_ID, RECORD_URL, api_blueprint
from servicekit.workspace.api.problems import ApiProblem, field_error_items

bp = api_blueprint("api", __name__)

_TOO_LARGE = "The file is larger than %(max)s MB."


# --- plumbing -----------------------------------------------------------------------------


def _now() -> Any:
    return current_app.extensions["servicekit.clock"].now()


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])


def _context(app_key: str) -> Context:
    return Context(now=_now(), tz=_tz(), user=api_user().rule_context(app_key))


def _form(app_key: str, form_key: str) -> tuple[FormRuntime, FormAccess]:
    """The form and the caller's rights on it; 404 when missing or not readable at all."""
    session = get_session()
    try:
        runtime = load_form_runtime(session, app_key, form_key)
    except FormNotFound:
        raise ApiProblem(404, _("There is no such form.")) from None
    access = form_access(runtime.form, actor_for(api_user(), app_key))
    if not access.allows("read"):
        raise ApiProblem(404, _("There is no such form."))
    return runtime, access


def _require(access: FormAccess, action: str) -> None:
    if not access.allows(action):
        raise ApiProblem(403, _("Your roles do not allow this action on this form."))


def _in_scope(
    session: Session, runtime: FormRuntime, access: FormAccess, record_id: int, action: str
) -> bool:
    table = runtime.source.table
    condition = access.record_filter(
        action, runtime.source, now=_now(), tz=_tz(), forms=runtime.app.fields
    )
    found = session.scalar(
        select(table.c.id).where(table.c.id == record_id, table.c.deleted.is_(False), condition)
    )
    return found is not None


def _readable_record(
    session: Session, runtime: FormRuntime, access: FormAccess, record_id: int
) -> Record:
    if not _in_scope(session, runtime, access, record_id, "read"):
        raise ApiProblem(404, _("There is no such record."))
    try:
        return runtime.store.get(session, record_id)
    except RecordNotFound:
        raise ApiProblem(404, _("There is no such record.")) from None


def _system(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "number": record.number,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _record_body(
    session: Session, runtime: FormRuntime, access: FormAccess, record: Record
) -> dict[str, Any]:
    return record_json(
        session,
        runtime,
        access,
        _system(record),
        record.values,
        _context(runtime.app.app_key),
        _tz(),
    )


def _etag(version: int) -> str:
    return f'"{version}"'


def _json_body() -> Any:
    if not request.is_json:
        raise ApiProblem(415, _("Send the body as application/json."))
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None  # absurdly deep nesting is malformed input, not a server error
    if body is None:
        raise ApiProblem(400, _("The body is not valid JSON."), kind="malformed-json")
    return body


def _if_match(required: bool) -> int | None:
    """The version named by ``If-Match`` (None for ``*`` or, when optional, for none)."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise ApiProblem(
                428,
                _('Send If-Match: "<version>" with the version you read (its ETag).'),
                kind="precondition-required",
            )
        return None
    text = header.strip()
    if text == "*":
        return None
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise ApiProblem(400, _('If-Match must be a version in quotes, such as "3".'))
    return int(text)


def _stale(
    session: Session, runtime: FormRuntime, access: FormAccess, stale: StaleRecord
) -> ApiProblem:
    return ApiProblem(
        412,
        _("The record is at version %(version)s; reload it and apply your change again.")
        % {"version": stale.current.version},
        kind="stale-version",
        extra={
            "current": _record_body(session, runtime, access, stale.current),
            "changes": [_visible_change(change, access) for change in stale.changes],
        },
        headers={"ETag": _etag(stale.current.version)},
    )


def _visible_change(change: dict[str, Any], access: FormAccess) -> dict[str, Any]:
    fields = {k: v for k, v in (change.get("fields") or {}).items() if k not in access.hidden}
    return {**change, "fields": fields}


def _invalid(exc: RecordInvalid) -> ApiProblem:
    return ApiProblem(
        422,
        _("Some values are not valid; see errors."),
        kind="invalid-values",
        errors=field_error_items(exc.errors),
    )


def _locale() -> str:
    from servicekit.platform.web import current_locale

    return current_locale()


# --- records ------------------------------------------------------------------------------


@bp.get("/apps/<app_key>/forms/<form_key>/records")
@public
def list_view(app_key: str, form_key: str) -> Response:
    """One page of records: ``filter``, ``search``, ``sort``, ``cursor``, ``limit``."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    if any("\x00" in value for value in request.args.values()):
        # PostgreSQL cannot compare text with NUL in it; such a query is malformed.
        raise ApiProblem(400, _("The query contains a NUL character."))
    sort = (request.args.get("sort") or "-created_at").strip()[:80]
    descending = sort.startswith("-")
    limit_text = request.args.get("limit", "50")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise ApiProblem(
            400, _("limit must be a whole number from 1 to %(max)s.") % {"max": MAX_LIMIT}
        )
    list_request = ListRequest(
        filter=(request.args.get("filter") or None),
        search=(request.args.get("search") or None),
        sort=sort.lstrip("-+") or "created_at",
        descending=descending,
        cursor=request.args.get("cursor") or None,
        limit=int(limit_text),
    )
    if list_request.filter and len(list_request.filter) > 8192:
        raise ApiProblem(400, _("The filter is too long."))
    _refuse_hidden(runtime, access, list_request)
    try:
        page = list_records(session, runtime, access, list_request, now=_now(), tz=_tz())
    except QueryError as exc:
        problems = [
            {"message": p.message, "line": p.line, "column": p.column} for p in exc.problems
        ]
        raise ApiProblem(400, str(exc), kind="bad-query", extra={"problems": problems}) from exc
    context = _context(app_key)
    values = [_row_values(runtime, row) for row in page.rows]
    titles = title_values(session, runtime, values)
    items = [
        record_json(session, runtime, access, row, row_values, context, _tz(), title_source=title)
        for row, row_values, title in zip(page.rows, values, titles, strict=True)
    ]
    response = jsonify({"items": items, "next_cursor": page.next_cursor})
    if page.next_cursor:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = page.next_cursor
        response.headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return response


def _refuse_hidden(runtime: FormRuntime, access: FormAccess, list_request: ListRequest) -> None:
    """Filtering or sorting on a hidden field would reveal its values; refuse it."""
    used: set[str] = set()
    if access.field_right(list_request.sort) == "hidden":
        used.add(list_request.sort)
    if list_request.filter and access.hidden:
        try:
            rule = compile_rule(
                list_request.filter,
                [f.raw for f in runtime.form.fields],
                forms=runtime.app.fields,
                expect="boolean",
            )
        except RuleError:
            return  # the list query reports the problems with their positions
        used |= {path.split(".")[0] for path in rule.fields} & access.hidden
    if used:
        raise ApiProblem(
            400,
            _("Unknown field: this form has no field with this key.")
            + " "
            + ", ".join(sorted(used)),
            kind="bad-query",
            extra={"problems": []},
        )


def _row_values(runtime: FormRuntime, row: dict[str, Any]) -> dict[str, Any]:
    stored = {f.key for f in runtime.form.stored_fields}
    return {key: value for key, value in row.items() if key in stored}


@bp.post("/apps/<app_key>/forms/<form_key>/records")
@public
def create_view(app_key: str, form_key: str) -> Response:
    """Create a record; answers 201 with its URL and ETag."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    _require(access, "create")
    values = read_values(_json_body(), runtime, access, _tz())
    user = api_user()
    linked = resolve_attachments(session, runtime, values, user_id=user.id, record_id=None)
    try:
        record = runtime.store.create(
            session, values, _context(app_key), actor_id=user.id, locale=_locale()
        )
    except RecordInvalid as exc:
        raise _invalid(exc) from exc
    link_attachments(session, linked, record.id)
    body = _record_body(session, runtime, access, record)
    session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for(
        "api.record_view", app_key=app_key, form_key=form_key, record_id=record.id
    )
    response.headers["ETag"] = _etag(record.version)
    return response


@bp.get(RECORD_URL)
@public
def record_view(app_key: str, form_key: str, record_id: int) -> Response:
    """One record with its subform rows; ``ETag`` is its version."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    record = _readable_record(session, runtime, access, record_id)
    response = jsonify(_record_body(session, runtime, access, record))
    response.headers["ETag"] = _etag(record.version)
    return response


@bp.route(
    RECORD_URL,
    methods=["PATCH", "PUT"],
)
@public
def update_view(app_key: str, form_key: str, record_id: int) -> Response:
    """Change a record at the version in ``If-Match`` (PATCH: given values; PUT: all)."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    current = _readable_record(session, runtime, access, record_id)
    _require(access, "update")
    if not _in_scope(session, runtime, access, record_id, "update"):
        raise ApiProblem(403, _("Your roles do not allow changing this record."))
    expected = _if_match(required=True)
    body = _json_body()
    values = read_values(body, runtime, access, _tz(), current=current.values)
    if request.method == "PUT":
        values = _replacement(runtime, access, values)
    if expected is None:
        expected = current.version
    elif expected != current.version:
        raise _stale(
            session,
            runtime,
            access,
            StaleRecord(current, runtime.store.changes_since(session, record_id, expected)),
        )
    user = api_user()
    linked = resolve_attachments(session, runtime, values, user_id=user.id, record_id=record_id)
    try:
        record = runtime.store.update(
            session,
            record_id,
            values,
            _context(app_key),
            expected_version=expected,
            actor_id=user.id,
            locale=_locale(),
            actor=access.actor,
        )
    except RecordInvalid as exc:
        raise _invalid(exc) from exc
    except StaleRecord as exc:
        raise _stale(session, runtime, access, exc) from exc
    link_attachments(session, linked, record.id)
    body_out = _record_body(session, runtime, access, record)
    session.commit()
    response = jsonify(body_out)
    response.headers["ETag"] = _etag(record.version)
    return response


def _replacement(
    runtime: FormRuntime, access: FormAccess, values: dict[str, Any]
) -> dict[str, Any]:
    """PUT replaces: every field the caller may edit and did not send becomes empty."""
    full = dict(values)
    for item in runtime.form.fields:
        if item.type in ("formula", "auto_number") or item.key in full:
            continue
        if access.field_right(item.key) != "editable":
            continue
        full[item.key] = [] if item.type == "subform" else None
    return full


@bp.delete(RECORD_URL)
@public
def delete_view(app_key: str, form_key: str, record_id: int) -> Response:
    """Move a record to the trash (204); honours ``If-Match`` when given."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    current = _readable_record(session, runtime, access, record_id)
    _require(access, "delete")
    if not _in_scope(session, runtime, access, record_id, "delete"):
        raise ApiProblem(403, _("Your roles do not allow deleting this record."))
    expected = _if_match(required=False)
    if expected is not None and expected != current.version:
        raise _stale(
            session,
            runtime,
            access,
            StaleRecord(current, runtime.store.changes_since(session, record_id, expected)),
        )
    runtime.store.delete(session, record_id, actor_id=api_user().id, now=_now())
    session.commit()
    return Response(status=204)


# --- attachments --------------------------------------------------------------------------


@bp.post("/apps/<app_key>/forms/<form_key>/attachments")
@public
def upload_view(app_key: str, form_key: str) -> Response:
    """Store an upload (multipart ``file``) for ``?field=``; link it by id in a record."""
    session = get_session()
    runtime, access = _form(app_key, form_key)
    if not (access.allows("create") or access.allows("update")):
        raise ApiProblem(403, _("Your roles do not allow adding records or files to this form."))
    key = (request.args.get("field") or "")[:90]
    found = find_file_field(runtime, key)
    if found is None or access.field_right(key.split(".")[0]) != "editable":
        raise ApiProblem(
            422,
            _("Name an attachment, image or signature field in ?field=."),
            kind="invalid-values",
            errors=[
                {
                    "field": key or "field",
                    "row": None,
                    "subfield": None,
                    "message": _("Unknown field: this form has no field with this key."),
                }
            ],
        )
    item, subform = found
    upload = request.files.get("file")
    if upload is None:
        raise ApiProblem(400, _("Send the file as multipart/form-data in a part named file."))
    rules = FileRules.for_field(
        item.type, item.raw, int(current_app.config["SERVICEKIT_MAX_UPLOAD_MB"] * 1024 * 1024)
    )
    try:
        attachment = get_file_store(current_app).save(
            session,
            cast(BinaryIO, upload.stream),
            upload.filename or "file",
            rules,
            app_key=app_key,
            form_key=form_key,
            field_key=file_field_key(item, subform),
            now=_now(),
            user_id=api_user().id,
        )
    except FieldValueError as exc:
        message = _(exc.template) % exc.params if exc.params else _(exc.template)
        status = 413 if exc.template == _TOO_LARGE else 422
        raise ApiProblem(
            status,
            message,
            kind="file-too-large" if status == 413 else "invalid-file",
            errors=[{"field": key, "row": None, "subfield": None, "message": message}],
        ) from exc
    session.commit()
    url = url_for("api.download_attachment", attachment_id=attachment.id)
    response = jsonify(attachment_json(attachment, url))
    response.status_code = 201
    response.headers["Location"] = url
    return response


@bp.get("/attachments/<int(max=" + MAX_ID + "):attachment_id>")
@public
def download_attachment(attachment_id: int) -> Response:
    """The file, if the caller may read its record (else 404); always as a download."""
    session = get_session()
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or not _may_read_attachment(session, attachment):
        raise ApiProblem(404, _("There is no such attachment."))
    try:
        path = get_file_store(current_app).path_of(attachment.stored_name)
    except FileNotFoundError:
        raise ApiProblem(404, _("There is no such attachment.")) from None
    if not path.is_file():
        raise ApiProblem(404, _("There is no such attachment."))
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.name,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _may_read_attachment(session: Session, attachment: Attachment) -> bool:
    user = api_user()
    try:
        runtime = load_form_runtime(session, attachment.app_key, attachment.form_key)
    except FormNotFound:
        return False
    access = form_access(runtime.form, actor_for(user, attachment.app_key))
    if not access.allows("read"):
        return False
    if access.field_right(attachment.field_key.split(".")[0]) == "hidden":
        return False
    if attachment.record_id is None:
        # Not saved with a record yet: only the person who uploaded it may fetch it.
        return attachment.created_by == user.id
    return _in_scope(session, runtime, access, attachment.record_id, "read")


@bp.route("/<path:unknown>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@public
def unknown_view(unknown: str) -> Response:
    """Any other URL under the API: 404 (or 405 for a known URL) as problem details."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _args = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != "api.unknown_view":
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise ApiProblem(404, _("There is no such API address."))


# --- description --------------------------------------------------------------------------


@bp.get("/openapi.json")
@public
def openapi_view() -> Response:
    """The OpenAPI 3.1 document of every form the caller may read."""
    document = openapi_document(
        get_session(), api_user(), _tz(), server=url_for("api.openapi_view").rsplit("/", 1)[0]
    )
    return jsonify(document)
