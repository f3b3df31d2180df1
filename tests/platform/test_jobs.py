"""The job queue runs on SQLite storage by default and on Redis when configured."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from servicekit import create_app
from servicekit.platform.jobs import get_huey, queue_status

REDIS_URL = os.environ.get("SERVICEKIT_TEST_REDIS_URL")


def _roundtrip(app) -> None:  # type: ignore[no-untyped-def]
    huey = get_huey(app)
    huey.flush()
    done = threading.Event()

    @huey.task()
    def add(a: int, b: int) -> int:
        done.set()
        return a + b

    result = add(2, 3)
    assert queue_status(app)["pending"] == 1
    # Do what a worker does: take the job from storage and run it.
    huey.execute(huey.dequeue())
    assert done.is_set()
    assert result.get(blocking=True, timeout=10) == 5
    assert queue_status(app) == {"ok": True, "backend": queue_status(app)["backend"], "pending": 0}


def test_sqlite_queue_beside_the_database(tmp_path: Path) -> None:
    app = create_app({"SERVICEKIT_INSTANCE_PATH": str(tmp_path), "SERVICEKIT_SECRET_KEY": "x"})
    assert queue_status(app)["backend"] == "sqlite"
    _roundtrip(app)
    assert (tmp_path / "jobs.db").exists()


def test_redis_queue_when_configured(tmp_path: Path) -> None:
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI is set but SERVICEKIT_TEST_REDIS_URL is not")
        pytest.skip("SERVICEKIT_TEST_REDIS_URL is not set")
    app = create_app(
        {
            "SERVICEKIT_INSTANCE_PATH": str(tmp_path),
            "SERVICEKIT_SECRET_KEY": "x",
            "SERVICEKIT_REDIS_URL": REDIS_URL,
        }
    )
    assert queue_status(app)["backend"] == "redis"
    _roundtrip(app)


def test_an_unreachable_redis_is_reported_not_raised(tmp_path: Path) -> None:
    app = create_app(
        {
            "SERVICEKIT_INSTANCE_PATH": str(tmp_path),
            "SERVICEKIT_SECRET_KEY": "x",
            "SERVICEKIT_REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    status = queue_status(app)
    assert status["ok"] is False and status["backend"] == "redis" and status["error"]
