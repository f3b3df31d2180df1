"""What the form designer's routes check before they work: that the app and form keys are
well-formed and the app exists (else 404), and the JSON 400 answer that names which part
of a request was wrong, for the designer's scripts."""

from __future__ import annotations

from flask import abort, jsonify
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from servicekit.designer.forms.documents import MAX_KEY, app_exists
from servicekit.platform.db import get_session

_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def valid_key(key: str) -> bool:
    """A metadata key: lowercase letters, digits and ``_``, starting with a letter."""
    return 0 < len(key) <= 30 and key[0].isalpha() and set(key) <= _KEY_CHARS


def form_session(app_key: str, form_key: str) -> Session:
    """The request's session once the keys are valid and the app exists; 404 otherwise."""
    if not valid_key(app_key[:MAX_KEY]) or not valid_key(form_key[:MAX_KEY]):
        abort(404)
    session = get_session()
    if not app_exists(session, app_key):
        abort(404)
    return session


def bad_request(message: str, where: str) -> Response:
    """A 400 answer with the message and the JSON path of the request part it is about."""
    response = jsonify({"error": message, "where": where})
    response.status_code = 400
    return response
