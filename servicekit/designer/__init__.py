"""The drag-and-drop editors for apps, forms, workflows, reports and dashboards.

Only builders and admins reach it. Each editor lives in its own subpackage with its own
blueprint, templates and translations; ``shell`` holds what they share: access checks,
the draft API (autosave, conflicts, problems), the JSON view, publishing and history.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the shell first (the editors use its layout and draft API), then the editors."""
    from servicekit.designer import forms, reports, shell, workflows

    shell.init_app(app)
    forms.init_app(app)
    workflows.init_app(app)
    reports.init_app(app)
