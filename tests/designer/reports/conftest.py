"""The after-sales app for the report designer tests, with labour cost hidden from engineers.

A copy of the sample package whose work order form hides ``labor_cost`` from the engineer
role is installed once per database and module; the tests only read records.
Users: ``admin`` (admin), ``builder`` (builder, agent in the app), ``eng_builder`` (builder,
engineer in the app: sees only the orders assigned to them, not the labour cost) and
``agent`` (no designer role).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, Table, select, update

from servicekit.platform.db import get_db
from servicekit.platform.storage import table_name
from tests.conftest import (
    DATABASES,
    csrf_token,
    ensure_user,
    fresh_database,
    make_test_app,
)
from tests.platform.packages.conftest import SAMPLE_APP, install


def hidden_labour_copy(target: Path) -> Path:
    """A copy of the sample package where engineers may not see ``labor_cost``."""
    shutil.copytree(SAMPLE_APP, target)
    form_path = target / "forms" / "work_order.json"
    form = json.loads(form_path.read_text(encoding="utf-8"))
    form["permissions"]["engineer"]["fields"] = {"labor_cost": "hidden"}
    form_path.write_text(json.dumps(form, ensure_ascii=False, indent=2), encoding="utf-8")
    return target


@pytest.fixture(scope="module", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like the shared fixture, once per module."""
    yield from fresh_database(request.param, tmp_path_factory.mktemp("designer_reports"))


@pytest.fixture(scope="module")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    application = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    yield application
    get_db(application).dispose()


@pytest.fixture(scope="module")
def installed(app, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Install the package and the users; half of the work orders go to ``eng_builder``."""
    install(app, hidden_labour_copy(tmp_path_factory.mktemp("pkg") / "after_sales"))
    ensure_user(app, "admin")
    ensure_user(app, "agent", app_roles=[("after_sales", "agent")])
    ensure_user(app, "builder", platform_roles=("builder",), app_roles=[("after_sales", "agent")])
    engineer = ensure_user(
        app, "eng_builder", platform_roles=("builder",), app_roles=[("after_sales", "engineer")]
    )
    with get_db(app).transaction() as session:
        table = Table(
            table_name("after_sales", "work_order"), MetaData(), autoload_with=session.connection()
        )
        ids = session.scalars(select(table.c.id).order_by(table.c.id)).all()
        mine = ids[::2]
        session.execute(update(table).where(table.c.id.in_(mine)).values(engineer=engineer))
    return {"assigned": len(mine), "orders": len(ids)}


class Api:
    """JSON calls of the designer with the session's CSRF token in ``X-CSRFToken``."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.token = csrf_token(client)

    def preview(self, body: object, key: str = "draft_report"):  # type: ignore[no-untyped-def]
        return self.client.post(
            f"/designer/api/apps/after_sales/reports/{key}/preview",
            json={"body": body},
            headers={"X-CSRFToken": self.token, "Accept": "application/json"},
        )


def report_body(name: str) -> dict[str, object]:
    """A report of the sample package, as its file holds it."""
    return json.loads((SAMPLE_APP / "reports" / f"{name}.json").read_text(encoding="utf-8"))
