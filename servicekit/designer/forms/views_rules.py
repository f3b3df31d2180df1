"""``POST /designer/api/apps/<app>/rules/check``: the rule editor's server check.

Body: ``{"form": key, "rule": text, "expect": type?, "subform": key?, "fields": [...]?,
"values": {...}?, "sample": bool?}``. ``fields`` lets an editor check against fields it
has not saved yet; otherwise the form's draft (or published version) is used. ``values``
(or ``sample: true``, the newest record of the published form) gives a preview value.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from servicekit.designer.forms.blueprint import bp
from servicekit.designer.forms.documents import MAX_KEY, app_exists, fields_of, working_forms
from servicekit.designer.forms.guards import bad_request
from servicekit.designer.forms.rulecheck import EXPECTED, check_rule, rule_scope
from servicekit.platform.db import get_session

MAX_RULE = 8192
MAX_FIELDS = 500


def _sample_values(session: Any, app_key: str, form_key: str) -> tuple[dict[str, Any] | None, str]:
    """The newest record of the published form as rule values, and its number."""
    from servicekit.runtime.forms import FormNotFound, load_form_runtime

    try:
        runtime = load_form_runtime(session, app_key, form_key)
    except FormNotFound:
        return None, ""
    table = runtime.source.table
    row = session.execute(
        select(table.c.id).where(table.c.deleted.is_(False)).order_by(table.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None, ""
    record = runtime.store.get(session, row[0])
    return runtime.store.rule_values(session, record.values), record.number or f"#{record.id}"


@bp.post("/api/apps/<app_key>/rules/check")
def check_rule_view(app_key: str) -> Response:
    """Type, problems (with offsets and "did you mean"), and a preview value of one rule."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return bad_request(_("Send a JSON object."), "$")
    rule = payload.get("rule")
    if not isinstance(rule, str) or len(rule) > MAX_RULE:
        return bad_request(
            _("The rule must be text of at most %(max)s characters.", max=MAX_RULE), "$.rule"
        )
    expect = payload.get("expect") or None
    if expect is not None and expect not in EXPECTED:
        return bad_request(_("Unknown expected type."), "$.expect")
    form_key = str(payload.get("form") or "")[:MAX_KEY]
    session = get_session()
    app_key = app_key[:MAX_KEY]
    if not app_exists(session, app_key):
        abort(404)
    bodies = working_forms(session, app_key)
    forms = {key: fields_of(body) for key, body in bodies.items()}
    inline = payload.get("fields")
    if inline is not None:
        if not isinstance(inline, list) or len(inline) > MAX_FIELDS:
            return bad_request(
                _("Fields must be a list of at most %(max)s fields.", max=MAX_FIELDS), "$.fields"
            )
        fields = [f for f in inline if isinstance(f, dict) and isinstance(f.get("key"), str)]
        if form_key:
            forms[form_key] = fields
    elif form_key in bodies:
        fields = forms[form_key]
    else:
        return bad_request(_("Unknown form %(form)s.", form=form_key), "$.form")
    try:
        scope = rule_scope(fields, payload.get("subform") or None)
    except KeyError:
        return bad_request(_("Unknown subform."), "$.subform")
    if not rule.strip():
        return jsonify({"ok": False, "type": None, "empty": True, "errors": []})
    values = payload.get("values")
    sample_label = ""
    if values is not None and not isinstance(values, dict):
        return bad_request(_("Values must be a JSON object."), "$.values")
    if values is None and payload.get("sample") and form_key:
        values, sample_label = _sample_values(session, app_key, form_key)
    tz = ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    answer = check_rule(
        rule,
        scope,
        forms,
        expect=expect,
        values=values,
        now=current_app.extensions["servicekit.clock"].now(),
        tz=tz,
        user=current_user.rule_context(app_key),
    )
    if sample_label:
        answer["sample"] = sample_label
    return jsonify(answer)
