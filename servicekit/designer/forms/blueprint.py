"""The ``designer_forms`` blueprint: the form designer page, its preview and the rule-check API."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from servicekit.designer.forms.access import require_builder

_HERE = Path(__file__).resolve().parent

bp = Blueprint(
    "designer_forms",
    __name__,
    url_prefix="/designer",
    template_folder=str(_HERE / "templates"),
    static_folder=str(_HERE / "static"),
    static_url_path="/forms-static",
)
# Every page and API route of the form designer is for builders and admins only.
bp.before_request(require_builder)
