"""The SLA policy pages: an app's policies in the order they are tried, one policy's form.

People with a role in the app may read its policies; builders and admins may change
them. Every save publishes a new version through the metadata publish path, which checks
the policy with the app's other documents (schema, rule types, workflow nodes, roles), so
the timers always run on a policy that passed those checks.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from servicekit.platform.db import get_session
from servicekit.platform.metadata import MetadataError
from servicekit.platform.metadata.documents import Document
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.metadata.store import latest_bodies, latest_published
from servicekit.platform.models.apps import InstalledApp
from servicekit.platform.registry import get_registry
from servicekit.platform.web import current_locale, render
from servicekit.runtime.sla import shared_calendar_keys
from servicekit.workspace.sla.editing import (
    ACTION_LISTS,
    WHEN_KEYS,
    Problems,
    Slot,
    label_parts,
    parse_policy,
    slots_of,
    step_when,
    value_text,
)

bp = Blueprint(
    "sla",
    __name__,
    url_prefix="/sla",
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACTIONS = ("notify", "reassign", "raise_priority", "set_field")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    locale = current_locale()
    return {
        "label": lambda value: label_text(value, locale),
        "label_parts": label_parts,
        "step_when": step_when,
        "action_lists": ACTION_LISTS,
        "when_keys": WHEN_KEYS,
        "action_types": ACTIONS,
        "value_text": value_text,
    }


def _can_edit() -> bool:
    return bool(current_user.is_authenticated and current_user.is_builder)


def _app_or_404(app_key: str) -> InstalledApp:
    """The installed app, if the user works in it (a role there) or builds apps."""
    if not _KEY.match(app_key):
        abort(404)
    found = get_session().scalar(select(InstalledApp).where(InstalledApp.key == app_key))
    if found is None or not (_can_edit() or current_user.roles_in(app_key)):
        abort(404)
    return found


def _policies(app_key: str) -> list[tuple[str, dict[str, Any]]]:
    """The app's published policies in the order they are tried: by order, then key."""
    bodies = latest_bodies(get_session(), app_key, "sla")
    return sorted(bodies.items(), key=lambda item: (_order(item[1]), item[0]))


def _order(body: dict[str, Any]) -> int:
    value = body.get("order", 0)
    return value if isinstance(value, int) else 0


def _publish(app_key: str, bodies: dict[str, dict[str, Any]]) -> list[Any]:
    """Publish changed policies in one transaction; the problems if they were refused."""
    session = get_session()
    clock = current_app.extensions["servicekit.clock"]
    documents = [Document("sla", key, f"sla/{key}.json", body) for key, body in bodies.items()]
    try:
        publish_documents(
            session,
            app_key,
            documents,
            get_registry(current_app),
            author_id=current_user.id,
            now=clock.now(),
            tz=ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"]),
            apply=True,
        )
    except MetadataError as exc:
        session.rollback()
        return exc.problems
    session.commit()
    return []


@bp.get("/")
def index() -> Response:
    """The apps the user works in, each with its policies."""
    session = get_session()
    apps = [
        app
        for app in session.scalars(select(InstalledApp).order_by(InstalledApp.position))
        if _can_edit() or current_user.roles_in(app.key)
    ]
    rows = [{"app": app.key, "policies": _policies(app.key)} for app in apps]
    return render("sla/index.html", rows=rows, can_edit=_can_edit())


@bp.get("/<app_key>/")
def app_policies(app_key: str) -> Response:
    """One app's policies in the order they are tried, with a way to reorder them."""
    _app_or_404(app_key)
    return render(
        "sla/policies.html",
        app_key=app_key,
        policies=_policies(app_key),
        can_edit=_can_edit(),
    )


@bp.post("/<app_key>/order")
def reorder(app_key: str) -> Response:
    """Move one policy up or down (``move=up:key``), or set the whole order (``keys``)."""
    _app_or_404(app_key)
    if not _can_edit():
        abort(403)
    policies = _policies(app_key)
    keys = [key for key, _body in policies]
    wanted = [k[:40] for k in request.form.getlist("keys")[:200]]
    move = (request.form.get("move") or "")[:60]
    if wanted:
        if sorted(wanted) != sorted(keys):
            abort(400)
        keys = wanted
    elif ":" in move:
        direction, key = move.split(":", 1)
        if key not in keys or direction not in ("up", "down"):
            abort(400)
        here = keys.index(key)
        there = here - 1 if direction == "up" else here + 1
        if 0 <= there < len(keys):
            keys[here], keys[there] = keys[there], keys[here]
    else:
        abort(400)
    bodies = dict(policies)
    changed = {
        key: {**bodies[key], "order": (index + 1) * 10}
        for index, key in enumerate(keys)
        if bodies[key].get("order") != (index + 1) * 10
    }
    problems = _publish(app_key, changed) if changed else []
    if problems:
        flash("; ".join(str(p) for p in problems), "danger")
    elif changed:
        flash(_("The new order is published."), "success")
    return redirect(url_for("sla.app_policies", app_key=app_key), 303)  # type: ignore[return-value]


