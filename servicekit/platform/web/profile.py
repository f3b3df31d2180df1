"""The user's own profile: language, time zone and password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from servicekit.platform.accounts import AccountError, set_password, update_user, verify_password
from servicekit.platform.db import get_session
from servicekit.platform.web._context import form_secret, form_text, me
from servicekit.platform.web.rendering import render

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.get("/")
def index() -> Response:
    """Show the profile forms."""
    return render("profile/index.html", user=me())


@bp.post("/")
def update() -> Response:
    """Save language and time zone."""
    db = get_session()
    user = me()
    try:
        update_user(user, locale=form_text("locale", 10), timezone=form_text("timezone", 64))
    except AccountError as exc:
        db.rollback()
        return render("profile/index.html", status=400, user=me(), error=str(exc))
    db.commit()
    if user.locale:
        session["locale"] = user.locale
    flash(_("Your profile was saved."), "success")
    return redirect(url_for("profile.index"))  # type: ignore[return-value]


@bp.post("/password")
def change_password() -> Response:
    """Change the user's own password after checking the current one."""
    db = get_session()
    user = me()
    current = form_secret("current_password")
    new = form_secret("new_password")
    if not verify_password(user, current):
        return render(
            "profile/index.html",
            status=400,
            user=user,
            password_error=_("The current password is not correct."),
        )
    if new != form_secret("confirm_password"):
        return render(
            "profile/index.html",
            status=400,
            user=user,
            password_error=_("The two new passwords differ."),
        )
    try:
        set_password(db, user, new)
    except AccountError as exc:
        db.rollback()
        return render("profile/index.html", status=400, user=me(), password_error=str(exc))
    db.commit()
    flash(_("Your password was changed."), "success")
    return redirect(url_for("profile.index"))  # type: ignore[return-value]
