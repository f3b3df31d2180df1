"""The workflow designer's page and its JSON endpoints (pickers' data, simulation).

Every route is for builders and admins only (the designer shell checks every ``designer_*``
blueprint before each request); POSTs carry the CSRF token in ``X-CSRFToken``. The simulation runs in a
read-only, rolled-back session: it can read people and records but never write.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from servicekit.designer.workflows.pickers import picker_data
from servicekit.designer.workflows.readonly import read_only_session
from servicekit.designer.workflows.scenario import build_scenario
from servicekit.designer.workflows.simulation import SimulationError, act, begin
from servicekit.platform.db import get_db, get_session
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.models import MetadataDocument
from servicekit.platform.web import current_locale, render

_HERE = Path(__file__).resolve().parent
bp = Blueprint(
    "designer_workflows",
    __name__,
    url_prefix="/designer",
    template_folder=str(_HERE / "templates"),
    static_folder=str(_HERE / "static"),
    static_url_path="/workflows-static",
)

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_REQUEST_BYTES = 2 * 1024 * 1024


def _check_keys(app_key: str, key: str) -> None:
    if not KEY.match(app_key) or not KEY.match(key):
        abort(404)


@bp.get("/apps/<app_key>/workflows/<key>")
def editor(app_key: str, key: str) -> Response:
    """The canvas, the node and edge panels and the simulation panel for one workflow."""
    _check_keys(app_key, key)
    session = get_session()
    exists = session.scalar(
        select(MetadataDocument.id).where(MetadataDocument.app_key == app_key).limit(1)
    )
    if exists is None:
        abort(404)
    return render(
        "designer/workflows/editor.html",
        app_key=app_key,
        key=key,
        draft_url=f"/designer/api/apps/{app_key}/workflow/{key}/draft?new=1",
        sla_draft_url=f"/designer/api/apps/{app_key}/sla/{{key}}/draft",
        context_url=url_for(".context", app_key=app_key, key=key),
        simulate_url=url_for(".simulate", app_key=app_key, key=key),
        rule_check_url=f"/designer/api/apps/{app_key}/rules/check",
        messages_json=json.dumps(_messages(), ensure_ascii=False),
    )


@bp.get("/api/apps/<app_key>/workflows/<key>/context")
def context(app_key: str, key: str) -> Response:
    """What the panels pick from: forms and their fields, roles, users, SLA policies."""
    _check_keys(app_key, key)
    return jsonify(picker_data(get_session(), app_key, request.args.get("form"), current_locale()))


@bp.post("/api/apps/<app_key>/workflows/<key>/simulate")
def simulate(app_key: str, key: str) -> Response:
    """One simulation step.

    JSON in: ``{"body": <workflow draft>, "sample": {"record": id} | {"values": {...}},
    "actor": {"user": id} | {"roles": [...]}, "position": <from the last answer>,
    "step": {"node", "action"}}`` (no ``step``: start a new work order). Out: the trail of
    what happened, the open tasks with assignment, offered and refused actions (blocked
    guards with the values they read), SLA policy choice and started targets, and the new
    ``position``. 422 with ``error`` and ``path`` when the draft or the input cannot be used.
    """
    _check_keys(app_key, key)
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        return _error(_("The request is too large."), "$", 413)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), dict):
        return _error(_("Send the workflow as JSON in “body”."), "body")
    step = payload.get("step")
    if step is not None and not (
        isinstance(step, dict)
        and isinstance(step.get("node"), str)
        and isinstance(step.get("action"), str)
    ):
        return _error(_("A step names a node and an action."), "step")
    clock = current_app.extensions["servicekit.clock"]
    tz = ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    locale = current_locale()
    with read_only_session(get_db(current_app)) as session:
        try:
            sc = build_scenario(
                session,
                app_key=app_key,
                body=payload["body"],
                sample=payload.get("sample") if isinstance(payload.get("sample"), dict) else {},
                actor_spec=payload.get("actor") if isinstance(payload.get("actor"), dict) else {},
                now=clock.now(),
                tz=tz,
                locale=locale,
            )
            if step is None:
                result = begin(sc)
            else:
                position = payload.get("position")
                result = act(
                    sc,
                    position if isinstance(position, dict) else {},
                    step["node"],
                    step["action"],
                )
        except SimulationError as exc:
            return _error(_(exc.template, **exc.params), exc.path)
        result["labels"] = {
            n.key: label_text(n.label, locale) or n.key for n in sc.workflow.nodes.values()
        }
    return jsonify(result)


def _error(message: str, path: str, status: int = 422) -> Response:
    response = jsonify({"error": message, "path": path})
    response.status_code = status
    return response


def _messages() -> dict[str, str]:
    """The panel's texts in the reader's language (the script fills in ``{name}`` parts)."""
    return {
        "started": _("A work order is created at {node}."),
        "moved": _("{from} → {to} by “{edge}”."),
        "entered": _("Task opened at {node}."),
        "decided": _("Gateway {node} took “{edge}”."),
        "ended": _("The work order ended at {node} ({outcome})."),
        "waiting": _("{arrived} of {of} branches arrived at {node}."),
        "paused": _("SLA clocks pause at {node}."),
        "action": _("Automatic action {type} at {node}."),
        "acted": _("{actor} took “{action}” at {node}."),
        "guard_false": _("Guard blocked"),
        "guard_true": _("Guard holds"),
        "guard_error": _("Guard cannot be evaluated"),
        "values_read": _("Values it read"),
        "not_assigned": _("Not this actor's task (pool {pool})."),
        "roles": _("Only roles {roles} may take this action."),
        "required": _("Required fields are empty: {fields}."),
        "guard": _("Its guard does not hold."),
        "assigned": _("Assignment"),
        "candidates": _("Candidates"),
        "no_policy": _("No SLA policy applies."),
        "policy": _("SLA policy"),
        "sla_started": _("SLA targets started"),
        "due": _("due"),
        "offered": _("Offered actions"),
        "refused": _("Not offered"),
        "ended_title": _("Finished"),
        "previous": _("Returned work goes to whoever did this step before."),
        "matches": _("matches"),
        "no_match": _("does not match"),
        "open_tasks": _("Open tasks"),
        "trail": _("What happened"),
        "limit": _("Time limit"),
        "default_path": _("default"),
        "new_policy": _("Time limits"),
        "sla_saving": _("Saving…"),
        "sla_saved": _("Saved in the SLA policy."),
        "sla_failed": _("Not saved: "),
    }
