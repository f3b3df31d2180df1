"""Who may use the designer: users holding the ``builder`` or ``admin`` platform role.

The check is installed once for the whole app (:func:`init_access`) and covers every
endpoint of every ``designer_*`` blueprint and every path under ``/designer``, so an
editor blueprint cannot forget it. :func:`designer_required` is the same rule as a view
decorator, for editors that want it spelled out at the view as well.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, request
from flask_login import current_user

View = TypeVar("View", bound=Callable[..., Any])

DESIGNER_ROLES = ("builder", "admin")


def can_design(user: Any) -> bool:
    """Whether ``user`` may open the designer (signed in, with builder or admin role)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(user.has_platform_role(role) for role in DESIGNER_ROLES)


def is_designer_request() -> bool:
    """Whether the current request is for a designer page or API (static files excepted)."""
    endpoint = request.endpoint or ""
    if endpoint.endswith(".static"):
        return False
    blueprint = request.blueprint or ""
    return blueprint.startswith("designer") or request.path.startswith("/designer/")


def _check_designer_access() -> None:
    # Runs after the platform's sign-in hook, so anonymous visitors are already sent
    # to the sign-in page; here a signed-in user without the role gets 403.
    if is_designer_request() and not can_design(current_user):
        abort(403)


def designer_required(view: View) -> View:
    """Refuse the view with 403 unless the user may use the designer."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can_design(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def init_access(app: Flask) -> None:
    """Refuse every designer request from users without the builder or admin role."""
    app.before_request(_check_designer_access)


__all__ = ["DESIGNER_ROLES", "can_design", "designer_required", "init_access"]
