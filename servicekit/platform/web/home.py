"""The signed-in user's home page and the app pages (form pages live in the workspace)."""

from __future__ import annotations

from flask import Blueprint, abort
from werkzeug.wrappers import Response

from servicekit.platform.db import get_session
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.navigation import find_app, installed_apps
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
