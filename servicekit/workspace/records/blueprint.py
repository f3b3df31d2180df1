"""The ``records`` blueprint that the list, form and record-page views attach their routes to."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

bp = Blueprint("records", __name__, template_folder=str(_TEMPLATES))
