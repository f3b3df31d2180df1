"""Acceptance: what the designer makes validates against schemas/, and its exported package
installs on a fresh database and behaves the same there."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from servicekit.platform.db import get_db
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.platform.metadata.store import latest_bodies
from tests.conftest import (
    AuthActions,
    _create_postgres_database,
    _drop_postgres_database,
    make_test_app,
)
from tests.designer.shell.conftest import Designer, install_sample
from tests.designer.shell.test_app_editor import new_app
from tests.workspace.records.conftest import page_csrf

REPAIR_FORM = {
    "key": "repair_request",
    "label": {"zh": "报修单", "en": "Repair request"},
    "fields": [
        {
            "key": "subject",
            "type": "text",
            "label": {"zh": "主题", "en": "Subject"},
            "required": True,
        },
        {
            "key": "kind",
            "type": "select",
            "label": {"zh": "类别", "en": "Kind"},
            "options": [
                {"value": "repair", "label": {"zh": "维修", "en": "Repair"}},
                {"value": "install", "label": {"zh": "安装", "en": "Install"}},
            ],
        },
        {"key": "qty", "type": "integer", "label": {"zh": "数量", "en": "Quantity"}},
        {"key": "price", "type": "decimal", "scale": 2, "label": {"zh": "单价", "en": "Price"}},
        {
            "key": "total",
            "type": "formula",
            "expr": "COALESCE(qty, 0) * COALESCE(price, 0)",
            "result_type": "decimal",
            "scale": 2,
            "label": {"zh": "合计", "en": "Total"},
        },
    ],
}


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind as the test's own."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url, name = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def build_with_the_designer(designer: Any) -> None:
    assert new_app(designer).status_code == 302
    saved = designer.put("repair", "form", "repair_request", REPAIR_FORM).get_json()
    assert saved["problems"] == [], saved
    app_body = designer.get("repair", "app", "repair").get_json()
    body = dict(app_body["body"], navigation=[{"key": "requests", "form": "repair_request"}])
    assert designer.put("repair", "app", "repair", body, app_body["revision"]).status_code == 200
    done = designer.client.post(
        "/designer/api/apps/repair/publish",
        json={"confirm": True},
        headers={"X-CSRFToken": designer.token},
    )
    assert done.status_code == 200, done.get_data(as_text=True)


def file_record(app: Any, client: Any) -> dict[str, Any]:
    """File one request through the record page as an admin; the stored row without ids/times."""
    AuthActions(app, client).login("admin")
    url = "/apps/repair/forms/repair_request/new"
    html = client.get(url).get_data(as_text=True)
    data = {
        "f-subject": "打印机卡纸",
        "f-kind": "repair",
        "f-qty": "3",
        "f-price": "12.50",
        "csrf_token": page_csrf(html),
    }
    assert client.post(url, data=data).status_code == 303
    with get_db(app).engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM rec_repair_repair_request")).mappings().one()
    return {
        k: str(v)
        for k, v in row.items()
        if k not in ("id", "created_at", "updated_at", "created_by", "updated_by")
    }


def package_files(designer: Any) -> dict[str, bytes]:
    response = designer.client.get("/designer/apps/repair/export")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_designer_output_validates_and_installs_elsewhere_the_same(
    app: Any, client: Any, auth: Any, fresh_url: str, tmp_path: Path
) -> None:
    auth.login("builder", platform_roles=("builder",))
    designer = Designer(client, auth.csrf_token())
    build_with_the_designer(designer)

    # Every published document validates against its schema in schemas/.
    with get_db(app).transaction() as session:
        for kind in ("app", "form"):
            for key, body in latest_bodies(session, "repair", kind).items():
                assert schema_problems(kind, body) == [], (kind, key)

    files = package_files(designer)
    assert sorted(files) == [
        "repair/app.json",
        "repair/forms/repair_request.json",
        "repair/manifest.json",
    ]
    archive = tmp_path / "repair.zip"
    with zipfile.ZipFile(archive, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)

    fresh = make_test_app(fresh_url, tmp_path / "fresh-instance")
    try:
        install_sample(fresh, archive)
        fresh_client = fresh.test_client()

        # The same tables and columns ...
        def columns(application: Any) -> dict[str, list[str]]:
            with get_db(application).engine.connect() as connection:
                found = inspect(connection)
                return {
                    t: sorted(c["name"] for c in found.get_columns(t))
                    for t in found.get_table_names()
                    if t.startswith("rec_repair")
                }

        assert columns(fresh) == columns(app)
        # ... the same behaviour when a request is filed (formula included) ...
        here = file_record(app, client)
        there = file_record(fresh, fresh_client)
        assert here == there
        assert here["total"] == "37.50"
        # ... and exporting again gives the very same package.
        auth_there = AuthActions(fresh, fresh_client)
        auth_there.login("builder", platform_roles=("builder",))
        again = package_files(Designer(fresh_client, auth_there.csrf_token()))
        assert again == files
    finally:
        get_db(fresh).dispose()
