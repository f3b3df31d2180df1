"""The user's API tokens page (``/profile/tokens``): create one (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from servicekit.platform.db import get_session
from servicekit.platform.web import render
from servicekit.platform.web._context import form_text, me, now
from servicekit.workspace.api.tokens import MAX_NAME, create_token, revoke_token, user_tokens

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/tokens")


@bp.get("/")
def index() -> Response:
    """The signed-in user's tokens."""
    return render("api_tokens/index.html", tokens=user_tokens(get_session(), me().id))


@bp.post("/")
def create() -> Response:
    """Create a token and show it this once."""
    session = get_session()
    user = me()
    token, secret = create_token(session, user.id, form_text("name", MAX_NAME), now=now())
    session.commit()
    return render(
        "api_tokens/index.html",
        tokens=user_tokens(session, user.id),
        new_token=secret,
        new_token_name=token.name,
    )


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    """Revoke one of the user's own tokens."""
    session = get_session()
    if revoke_token(session, token_id, now=now(), user_id=me().id) is None:
        abort(404)
    session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("api_tokens.index"))  # type: ignore[return-value]
