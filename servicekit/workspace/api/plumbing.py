"""What every ``/api/v1`` blueprint shares: the record URL rule, token or session sign-in
before each request, and problem answers that roll the request's transaction back.

For the record API (:mod:`servicekit.workspace.api.views`) and the workflow API
(:mod:`servicekit.workspace.tasks.api`), so both answer alike.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from servicekit.platform.db import get_session
from servicekit.workspace.api.auth import authenticate_request
from servicekit.workspace.api.problems import ApiProblem

# Ids past the 64-bit range cannot exist; the URL rules do not match them (404).
MAX_ID = str(2**63 - 1)
RECORD_URL = "/apps/<app_key>/forms/<form_key>/records/<int(max=" + MAX_ID + "):record_id>"


def _authenticate() -> None:
    authenticate_request(request)


def _problem(error: ApiProblem) -> Response:
    get_session().rollback()
    return error.response()


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/v1`` that signs the caller in and answers problems."""
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(_authenticate)
    bp.register_error_handler(ApiProblem, _problem)
    return bp