def _choices(app_key: str) -> dict[str, Any]:
    """What the form offers: the app's forms, calendars, and workflow nodes per form."""
    session = get_session()
    forms = latest_bodies(session, app_key, "form")
    calendars = sorted(set(latest_bodies(session, app_key, "calendar")))
    calendars += [key for key in shared_calendar_keys(session) if key not in calendars]
    nodes: list[tuple[str, Any]] = []
    for workflow in latest_bodies(session, app_key, "workflow").values():
        for node in workflow.get("nodes") or []:
            if node.get("key") and node["key"] not in dict(nodes):
                nodes.append((node["key"], node.get("label")))
    return {
        "forms": [(key, body.get("label")) for key, body in forms.items()],
        "calendars": calendars,
        "nodes": nodes,
    }


def _show(
    app_key: str,
    key: str,
    body: dict[str, Any],
    version: int | None,
    *,
    slots: list[Slot] | None = None,
    problems: Problems | None = None,
    status: int = 200,
    new: bool = False,
) -> Response:
    slots = slots if slots is not None else slots_of(body)
    problems = problems or Problems()
    problems.place(slots)
    return render(
        "sla/policy.html",
        status=status,
        app_key=app_key,
        key=key,
        body=body,
        version=version,
        slots=slots,
        blank_slot=Slot(f"n{len(slots) - 2}", "node"),
        problems=problems,
        can_edit=_can_edit(),
        new=new,
        **_choices(app_key),
    )


@bp.get("/<app_key>/new")
def new_policy(app_key: str) -> Response:
    """An empty policy form for the work-order form, tried after the existing ones."""
    _app_or_404(app_key)
    if not _can_edit():
        abort(403)
    policies = _policies(app_key)
    last = max((_order(body) for _key, body in policies), default=0)
    # The form a workflow runs on is the one whose records have clocks.
    workflows = latest_bodies(get_session(), app_key, "workflow").values()
    forms = [w.get("form") for w in workflows if w.get("form")]
    forms += list(latest_bodies(get_session(), app_key, "form"))
    body: dict[str, Any] = {"order": last + 10, "form": next(iter(forms), None)}
    return _show(app_key, "", body, None, new=True)


@bp.post("/<app_key>/new")
def create_policy(app_key: str) -> Response:
    """Publish the first version of a new policy."""
    _app_or_404(app_key)
    if not _can_edit():
        abort(403)
    key = (request.form.get("key") or "").strip()[:40]
    found: list[tuple[str, str]] = []
    if not _KEY.match(key):
        found.append(("$.key", _("Use lowercase letters, digits and underscores.")))
    elif latest_published(get_session(), app_key, "sla", key) is not None:
        found.append(("$.key", _("A policy with the key %(key)s exists already.", key=key)))
    return _save(app_key, key, {"key": key}, None, found, new=True)


@bp.get("/<app_key>/<key>")
def show_policy(app_key: str, key: str) -> Response:
    """One policy: its condition, calendar, targets with their ladders, and pauses."""
    _app_or_404(app_key)
    document = latest_published(get_session(), app_key, "sla", key) if _KEY.match(key) else None
    if document is None:
        abort(404)
    return _show(app_key, key, dict(document.body), document.version)


@bp.post("/<app_key>/<key>")
def save_policy(app_key: str, key: str) -> Response:
    """Publish the posted form as the policy's next version, or show what is wrong where."""
    _app_or_404(app_key)
    if not _can_edit():
        abort(403)
    document = latest_published(get_session(), app_key, "sla", key) if _KEY.match(key) else None
    if document is None:
        abort(404)
    if str(document.version) != (request.form.get("version") or ""):
        flash(
            _(
                "Someone published version %(version)s of this policy while you were editing; "
                "this is the new version. Make your change again.",
                version=document.version,
            ),
            "warning",
        )
        return _show(app_key, key, dict(document.body), document.version, status=409)
    return _save(app_key, key, dict(document.body), document.version, [])


def _save(
    app_key: str,
    key: str,
    old: dict[str, Any],
    version: int | None,
    found: list[tuple[str, str]],
    *,
    new: bool = False,
) -> Response:
    body, slots, parsed = parse_policy(request.form, old)
    body["key"] = key
    found = found + parsed
    if not found:
        problems = _publish(app_key, {key: body})
        mine = f"sla/{key}.json"
        found = [(p.path, p.message) for p in problems if p.file in (mine, None)]
        found += [
            ("$", f"{p.file}: {p.path}: {p.message}")
            for p in problems
            if p.file not in (mine, None)
        ]
    if found:
        return _show(
            app_key,
            key,
            body,
            version,
            slots=slots,
            problems=Problems(found),
            status=422,
            new=new,
        )
    flash(_("Published as a new version."), "success")
    return redirect(url_for("sla.show_policy", app_key=app_key, key=key), 303)  # type: ignore[return-value]
