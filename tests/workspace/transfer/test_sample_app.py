"""The after-sales sample's work orders (lookups, users, subform rows) survive export and import."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.runtime.forms import load_form_runtime
from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.workspace.transfer.conftest import import_file

FILES = ("photos", "signature")


def _work_orders(app) -> list[dict]:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        table = runtime.source.table
        ids = session.scalars(select(table.c.id).order_by(table.c.id)).all()
        found = []
        for record_id in ids:
            values = dict(runtime.store.get(session, record_id).values)
            values["parts"] = [{k: v for k, v in r.items() if k != "id"} for r in values["parts"]]
            found.append({k: v for k, v in values.items() if k not in FILES})
        return found


@pytest.mark.parametrize(("kind", "name"), [("csv", "wo.zip"), ("xlsx", "wo.xlsx")])
def test_work_orders_export_and_import_back(app, client, auth, kind, name) -> None:  # type: ignore[no-untyped-def]
    install(app, SAMPLE_APP)
    auth.login()
    before = _work_orders(app)
    data = client.get(f"/apps/after_sales/forms/work_order/export.{kind}?sort=id&desc=0").data
    page = import_file(client, auth, "work_order", name, data, app_key="after_sales").get_data(
        as_text=True
    )
    assert f"导入 {len(before)} 行，共 {len(before)} 行" in page, page[-3000:]
    after = _work_orders(app)
    assert len(after) == 2 * len(before)
    assert after[len(before) :] == before
