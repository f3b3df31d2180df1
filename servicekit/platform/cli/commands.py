"""Registers the platform's CLI commands on ``app.cli``: setup, packages, server, worker."""

from __future__ import annotations

from flask import Flask

from servicekit.platform.cli import database, packages, server


def init_app(app: Flask) -> None:
    """Add the platform's commands; each module owns one group of them."""
    database.register(app.cli)
    packages.register(app.cli)
    packages.register_publish(app.cli)
    server.register(app.cli)
