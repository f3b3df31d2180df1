"""RFC 9457 problem details: the one shape every API error is answered in.

Clients get ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``
and ``instance``; validation errors add ``errors`` (field, row, subfield, message) so an
integrator can point at each bad value.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _

from servicekit.platform.storage.messages import FieldError

PROBLEM_BASE = "https://servicekit.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

# Titles are looked up when answering so that they follow the reader's language.
_TITLES = {
    400: lambda: _("The request could not be understood"),
    401: lambda: _("Authentication required"),
    403: lambda: _("This action is not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("This method is not allowed here"),
    409: lambda: _("Someone else changed this first"),
    412: lambda: _("The record changed since you read it"),
    413: lambda: _("The upload is too large"),
    415: lambda: _("Send the body as JSON"),
    422: lambda: _("Some values are not valid"),
    428: lambda: _("Send If-Match with the version you read"),
    500: lambda: _("Something went wrong on our side"),
}


class ApiProblem(Exception):
    """An error answer: raise it anywhere in an API view to send problem details."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.extra = extra or {}
        self.headers = headers or {}

    def response(self) -> Response:
        return problem_response(
            self.status,
            self.detail,
            kind=self.kind,
            errors=self.errors,
            extra=self.extra,
            headers=self.headers,
        )


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem-details answer; ``kind`` names a ServiceKit problem type (else about:blank)."""
    title = _TITLES.get(status, _TITLES[500])()
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_error_items(errors: list[FieldError]) -> list[dict[str, Any]]:
    """Each record-store error as ``{field, row, subfield, message}`` in the reader's language."""
    return [
        {
            "field": error.field,
            "row": error.row,
            "subfield": error.subfield,
            "message": error.render(_),
        }
        for error in errors
    ]


def error_item(
    field: str, message: str, row: int | None = None, subfield: str | None = None
) -> dict[str, Any]:
    """One entry of ``errors``."""
    return {"field": field, "row": row, "subfield": subfield, "message": message}
