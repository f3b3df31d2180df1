"""The ``reports`` blueprint: report pages, dashboards, their JSON data and exports."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

_HERE = Path(__file__).resolve().parent

bp = Blueprint(
    "reports",
    __name__,
    template_folder=str(_HERE.parent / "templates"),
    static_folder=str(_HERE / "static"),
    static_url_path="/reports-static",
)
