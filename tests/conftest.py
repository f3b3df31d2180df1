"""Shared fixtures: ``app``, ``client``, ``db`` and ``auth`` on SQLite and PostgreSQL.

Every test that uses ``app`` (or a fixture built on it) runs once on SQLite and, when
``SERVICEKIT_TEST_POSTGRES_URL`` is set, once more on PostgreSQL in a database that the
fixture creates and drops. Under ``CI`` a missing PostgreSQL URL is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicekit import create_app
from servicekit.platform.db import get_db, normalize_url
from servicekit.platform.dbsetup import upgrade_database

IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("SERVICEKIT_TEST_POSTGRES_URL")
DATABASES = ["sqlite", "postgresql"]

_counts: dict[str, int] = {"sqlite": 0, "postgresql": 0, "browser": 0}


def _create_postgres_database() -> tuple[str, str]:
    admin_url = make_url(normalize_url(POSTGRES_URL or ""))
    name = f"sk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\''))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(make_url(normalize_url(POSTGRES_URL or "")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL database made for the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI is set but SERVICEKIT_TEST_POSTGRES_URL is not")
        pytest.skip("SERVICEKIT_TEST_POSTGRES_URL is not set")
    url, name = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def make_test_app(database_url: str, instance: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """An app on ``database_url`` with migrations applied and local assets."""
    config = {
        "SERVICEKIT_DATABASE_URL": database_url,
        "SERVICEKIT_INSTANCE_PATH": str(instance),
        "SERVICEKIT_SECRET_KEY": "test-secret",
        "SERVICEKIT_ASSETS": "local",
        "SERVICEKIT_RUN_JOBS_INLINE": True,
        "TESTING": True,
    }
    config.update(overrides)
    app = create_app(config)
    upgrade_database(app)
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A ServiceKit app on a fresh database (SQLite, then PostgreSQL)."""
    application = make_test_app(database_url, tmp_path / "instance")
    yield application
    get_db(application).dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    """A session on the app's database, closed after the test."""
    session = get_db(app).sessions()
    yield session
    session.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or not report.passed:
        return
    if "[sqlite" in report.nodeid or "-sqlite" in report.nodeid:
        _counts["sqlite"] += 1
    if "[postgresql" in report.nodeid or "-postgresql" in report.nodeid:
        _counts["postgresql"] += 1
    if "browser" in report.keywords:
        _counts["browser"] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    terminalreporter.write_sep("-", "ServiceKit test counts")
    terminalreporter.write_line(
        f"passed on SQLite: {_counts['sqlite']}, on PostgreSQL: {_counts['postgresql']}, "
        f"in the browser: {_counts['browser']}"
    )
