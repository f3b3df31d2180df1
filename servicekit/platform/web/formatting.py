"""Template helpers: local times for the reader and links for navigation entries."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, url_for
from flask_login import current_user

from servicekit.platform.web.navigation import NavEntry


def localtime(moment: datetime | None) -> str:
    """``moment`` in the reader's time zone (their own, else the app's), to the minute."""
    if moment is None:
        return ""
    zone_name = getattr(current_user, "timezone", None) or current_app.config["SERVICEKIT_TIMEZONE"]
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def entry_url(app_key: str, entry: NavEntry) -> str:
    """Where a navigation entry leads: a form's list, a report page or a dashboard."""
    if entry.kind == "form":
        return url_for("records.list_page", app_key=app_key, form_key=entry.target)
    if entry.kind == "report":
        return url_for("reports.report_page", app_key=app_key, report_key=entry.target)
    if entry.kind == "dashboard":
        return url_for("reports.dashboard_page", app_key=app_key, dashboard_key=entry.target)
    return url_for("home.app_page", app_key=app_key) + f"#entry-{entry.key}"


def init_formatting(app: Flask) -> None:
    """Register the ``localtime`` filter and the ``entry_url`` global."""
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["entry_url"] = entry_url
