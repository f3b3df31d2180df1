"""flask-login wiring: loads the signed-in user for each request from the request's session."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from servicekit.platform.db import get_session
from servicekit.platform.models.accounts import User


def _load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    # A disabled user loses access at their next request, not at their next sign-in.
    return user if user is not None and user.active else None


def init_login(app: Flask) -> LoginManager:
    """Install a LoginManager that sends anonymous visitors to ``auth.login``."""
    manager = LoginManager()
    manager.login_view = "auth.login"
    manager.login_message = None  # type: ignore[assignment]  # the login page explains itself
    manager.session_protection = "basic"
    manager.user_loader(_load_user)
    manager.init_app(app)
    app.extensions["servicekit.login"] = manager
    return manager
