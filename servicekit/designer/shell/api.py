"""The draft API every editor talks to: load a draft, autosave it, and see its problems.

``GET  /designer/api/apps/<app>/<kind>/<key>/draft`` and
``PUT  /designer/api/apps/<app>/<kind>/<key>/draft`` — the shape is written down for the
editors in docs (see ``designer-draft.js``); a stale save answers 409 with the other
builder's change. Publishing is in :mod:`servicekit.designer.shell.publish_api`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from servicekit.designer.shell import drafts
from servicekit.platform.db import get_db, get_session
from servicekit.platform.metadata.problems import Problem

bp = Blueprint("designer_shell_api", __name__, url_prefix="/designer/api")


def json_error(status: int, message: str, **extra: Any) -> Response:
    """A JSON error answer ``{"error": message, ...}`` for the editors' fetch calls."""
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


def problems_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [problem.to_dict() for problem in problems]


def resolve(
    app_key: str, kind: str, key: str, *, creating: bool = False
) -> tuple[str, Response | None]:
    """Check the URL parts; returns the singular kind, or an error response to send."""
    normal = drafts.normalize_kind(kind)
    if normal is None:
        return "", json_error(
            404, _("The designer does not edit documents of kind '%(kind)s'.", kind=kind)
        )
    if not drafts.valid_key(app_key) or not drafts.valid_key(key):
        return "", json_error(
            404,
            _("Keys use lowercase letters, digits and underscores, starting with a letter."),
        )
    if normal == "app" and key != app_key:
        return "", json_error(
            404, _("The app document's key is the app key, '%(app)s'.", app=app_key)
        )
    exists = drafts.app_exists(get_session(), app_key)
    if not exists and not (creating and normal == "app"):
        return "", json_error(404, _("There is no app '%(app)s'.", app=app_key))
    return normal, None


@bp.get("/apps/<app_key>/<kind>/<key>/draft")
def get_draft(app_key: str, kind: str, key: str) -> Response:
    """The draft (or newest published body) with its revision and problems."""
    new = request.args.get("new") == "1"
    kind, error = resolve(app_key, kind, key, creating=new)
    if error is not None:
        return error
    session = get_session()
    state = drafts.load_state(session, app_key, kind, key)
    if not state.exists:
        if not new:
            return json_error(
                404,
                _("There is no document '%(key)s' yet; open it with ?new=1 to start one.", key=key),
            )
        state.body = drafts.starter_body(app_key, kind, key)
    registry = current_app.extensions["servicekit.registry"]
    checked = drafts.check_in_app(session, app_key, kind, key, state.body, registry)
    return jsonify(
        {
            "body": state.body,
            "revision": state.revision,
            "published_version": state.published_version,
            "file": drafts.file_of(kind, key),
            "problems": problems_json(checked.mine),
            "other_problems": problems_json(checked.others),
        }
    )


@bp.put("/apps/<app_key>/<kind>/<key>/draft")
def put_draft(app_key: str, kind: str, key: str) -> Response:
    """Save the draft if ``revision`` is still the stored one; 409 with theirs otherwise."""
    kind, error = resolve(app_key, kind, key, creating=True)
    if error is not None:
        return error
    if (request.content_length or 0) > drafts.MAX_DRAFT_BYTES:
        return json_error(413, _("The document is too large to save."))
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or "body" not in payload:
        return json_error(400, _('Send a JSON object {"body": ..., "revision": ...}.'))
    body, revision = payload["body"], payload.get("revision") or ""
    if not isinstance(body, dict):
        return json_error(400, _("The document must be a JSON object."))
    if not isinstance(revision, str):
        return json_error(400, _("The revision must be text."))
    database = get_db()
    try:
        with database.transaction() as session:
            draft, checked = drafts.save_checked(
                session,
                app_key,
                kind,
                key,
                body,
                revision,
                author_id=current_user.id,
                now=current_app.extensions["servicekit.clock"].now(),
                registry=current_app.extensions["servicekit.registry"],
            )
            saved = {"revision": draft.checksum, "at": draft.created_at.isoformat()}
    except drafts.Conflict as conflict:
        return json_error(
            409,
            _("Someone else saved this document since you loaded it."),
            theirs=conflict.to_dict(),
        )
    return jsonify(
        {
            **saved,
            "file": drafts.file_of(kind, key),
            "problems": problems_json(checked.mine),
            "other_problems": problems_json(checked.others),
        }
    )
