"""The browser-facing shell: blueprints, templates, i18n, CSRF, assets and error pages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web blueprints (filled in by the UI shell work)."""
