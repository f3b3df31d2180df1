"""The application factory: builds a Flask app and wires every subsystem into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from servicekit.platform import config as _config
from servicekit.platform.clock import Clock


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the ServiceKit app.

    ``config`` overrides the ``SERVICEKIT_*`` environment variables (tests pass the
    database URL and instance folder here).
    """
    settings = _config.load_config(config)
    instance = Path(settings["SERVICEKIT_INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)

    app = Flask("servicekit", instance_path=str(instance), instance_relative_config=False)
    app.config.update(settings)
    app.config["SECRET_KEY"] = _config.ensure_secret_key(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings["SERVICEKIT_MAX_UPLOAD_MB"] * 1024 * 1024
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings["SERVICEKIT_SECURE_COOKIES"]
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_SECURE"] = settings["SERVICEKIT_SECURE_COOKIES"]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    app.extensions["servicekit.clock"] = Clock(settings["SERVICEKIT_TIMEZONE"])

    # Order matters: the registry and database come first; runtime packages register
    # their validators and commands with the platform last.
    from servicekit.platform import db, jobs, registry
    from servicekit.platform.cli import commands as cli_commands

    registry.init_app(app)
    db.init_app(app)
    jobs.init_app(app)
    cli_commands.init_app(app)

    from servicekit.platform import web

    web.init_app(app)

    from servicekit import designer, runtime, workspace

    runtime.init_app(app)
    workspace.init_app(app)
    designer.init_app(app)
    return app


def get_clock(app: Flask) -> Clock:
    """The app's clock."""
    return app.extensions["servicekit.clock"]
