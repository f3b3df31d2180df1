"""The ``designer_forms`` blueprint: the form designer page, its preview and the rule-check API.

Only builders and admins reach it: the shell refuses every ``designer*`` blueprint to anyone
else (``servicekit/designer/shell/access.py``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

_HERE = Path(__file__).resolve().parent

bp = Blueprint(
    "designer_forms",
    __name__,
    url_prefix="/designer",
    template_folder=str(_HERE / "templates"),
    static_folder=str(_HERE / "static"),
    static_url_path="/forms-static",
)
