"""The report and dashboard designers: fields to dimensions and measures, the widget grid."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""
