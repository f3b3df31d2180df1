"""The job queue (Huey): SQLite storage beside the database by default, Redis when configured.

Tasks are plain functions registered with :func:`task`; they receive the app so they can
open their own database session. ``servicekit worker`` consumes the queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey


def make_huey(app: Flask) -> Huey:
    """Build the queue for ``app`` from its configuration."""
    immediate = bool(app.config.get("SERVICEKIT_RUN_JOBS_INLINE"))
    redis_url = app.config.get("SERVICEKIT_REDIS_URL")
    if redis_url:
        return RedisHuey("servicekit", url=redis_url, immediate=immediate)
    path = Path(app.config["SERVICEKIT_INSTANCE_PATH"]) / "jobs.db"
    return SqliteHuey("servicekit", filename=str(path), immediate=immediate)


def get_huey(app: Flask) -> Huey:
    return app.extensions["servicekit.jobs"]


def queue_status(app: Flask) -> dict[str, Any]:
    """Whether the queue's storage answers, and how many jobs wait in it."""
    huey = get_huey(app)
    try:
        pending = huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - any storage failure is reported, not raised
        return {"ok": False, "backend": _backend(huey), "error": str(exc)}
    return {"ok": True, "backend": _backend(huey), "pending": pending}


def _backend(huey: Huey) -> str:
    return "redis" if isinstance(huey, RedisHuey) else "sqlite"


def init_app(app: Flask) -> None:
    app.extensions["servicekit.jobs"] = make_huey(app)
