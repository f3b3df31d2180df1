"""Fixtures for imports and exports: a demo app with a form holding every field type."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.db import get_db
from servicekit.runtime.forms import Context, load_form_runtime
from tests.conftest import ensure_user
from tests.platform.packages.conftest import install

DEMO = Path(__file__).resolve().parent / "data" / "transfer_demo"
APP = "transfer_demo"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    """The demo app installed, with a site record and users admin, clerk and viewer."""
    install(app, DEMO)
    ensure_user(app, "clerk", app_roles=[(APP, "clerk")])
    ensure_user(app, "viewer", app_roles=[(APP, "viewer")])
    ensure_user(app, "owner1", display_name="负责人一")
    create(app, "site", {"name": "上海仓"})
    create(app, "site", {"name": "北京仓"})
    return app


def context(app) -> Context:  # type: ignore[no-untyped-def]
    return Context(
        now=app.extensions["servicekit.clock"].now(),
        tz=TZ,
        user={"id": None, "name": "t", "roles": [], "region": None, "skills": []},
    )


def create(app, form: str, values: dict[str, Any]):  # type: ignore[no-untyped-def]
    with get_db(app).transaction() as session:
        runtime = load_form_runtime(session, APP, form)
        return runtime.store.create(session, values, context(app), actor_id=None)


def records(app, form: str) -> list[Any]:  # type: ignore[no-untyped-def]
    """Every live record of ``form`` (oldest first) with its values."""
    from sqlalchemy import select

    with get_db(app).sessions() as session:
        runtime = load_form_runtime(session, APP, form)
        table = runtime.source.table
        ids = session.scalars(
            select(table.c.id).where(table.c.deleted.is_(False)).order_by(table.c.id)
        ).all()
        return [runtime.store.get(session, record_id) for record_id in ids]


def full_values(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A value of every field type of the demo ``asset`` form, with awkward cases in each:
    a leading ``=`` or ``-``, quotes, separators, new lines, seconds, a big exact decimal.

    Round-trip tests (CSV, XLSX, the HTML form) start from these values.
    """
    moment = datetime(2026, 3, 1, 0, 30, 15, tzinfo=UTC)
    return {
        "title": "=1+1 公式不会执行",
        "notes": '多行文本\n第二行, with "quotes"; 和分号',
        "body": "<p>富文本 <b>粗体</b></p>",
        "quantity": 42,
        "price": Decimal("1234567.80"),
        "active": False,
        "bought_on": date(2026, 1, 31),
        "checked_at": moment,
        "effort": timedelta(days=1, hours=1, minutes=30, seconds=15),
        "state": "used",
        "tags": ["red", "green"],
        "owner": ensure_user(app, "owner1"),
        "site": [record.id for record in records(app, "site")][1],
        "files": [{"id": 7, "name": "发票.pdf", "size": 3, "content_type": "application/pdf"}],
        "place": {"lat": "31.2304", "lng": "121.4737", "address": "上海市黄浦区"},
        "code": "AUTO-0001",
        "secret": "只给管理员",
        "lines": [
            {"item": "螺丝", "qty": 3, "amount": Decimal("0.10"), "when": moment},
            {"item": "-负号开头", "qty": 1, "amount": Decimal("99999.99"), "when": None},
        ],
    }


def count(app, form: str) -> int:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return load_form_runtime(session, APP, form).store.count(session)


def upload(client, auth, form: str, name: str, data: bytes, app_key: str = APP):  # type: ignore[no-untyped-def]
    """Post a file to the import page; returns the response (not followed)."""
    import io

    return client.post(
        f"/apps/{app_key}/forms/{form}/import",
        data={"csrf_token": auth.csrf_token(), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def mapping_fields(page: str) -> dict[str, str]:
    """The mapping selects of a job page with the option each has selected ('' if none)."""
    chosen = {}
    for name, body in re.findall(
        r'<select[^>]*name="(map-\d+-\d+)"[^>]*>(.*?)</select>', page, re.S
    ):
        selected = re.search(r'<option value="([^"]*)" selected>', body)
        chosen[name] = selected.group(1) if selected else ""
    return chosen


def run(client, auth, job_url: str, action: str, skip: bool = False, **overrides: str):  # type: ignore[no-untyped-def]
    """Submit the job page's mapping (as auto-mapped, with ``overrides``) with ``action``."""
    page = client.get(job_url).get_data(as_text=True)
    data = {**mapping_fields(page), **overrides}
    data.update(csrf_token=auth.csrf_token(), action=action)
    if skip:
        data["skip_bad_rows"] = "1"
    response = client.post(job_url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.get(job_url)


def import_file(
    client,
    auth,
    form: str,
    name: str,
    data: bytes,
    action: str = "import",
    skip: bool = False,
    app_key: str = APP,
    **overrides: str,
):  # type: ignore[no-untyped-def]
    response = upload(client, auth, form, name, data, app_key)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return run(client, auth, response.headers["Location"], action, skip, **overrides)
