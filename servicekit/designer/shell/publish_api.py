"""Publishing from the designer: preview with ``confirm: false``, publish with ``confirm: true``.

``POST /designer/api/apps/<app>/<kind>/<key>/publish`` publishes one draft;
``POST /designer/api/apps/<app>/publish`` publishes every draft of the app together.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from servicekit.designer.shell import drafts
from servicekit.designer.shell.api import json_error, problems_json, resolve
from servicekit.designer.shell.publishing import PlanChanged, drafts_to_publish, publish_drafts
from servicekit.platform.db import get_db, get_session
from servicekit.platform.metadata.problems import MetadataError
from servicekit.platform.web.i18n import current_locale

bp = Blueprint("designer_shell_publish", __name__, url_prefix="/designer/api")


def _payload() -> dict[str, Any]:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def _publish(app_key: str, only: tuple[str, str] | None, payload: dict[str, Any]) -> Response:
    """Run the preview or the publish in one transaction; only a publish is committed."""
    session = get_db().sessions()
    try:
        with session.begin():
            response, commit = _publish_in(session, app_key, only, payload)
            if not commit:
                session.rollback()
        return response
    finally:
        session.close()


def _publish_in(
    session: Session, app_key: str, only: tuple[str, str] | None, payload: dict[str, Any]
) -> tuple[Response, bool]:
    confirm = payload.get("confirm") is True
    plan = payload.get("plan") if isinstance(payload.get("plan"), str) else None
    clock = current_app.extensions["servicekit.clock"]
    chosen = drafts_to_publish(session, app_key, only)
    if only is not None:
        draft = next((d for d in chosen if (d.kind, d.key) == only), None)
        if draft is None:
            return json_error(404, _("There is no draft of this document to publish.")), False
        if payload.get("revision") != draft.checksum:
            message = _("The draft changed since you looked at it; review it again.")
            theirs = {"body": draft.body, "revision": draft.checksum}
            return json_error(409, message, theirs=theirs), False
    if not chosen:
        return json_error(404, _("There are no drafts to publish.")), False
    try:
        summary = publish_drafts(
            session,
            app_key,
            chosen,
            current_app.extensions["servicekit.registry"],
            author_id=current_user.id,
            now=clock.now(),
            tz=clock.tz,
            locale=current_locale(),
            apply=confirm,
            plan=plan,
        )
    except MetadataError as error:
        message = _("Fix these problems before publishing.")
        return json_error(422, message, problems=problems_json(error.problems)), False
    except PlanChanged:
        message = _("The changes to publish differ from the preview; look at the preview again.")
        return json_error(409, message), False
    if confirm and not summary.applied:
        message = _("Publishing was refused because existing data would be lost.")
        return json_error(422, message, **summary.to_dict()), False
    return jsonify(summary.to_dict()), summary.applied


@bp.post("/apps/<app_key>/<kind>/<key>/publish")
def publish_one(app_key: str, kind: str, key: str) -> Response:
    """Preview or publish one document's draft (with the app draft of a new app)."""
    normal, error = resolve(app_key, kind, key)
    if error is not None:
        return error
    return _publish(app_key, (normal, key), _payload())


@bp.post("/apps/<app_key>/publish")
def publish_all(app_key: str) -> Response:
    """Preview or publish every draft of an app together."""
    if not drafts.valid_key(app_key) or not drafts.app_exists(get_session(), app_key):
        return json_error(404, _("There is no app '%(app)s'.", app=app_key))
    return _publish(app_key, None, _payload())
