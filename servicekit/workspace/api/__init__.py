"""The REST API (``/api/v1``): records, attachments, API tokens and the OpenAPI document.

Rate limiting is not applied yet: every authenticated request is served.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.workspace.api.openapi import openapi_document
from servicekit.workspace.api.problems import ApiProblem, problem_response
from servicekit.workspace.api.schemas import values_schema
from servicekit.workspace.api.tokens import (
    authenticate_token,
    create_token,
    revoke_token,
    token_hash,
    user_tokens,
)

_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def init_app(app: Flask) -> None:
    """Register the API and token-page blueprints, the CSRF exemption and the CLI."""
    from servicekit.platform.web import exempt_from_csrf_when
    from servicekit.workspace.api import cli, pages, views
    from servicekit.workspace.api.auth import carries_bearer_token

    pages.bp.template_folder = str(_TEMPLATES)
    app.register_blueprint(views.bp)
    app.register_blueprint(pages.bp)
    exempt_from_csrf_when(app, carries_bearer_token)
    cli.init_app(app)


__all__ = [
    "ApiProblem",
    "authenticate_token",
    "create_token",
    "init_app",
    "openapi_document",
    "problem_response",
    "revoke_token",
    "token_hash",
    "user_tokens",
    "values_schema",
]
