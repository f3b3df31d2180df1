"""Who may use the report and dashboard designers: builders and admins, checked on every request."""

from __future__ import annotations

from flask import abort
from flask_login import current_user


def require_builder() -> None:
    """Refuse (403) anyone signed in without the ``builder`` or ``admin`` platform role.

    The sign-in requirement itself is the platform's (anonymous visitors are sent to log in
    before this runs).
    """
    if not current_user.is_authenticated or not getattr(current_user, "is_builder", False):
        abort(403)
