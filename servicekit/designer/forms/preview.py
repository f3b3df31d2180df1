"""Live preview of a form draft: the workspace's record form, built from the DRAFT body.

The draft is turned into the same typed form, record source and compiled rules that a
published version gets (nothing is written: no table is created, no version added), so
the preview draws and recalculates with the workspace's own form code. Builders act as
admins here: every field is editable.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user

from servicekit.designer.forms.documents import draft_body
from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.storage import sources_for_app
from servicekit.platform.web.i18n import current_locale
from servicekit.runtime.forms import (
    Actor,
    AppForms,
    FormLogic,
    FormRuntime,
    RecordStore,
    form_access,
)
from servicekit.runtime.rules import RuleError
from servicekit.workspace.records.access import FormScope, user_zone


class PreviewUnavailable(Exception):
    """The draft cannot be drawn yet (missing, or too broken); the message says why."""


def preview_scope(session: Any, app_key: str, form_key: str) -> FormScope:
    """A :class:`FormScope` over the draft of ``form_key`` (its published version if none)."""
    bodies = dict(latest_bodies(session, app_key, "form"))
    body = draft_body(session, app_key, "form", form_key)
    if body is None:
        body = bodies.get(form_key)
    if not isinstance(body, dict) or not body.get("fields"):
        raise PreviewUnavailable("empty")
    bodies[form_key] = {**body, "key": form_key}
    try:
        sources = sources_for_app(app_key, bodies)
        fields = {key: item.get("fields", []) for key, item in bodies.items()}
        source = sources[form_key]
        store = RecordStore(source, FormLogic.build(source.form, fields))  # type: ignore[arg-type]
    except RuleError as exc:
        raise PreviewUnavailable(exc.render()) from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A draft that does not yet follow the schema; the problems list says where.
        raise PreviewUnavailable(str(exc)) from exc
    forms = AppForms(app_key, (), sources, fields, {form_key: store})
    runtime = FormRuntime(forms, form_key)
    actor = Actor(
        id=current_user.id,
        roles=frozenset(current_user.roles_in(app_key)),
        is_admin=True,
        rule_user=current_user.rule_context(app_key),
    )
    return FormScope(
        app_key=app_key,
        runtime=runtime,
        access=form_access(runtime.form, actor),
        session=session,
        now=current_app.extensions["servicekit.clock"].now(),
        tz=user_zone(),
        app_tz=ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"]),
        locale=current_locale(),
    )
