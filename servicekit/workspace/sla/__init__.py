"""Workspace: the SLA policy pages (an app's policies in order, one policy's form) and the
SLA parts of other pages (the timers panel on work orders, due-soonest lists)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the SLA policy pages at ``/sla``, the timers panel of record pages and the
    "due soonest" and "breached" choices of work-order lists."""
    from servicekit.platform.web import add_nav_link
    from servicekit.workspace.records import add_record_panel
    from servicekit.workspace.records.facts import add_list_facts
    from servicekit.workspace.sla import views
    from servicekit.workspace.sla.lists import SLA_LIST_FACTS
    from servicekit.workspace.sla.panel import timers_panel

    app.register_blueprint(views.bp)
    add_record_panel(app, timers_panel)
    add_list_facts(app, SLA_LIST_FACTS)
    # "SLA policies" is translated in this package's catalog.
    add_nav_link(app, "sla.index", "SLA policies", "stopwatch")


__all__ = ["init_app"]
