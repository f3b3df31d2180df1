"""The end-user workspace: record lists and pages, the REST API, imports and exports.

It sits on top of the runtime (which it calls with explicit sessions, users and clocks)
and the platform shell (whose layout and helpers its pages reuse).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from servicekit.platform.storage.files import FileStore


def get_file_store(app: Flask) -> FileStore:
    """Where uploaded files live: ``<instance>/files``."""
    return app.extensions["servicekit.files"]


def init_app(app: Flask) -> None:
    """Register the workspace blueprints (records, API, transfer)."""
    from servicekit.workspace import api, calendars, records, reports, sla, tasks, transfer

    app.extensions["servicekit.files"] = FileStore(Path(app.instance_path) / "files")
    records.init_app(app)
    api.init_app(app)
    transfer.init_app(app)
    reports.init_app(app)
    calendars.init_app(app)
    tasks.init_app(app)
    sla.init_app(app)
