"""The after-sales app installed with its reports, an agent who reads everything, two engineers.

The tests here only read, so one installation per database serves the whole module:
``database_url`` and ``app`` are the shared fixtures with module scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from servicekit.platform.db import get_db
from servicekit.platform.storage import table_name
from tests.conftest import (
    DATABASES,
    ensure_user,
    fresh_database,
    make_test_app,
)
from tests.platform.packages.conftest import SAMPLE_APP, install


@pytest.fixture(scope="module", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like the shared fixture, once per module."""
    yield from fresh_database(request.param, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    application = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    yield application
    get_db(application).dispose()


@dataclass
class Installed:
    """The app and who is assigned which work orders."""

    app: object
    engineers: dict[str, int]
    assigned: dict[str, set[str]]  # engineer login -> work order numbers


@pytest.fixture(scope="module")
def installed(app) -> Installed:  # type: ignore[no-untyped-def]
    install(app, SAMPLE_APP)
    ensure_user(app, "agent", app_roles=[("after_sales", "agent")])
    engineers = {
        login: ensure_user(app, login, app_roles=[("after_sales", "engineer")])
        for login in ("eng_a", "eng_b")
    }
    table_key = table_name("after_sales", "work_order")
    assigned: dict[str, set[str]] = {login: set() for login in engineers}
    with get_db(app).transaction() as session:
        from sqlalchemy import MetaData, Table

        table = Table(table_key, MetaData(), autoload_with=session.connection())
        ids = session.execute(select(table.c.id, table.c.number).order_by(table.c.id)).all()
        for index, (record_id, number) in enumerate(ids):
            # Two thirds to eng_a, a sixth to eng_b, the rest unassigned.
            login = "eng_a" if index % 6 < 4 else "eng_b" if index % 6 == 4 else None
            if login is None:
                continue
            session.execute(
                update(table).where(table.c.id == record_id).values(engineer=engineers[login])
            )
            assigned[login].add(number)
    return Installed(app, engineers, assigned)
