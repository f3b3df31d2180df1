"""Report and dashboard pages: ECharts charts fed by JSON, data tables, filters, drill-down, exports."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the reports blueprint."""
    from servicekit.workspace.reports import views  # noqa: F401 - registers routes
    from servicekit.workspace.reports.blueprint import bp

    app.register_blueprint(bp)


__all__ = ["init_app"]
