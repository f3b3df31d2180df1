"""The notification bell, the notification list and marking notifications read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from servicekit.platform.accounts import list_notifications, mark_all_read, mark_read, unread_count
from servicekit.platform.db import get_session
from servicekit.platform.web._context import me, now
from servicekit.platform.web.rendering import is_htmx, render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
def index() -> Response:
    """The user's notifications, newest first."""
    db = get_session()
    user = me()
    return render(
        "notifications/index.html",
        "notifications/_list.html",
        notifications=list_notifications(db, user.id),
        unread=unread_count(db, user.id),
    )


@bp.get("/bell")
def bell() -> Response:
    """The bell with the unread count (htmx refreshes this fragment)."""
    return render("notifications/_bell.html", unread=unread_count(get_session(), me().id))


@bp.post("/<int:notification_id>/read")
def read(notification_id: int) -> Response:
    """Mark one notification read."""
    db = get_session()
    if not mark_read(db, me().id, notification_id, now()):
        abort(404)
    db.commit()
    return _back()


@bp.post("/read-all")
def read_all() -> Response:
    """Mark every notification read."""
    db = get_session()
    mark_all_read(db, me().id, now())
    db.commit()
    return _back()


def _back() -> Response:
    if is_htmx():
        return index()
    return redirect(url_for("notifications.index"))  # type: ignore[return-value]


def unread_for_request() -> int:
    """Unread count for the navbar of the current page (0 when nobody is signed in)."""
    from flask_login import current_user

    if not current_user.is_authenticated or request.endpoint == "static":
        return 0
    return unread_count(get_session(), me().id)
