"""Translation that works with or without a request, for account messages."""

from __future__ import annotations

from typing import Any

from flask import has_request_context


def gettext(message: str, **variables: Any) -> str:
    """Translate ``message`` for the current request; outside one, fill in the English source."""
    if has_request_context():
        from flask_babel import gettext as _babel_gettext

        return _babel_gettext(message, **variables)
    return message % variables if variables else message
