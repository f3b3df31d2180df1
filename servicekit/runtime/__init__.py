"""The interpreters of metadata: rules, forms, workflow, SLA and reports.

Each engine registers its metadata validators and CLI commands with the platform here.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every runtime engine with the platform."""
    from servicekit.runtime import demo, forms, reports, rules, sla, workflow

    if hasattr(rules, "init_app"):
        rules.init_app(app)
    forms.init_app(app)
    workflow.init_app(app)
    sla.init_app(app)
    reports.init_app(app)
    demo.init_app(app)
