"""Workspace: the working-calendar pages (year view with holidays and make-up days, weekday hours)."""

from __future__ import annotations

from flask import Flask

from servicekit.workspace.calendars.year import day_cell, parse_week, toggle_day, year_view


def init_app(app: Flask) -> None:
    """Register the calendar pages at ``/calendars``."""
    from servicekit.workspace.calendars import views

    app.register_blueprint(views.bp)


__all__ = ["day_cell", "init_app", "parse_week", "toggle_day", "year_view"]
