"""CSRF protection and the sign-in requirement, applied to every request of the app.

Other subsystems hook in here: :func:`exempt_from_csrf_when` lets the REST API skip the
CSRF check for requests it authenticated with an API token, and :func:`public` marks a view
that anonymous visitors may open (public forms, status links).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

View = TypeVar("View", bound=Callable[..., Any])
CsrfExemption = Callable[[Request], bool]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def public(view: View) -> View:
    """Mark a view as open to visitors who are not signed in."""
    view._servicekit_public = True  # type: ignore[attr-defined]
    return view


def exempt_from_csrf_when(app: Flask, check: CsrfExemption) -> None:
    """Skip the CSRF check for requests where ``check(request)`` is true.

    Meant for API-token authentication: a request that carries a valid token is not a
    browser request riding on a cookie, so it needs no CSRF token.
    """
    app.extensions["servicekit.csrf_exemptions"].append(check)


def is_safe_redirect(target: str | None) -> bool:
    """Whether ``target`` is a path on this site (no scheme, no host, no ``//``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _csrf_check(csrf: CSRFProtect) -> Callable[[], None]:
    def check() -> None:
        if request.method in _SAFE_METHODS:
            return
        if any(exempt(request) for exempt in current_app.extensions["servicekit.csrf_exemptions"]):
            return
        csrf.protect()

    return check


def _require_sign_in() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        return None
    view = current_app.view_functions.get(endpoint)
    if view is not None and getattr(view, "_servicekit_public", False):
        return None
    if current_user.is_authenticated:
        return None
    login_url = url_for("auth.login")
    if request.headers.get("HX-Request") == "true":
        # A redirect would be followed by htmx and the sign-in page swapped into a fragment;
        # ask it to load the sign-in page as a whole page instead.
        return Response(status=204, headers={"HX-Redirect": login_url})
    if request.method in _SAFE_METHODS:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(login_url)


def init_security(app: Flask) -> CSRFProtect:
    """Install CSRF protection (always on, tests included) and the sign-in requirement."""
    # Views check CSRF through our own hook so that exemptions can be registered later.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_ENABLED", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.extensions["servicekit.csrf_exemptions"] = []
    csrf = CSRFProtect(app)
    app.before_request(_csrf_check(csrf))
    app.before_request(_require_sign_in)
    return csrf
