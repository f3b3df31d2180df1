"""The signed-in user's home page and the read-only app and form pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from werkzeug.wrappers import Response

from servicekit.platform.db import get_session
from servicekit.platform.metadata import label_text
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.navigation import find_app, installed_apps, latest_published_body
from servicekit.platform.web.rendering import render

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    """Installed apps as cards, or how to install the first one."""
    return render("home/index.html", apps=installed_apps(get_session(), current_locale()))


@bp.get("/apps/<app_key>")
def app_page(app_key: str) -> Response:
    """An app's label, description and navigation entries."""
    app = find_app(get_session(), app_key[:40], current_locale())
    if app is None:
        abort(404)
    return render("home/app.html", app=app)


@bp.get("/apps/<app_key>/forms/<form_key>")
def form_page(app_key: str, form_key: str) -> Response:
    """A form's label and its fields; record lists arrive with a later release."""
    db = get_session()
    locale = current_locale()
    app = find_app(db, app_key[:40], locale)
    body = latest_published_body(db, app_key[:40], "form", form_key[:40]) if app else None
    if app is None or not isinstance(body, dict):
        abort(404)
    fields = [
        _field_row(field, locale) for field in body.get("fields") or [] if isinstance(field, dict)
    ]
    return render(
        "home/form.html",
        app=app,
        form_key=form_key,
        form_label=label_text(body.get("label"), locale) or form_key,
        fields=fields,
    )


def _field_row(field: dict[str, Any], locale: str) -> dict[str, Any]:
    return {
        "key": str(field.get("key", "")),
        "label": label_text(field.get("label"), locale),
        "type": str(field.get("type", "")),
        "required": bool(field.get("required")),
    }
