"""Error pages in both languages: HTML for browsers, problem details for JSON clients."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# Titles are looked up at request time so they follow the reader's language.
_TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    409: lambda: _("Someone else changed this first"),
    413: lambda: _("The upload is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
}

_HINTS = {
    400: lambda: _("Please go back, reload the page and try again."),
    403: lambda: _("Ask an administrator if you need access."),
    404: lambda: _("Check the address, or start again from the home page."),
    409: lambda: _("Reload the page to see the latest version, then make your change again."),
    429: lambda: _("Please wait a few minutes before trying again."),
    500: lambda: _("The problem was recorded. Please try again in a moment."),
}


def wants_json() -> bool:
    """Whether the client prefers JSON over HTML (API clients, fetch calls)."""
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"]
    )
    return best in ("application/json", "application/problem+json")


def error_response(status: int, detail: str | None = None) -> Response:
    """An error answer for ``status``: a page, or ``application/problem+json``."""
    title = _TITLES.get(status, _TITLES[500])()
    hint = _HINTS.get(status, lambda: "")()
    if wants_json():
        body = {"type": "about:blank", "title": title, "status": status}
        if detail:
            body["detail"] = detail
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    html = render_template(
        "errors/error.html", status=status, title=title, detail=detail, hint=hint
    )
    return Response(html, status=status, mimetype="text/html")


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    # Werkzeug's default descriptions are English boilerplate; show only our own.
    detail = getattr(error, "servicekit_detail", None)
    response = error_response(status, detail)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_csrf(_error: CSRFError) -> Response:
    return error_response(
        400, _("The form had expired or was sent from another site. Reload it and try again.")
    )


def init_errors(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _handle_csrf)
    # Unhandled exceptions reach this handler as InternalServerError after Flask logged
    # them (and, under TESTING, re-raised them for the test to see).
    app.register_error_handler(HTTPException, _handle_http)
