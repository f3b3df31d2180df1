"""The browser-facing shell: blueprints, templates, i18n, CSRF, assets and error pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError

from servicekit.platform.web.errors import error_response, wants_json
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.rendering import is_htmx, render
from servicekit.platform.web.security import exempt_from_csrf_when, is_safe_redirect, public

_PLATFORM = Path(__file__).resolve().parents[1]

# Carries the platform's templates and static files; other blueprints reuse its layout.
shell = Blueprint("shell", __name__, template_folder=str(_PLATFORM / "templates"))


def _serve_platform_static(app: Flask) -> None:
    # The app is named after the top package, so Flask would look for servicekit/static;
    # the platform's own folder is served at /static instead.
    app.static_folder = str(_PLATFORM / "static")
    if "static" not in app.view_functions:
        app.add_url_rule(
            f"{app.static_url_path}/<path:filename>",
            endpoint="static",
            view_func=app.send_static_file,
        )


def add_nav_link(
    app: Flask,
    endpoint: str,
    label: str,
    icon: str,
    visible: Callable[[Any], bool] | None = None,
) -> None:
    """Show a top-level link in the navbar for signed-in users (e.g. the task inbox).

    ``label`` is an English UI string that the registering package translates in its own
    catalog; the shell never needs to know the packages that add links. ``visible(user)``
    limits the link to some users (the designer to builders); the view must still check.
    """
    app.extensions.setdefault("servicekit.nav_links", []).append(
        {"endpoint": endpoint, "label": label, "icon": icon, "visible": visible}
    )


def _nav_links_for(user: Any) -> list[dict[str, Any]]:
    links = current_app.extensions.get("servicekit.nav_links", [])
    return [link for link in links if link["visible"] is None or link["visible"](user)]


def _shell_context() -> dict[str, Any]:
    from flask_login import current_user

    from servicekit.platform.db import get_session
    from servicekit.platform.web.navigation import installed_apps
    from servicekit.platform.web.notifications import unread_for_request

    if not current_user.is_authenticated:
        return {"nav_apps": [], "unread_notifications": 0}
    try:
        return {
            "nav_apps": installed_apps(get_session(), current_locale()),
            "nav_links": _nav_links_for(current_user),
            "unread_notifications": unread_for_request(),
        }
    except SQLAlchemyError:
        # An error page must still render when the database is what failed.
        get_session().rollback()
        return {"nav_apps": [], "unread_notifications": 0}


def init_app(app: Flask) -> None:
    """Register accounts, i18n, CSRF, assets, error pages and every shell blueprint."""
    from servicekit.platform import accounts
    from servicekit.platform.web import (
        admin,
        assets,
        auth,
        errors,
        formatting,
        health,
        home,
        i18n,
        notifications,
        profile,
        security,
    )

    _serve_platform_static(app)
    accounts.init_app(app)
    i18n.init_i18n(app)
    security.init_security(app)
    assets.init_assets(app)
    errors.init_errors(app)
    formatting.init_formatting(app)
    app.register_blueprint(shell)
    for blueprint in (auth.bp, home.bp, admin.bp, notifications.bp, profile.bp, health.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.context_processor(_shell_context)


__all__ = [
    "add_nav_link",
    "error_response",
    "exempt_from_csrf_when",
    "init_app",
    "is_htmx",
    "is_safe_redirect",
    "public",
    "render",
    "shell",
    "wants_json",
]
