"""Who may use the form designer: builders and admins, checked on every request.

The shell will offer one shared check; until then this module keeps the same rule
(signed-in users with the platform role ``builder`` or ``admin``, 403 for anyone else) so
switching is a one-line change in ``blueprint.py``.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user


def require_builder() -> None:
    """403 unless the signed-in user is a builder or an admin (sign-in is checked earlier)."""
    if not current_user.is_authenticated or not getattr(current_user, "is_builder", False):
        abort(403)
