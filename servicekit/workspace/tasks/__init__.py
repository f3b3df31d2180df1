"""Workflow pages and API: the my-tasks inbox, the team queue, the work-order action panel,
and the REST endpoints for actions, tasks and history."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the task pages and the workflow API blueprints."""
    from servicekit.platform.web import add_nav_link
    from servicekit.platform.web.home import add_home_card
    from servicekit.workspace.tasks import api, views
    from servicekit.workspace.tasks.home_card import my_work_card

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    # "My tasks" is translated in this package's catalog.
    add_nav_link(app, "tasks.inbox_page", "My tasks", "inbox")
    add_home_card(app, my_work_card)


__all__ = ["init_app"]
