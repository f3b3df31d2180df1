"""Sign-in and sign-out pages, with throttling of repeated failures."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from servicekit.platform.accounts import (
    clear_failures,
    get_user_by_login,
    is_throttled,
    record_failure,
    verify_password,
)
from servicekit.platform.accounts.passwords import MAX_LENGTH
from servicekit.platform.db import get_session
from servicekit.platform.web._context import now
from servicekit.platform.web.rendering import render
from servicekit.platform.web.security import is_safe_redirect, public

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _limits() -> tuple[int, int]:
    config = current_app.config
    return int(config["SERVICEKIT_LOGIN_RATE_LIMIT"]), int(config["SERVICEKIT_LOGIN_RATE_WINDOW"])


def _next_target() -> str:
    target = request.values.get("next", "")
    return target if is_safe_redirect(target) else url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response:
    """Show the sign-in form; on POST check the password and sign the user in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_target())
    if request.method == "GET":
        return render("auth/login.html", next=request.args.get("next", ""))

    login_name = (request.form.get("login") or "").strip()[:64]
    password = (request.form.get("password") or "")[:MAX_LENGTH]
    address = (request.remote_addr or "unknown")[:64]
    limit, window = _limits()
    db = get_session()
    moment = now()
    if is_throttled(db, login=login_name, address=address, now=moment, limit=limit, window=window):
        log.warning("sign-in throttled for login %r from %s", login_name, address)
        message = _("Too many failed sign-ins. Please wait a few minutes and try again.")
        return render(
            "auth/login.html",
            status=429,
            error=message,
            login=login_name,
            next=request.form.get("next", ""),
        )

    user = get_user_by_login(db, login_name) if login_name else None
    if user is None or not user.active or not verify_password(user, password):
        record_failure(db, login=login_name, address=address, now=moment)
        db.commit()
        # Never log the password, only who tried and from where.
        log.info("failed sign-in for login %r from %s", login_name, address)
        return render(
            "auth/login.html",
            status=401,
            login=login_name,
            error=_("The login name or password is not correct."),
            next=request.form.get("next", ""),
        )

    clear_failures(db, login=login_name, now=moment, window=window)
    user.last_login_at = moment
    db.commit()
    locale = session.get("locale")
    # A fresh session on sign-in: nothing from the anonymous visit carries over but the language.
    session.clear()
    if locale and not user.locale:
        session["locale"] = locale
    login_user(user)
    log.info("user %s signed in from %s", user.login, address)
    return redirect(_next_target())


@bp.post("/logout")
def logout() -> Response:
    """Sign out and return to the sign-in page."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
