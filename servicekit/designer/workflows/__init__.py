"""The workflow designer: graph canvas, node and edge panels, live checks and simulation."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing registered yet."""
