"""``/healthz``: whether the database and the job queue answer, for load balancers and ops."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from servicekit.platform.db import get_db
from servicekit.platform.jobs import queue_status
from servicekit.platform.web.security import public

bp = Blueprint("health", __name__)


def _database_status() -> dict[str, Any]:
    database = get_db()
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, not a crash
        return {"ok": False, "dialect": database.dialect, "error": type(exc).__name__}
    return {"ok": True, "dialect": database.dialect}


@bp.get("/healthz")
@public
def healthz() -> Response:
    """200 with ``status: ok`` when both answer, else 503 with ``status: degraded``."""
    database = _database_status()
    queue = queue_status(current_app._get_current_object())  # type: ignore[attr-defined]
    healthy = bool(database["ok"] and queue.get("ok"))
    response = jsonify(
        {"status": "ok" if healthy else "degraded", "database": database, "queue": queue}
    )
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
