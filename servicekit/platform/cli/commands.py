"""Registers the platform's CLI commands on ``app.cli``."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the platform's commands (each module adds its own group)."""
