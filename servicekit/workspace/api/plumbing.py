"""What every ``/api/v1`` blueprint shares: the record URL rule, token or session sign-in
before each request, and problem answers that roll the request's transaction back.

For the record API (:mod:`servicekit.workspace.api.views`) and the workflow API
(:mod:`servicekit.workspace.tasks.api`), so both answer alike.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from servicekit.platform.db import get_session
from servicekit.workspace.api.auth import authenticate_request
from servicekit.workspace.api.problems import ApiProblem, problem_response

# Ids past the 64-bit range cannot exist; the URL rules do not match them (404).
MAX_ID = str(2**63 - 1)
RECORD_URL = "/apps/<app_key>/forms/<form_key>/records/<int(max=" + MAX_ID + "):record_id>"


def _authenticate() -> None:
    authenticate_request(request)


def _problem(error: ApiProblem) -> Response:
    get_session().rollback()
    return error.response()


def _csrf_problem(_error: CSRFError) -> Response:
    # A browser session without the token: say how to send it, as a problem, not a page.
    return problem_response(
        400,
        _("Send the CSRF token in an X-CSRFToken header, or use an API token instead."),
        kind="csrf",
    )


def _http_problem(error: HTTPException) -> Response:
    get_session().rollback()
    response = problem_response(error.code or 500)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under ``/api/v1`` that signs the caller in and answers problems.

    Errors (a missing CSRF token, 404, 405, a refused request) come back as RFC 9457
    problem documents from every API blueprint, never as HTML pages.
    """
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    bp.before_request(_authenticate)
    bp.register_error_handler(ApiProblem, _problem)
    bp.register_error_handler(CSRFError, _csrf_problem)
    bp.register_error_handler(HTTPException, _http_problem)
    return bp
