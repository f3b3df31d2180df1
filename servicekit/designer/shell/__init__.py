"""The designer's shared shell: access, layout, drafts, JSON view, publishing and history."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""
