"""``POST /designer/api/apps/<app>/forms/<form>/numbering/preview``: the live numbering preview.

Body: ``{"pattern": text, "reset": "never"|"daily"|"monthly"|"yearly", "field": key?,
"path": "$.numbering"|"$.fields[N].numbering"}``. ``field`` names an auto-number field (its
own sequence); without it the form's business number is previewed. Answers with the next
number for today in the app's time zone, or the checker's problems at ``path``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from servicekit.designer.forms.blueprint import bp
from servicekit.designer.forms.guards import bad_request, form_session, valid_key
from servicekit.designer.forms.numbering import (
    MAX_PATTERN,
    NUMBERING_PATH,
    RESET_NAMES,
    numbering_preview,
    sequence_name,
)


@bp.post("/api/apps/<app_key>/forms/<form_key>/numbering/preview")
def numbering_preview_view(app_key: str, form_key: str) -> Response:
    """The next number of a pattern being typed, or its problems in the builder's language."""
    session = form_session(app_key, form_key)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return bad_request(_("Send a JSON object."), "$")
    pattern = payload.get("pattern")
    if not isinstance(pattern, str) or not 0 < len(pattern) <= MAX_PATTERN:
        message = _("The pattern must be text of 1 to %(max)s characters.", max=MAX_PATTERN)
        return bad_request(message, "$.pattern")
    reset = payload.get("reset") or "never"
    if reset not in RESET_NAMES:
        return bad_request(_("Unknown reset period."), "$.reset")
    field = payload.get("field") or None
    if field is not None and not (isinstance(field, str) and valid_key(field)):
        return bad_request(_("Unknown field."), "$.field")
    path = payload.get("path") or "$.numbering"
    if not isinstance(path, str) or not NUMBERING_PATH.match(path):
        return bad_request(_("Unknown numbering path."), "$.path")
    tz = ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    answer = numbering_preview(
        session,
        sequence_name(app_key, form_key, field),
        {"pattern": pattern, "reset": reset},
        path,
        local_now=current_app.extensions["servicekit.clock"].now().astimezone(tz),
        translate=_,
    )
    return jsonify(answer)
