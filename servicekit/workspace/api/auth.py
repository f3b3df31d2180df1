"""Who is calling the API: an API token (``Authorization: Bearer``) or the browser session.

A request that carries an ``Authorization`` header is judged by that header alone, so a
bad token never falls back to a signed-in cookie. Token requests skip the CSRF check (no
browser attaches this header on its own); cookie requests keep it for every write.
"""

from __future__ import annotations

from flask import Request, current_app, g
from flask_babel import gettext as _
from flask_login import current_user

from servicekit.platform.db import get_session
from servicekit.platform.models import User
from servicekit.workspace.api.problems import ApiProblem
from servicekit.workspace.api.tokens import authenticate_token

API_PREFIX = "/api/"


def carries_bearer_token(request: Request) -> bool:
    """CSRF exemption: an API request authenticated by a token rather than a cookie."""
    header = request.headers.get("Authorization", "")
    return request.path.startswith(API_PREFIX) and header[:7].lower() == "bearer "


def _unauthorized(detail: str, error: str | None = None) -> ApiProblem:
    challenge = 'Bearer realm="servicekit"'
    if error:
        challenge += f', error="{error}"'
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


def authenticate_request(request: Request) -> User:
    """The calling user (also kept as ``g.api_user``); raises a 401 problem otherwise."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _unauthorized(_("Send the token as Authorization: Bearer <token>."))
        session = get_session()
        now = current_app.extensions["servicekit.clock"].now()
        user = authenticate_token(session, secret.strip(), now=now)
        if user is None:
            session.rollback()
            raise _unauthorized(_("The API token is not valid or was revoked."), "invalid_token")
        session.commit()
        # The token's user is this request's user (language, templates) without a sign-in:
        # flask-login reads ``g._login_user`` and no session cookie is written.
        g._login_user = user
        g.api_user, g.api_token_auth = user, True
        return user
    if current_user.is_authenticated:
        user = current_user._get_current_object()  # type: ignore[attr-defined]
        g.api_user, g.api_token_auth = user, False
        return user  # type: ignore[no-any-return]
    raise _unauthorized(_("Sign in or send an API token."))


def api_user() -> User:
    """The user the current API request acts for."""
    return g.api_user  # type: ignore[no-any-return]
