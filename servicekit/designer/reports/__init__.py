"""The report and dashboard designers: fields to dimensions and measures, the widget grid."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the designers' blueprint (pages under ``/designer/apps/<app>/...``)."""
    from servicekit.designer.reports import views  # noqa: F401 - registers routes
    from servicekit.designer.reports.blueprint import bp

    app.register_blueprint(bp)


__all__ = ["init_app"]
