"""Fixtures for the rule-language tests: record stores on SQLite and PostgreSQL.

The databases live for the whole session (each case runs in a rolled-back transaction),
so hundreds of golden and property cases stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from servicekit.platform.db import make_engine, normalize_url
from servicekit.runtime.rules.sqlite_functions import install_sqlite_functions
from tests.conftest import DATABASES, temporary_database
from tests.runtime.rules.support import RecordStore, make_store


def _sqlite_hook(connection: object, dialect: str) -> None:
    if dialect == "sqlite":
        install_sqlite_functions(connection)


@pytest.fixture(scope="session", params=DATABASES)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RecordStore]:
    """The golden form's tables on SQLite, then on PostgreSQL."""
    with temporary_database(request.param, tmp_path_factory.mktemp("rules")) as url:
        # The hook installs the rule functions SQLite lacks; PostgreSQL has its own.
        engine = make_engine(normalize_url(url), _sqlite_hook)
        try:
            yield make_store(engine)
        finally:
            engine.dispose()
