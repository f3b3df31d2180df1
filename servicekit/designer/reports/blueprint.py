"""The ``designer_reports`` blueprint: report and dashboard designer pages and their JSON API."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

_HERE = Path(__file__).resolve().parent

bp = Blueprint(
    "designer_reports",
    __name__,
    url_prefix="/designer",
    template_folder=str(_HERE / "templates"),
    static_folder=str(_HERE / "static"),
    static_url_path="/reports-static",
)
