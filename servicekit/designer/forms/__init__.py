"""The form designer: palette, canvas and properties panel, rule editor and live preview."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""
