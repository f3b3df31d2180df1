"""The drag-and-drop editors for apps, forms, workflows, reports and dashboards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The designer arrives with its own issue; nothing is registered yet."""
