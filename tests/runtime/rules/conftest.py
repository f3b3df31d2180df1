"""Fixtures for the rule-language tests: record stores on SQLite and PostgreSQL.

The databases live for the whole session (each case runs in a rolled-back transaction),
so hundreds of golden and property cases stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from servicekit.platform.db import make_engine, normalize_url
from servicekit.runtime.rules.sqlite_functions import install_sqlite_functions
from tests.conftest import (
    IN_CI,
    POSTGRES_URL,
    _create_postgres_database,
    _drop_postgres_database,
)
from tests.runtime.rules.support import RecordStore, make_store


def _sqlite_hook(connection: object, dialect: str) -> None:
    if dialect == "sqlite":
        install_sqlite_functions(connection)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RecordStore]:
    """The golden form's tables on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("rules") / "rules.db"
        engine = make_engine(f"sqlite:///{path}", _sqlite_hook)
        yield make_store(engine)
        engine.dispose()
        return
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI is set but SERVICEKIT_TEST_POSTGRES_URL is not")
        pytest.skip("SERVICEKIT_TEST_POSTGRES_URL is not set")
    url, name = _create_postgres_database()
    engine = make_engine(normalize_url(url))
    try:
        yield make_store(engine)
    finally:
        engine.dispose()
        _drop_postgres_database(name)
