"""Small helpers the web views share: the clock, the signed-in user as a model, form input."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from flask_login import current_user

from servicekit.platform.models.accounts import User

# Longest value any form field of the shell accepts; longer input is cut, not stored.
MAX_FIELD = 500


def now() -> datetime:
    """The current time from the app's clock (aware UTC)."""
    return current_app.extensions["servicekit.clock"].now()


def me() -> User:
    """The signed-in user's model instance (attached to the request's session)."""
    return current_user._get_current_object()  # type: ignore[attr-defined,no-any-return]


def form_text(name: str, limit: int = MAX_FIELD) -> str:
    """A trimmed, length-bounded form value ('' when absent)."""
    return (request.form.get(name) or "").strip()[:limit]


def form_secret(name: str) -> str:
    """A password field as typed (not trimmed), bounded like the password policy."""
    from servicekit.platform.accounts.passwords import MAX_LENGTH

    # One past the limit so that an over-long password fails the policy instead of being cut.
    return (request.form.get(name) or "")[: MAX_LENGTH + 1]
