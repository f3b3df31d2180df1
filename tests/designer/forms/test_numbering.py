"""Business-number patterns in the form designer: the draft keeps them, the preview shows
the next number or the checker's problem in the builder's language, only builders may ask,
and a published pattern change numbers new records only."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from servicekit.platform.db import get_db
from tests.designer.forms.conftest import APP, REQUEST
from tests.designer.shell.conftest import Designer, install_sample, sign_in_builder
from tests.workspace.records.conftest import page_csrf

# 23:30 UTC on 31 January is already 1 February in the app's zone (Asia/Shanghai).
NOW = datetime.fromisoformat("2026-01-31T23:30:00+00:00")
SERIAL = {
    "key": "serial",
    "type": "auto_number",
    "label": {"zh": "序列号", "en": "Serial"},
    "numbering": {"pattern": "SN-{yy}{mm}-{seq:3}", "reset": "monthly"},
}


def _preview(client: Any, token: str, form: str = "request", app: str = APP, **body: Any) -> Any:
    return client.post(
        f"/designer/api/apps/{app}/forms/{form}/numbering/preview",
        json=body,
        headers={"X-CSRFToken": token},
    )


def _save(builder: Designer, body: dict[str, Any]) -> Any:
    revision = builder.get(APP, "form", "request").get_json()["revision"]
    return builder.put(APP, "form", "request", body, revision)


@pytest.fixture
def builder(seeded: Any, client: Any, auth: Any) -> Designer:
    seeded.extensions["servicekit.clock"].set(NOW)
    auth.login("builder", platform_roles=("builder",), locale="en")
    return Designer(client, auth.csrf_token())


def test_the_draft_keeps_form_and_field_numbering(builder: Designer) -> None:
    body = copy.deepcopy(REQUEST)
    body["numbering"] = {"pattern": "WO-{yyyy}{mm}{dd}-{seq:4}", "reset": "daily"}
    body["fields"].append(SERIAL)
    saved = _save(builder, body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["problems"] == []
    loaded = builder.get(APP, "form", "request").get_json()
    assert loaded["body"]["numbering"] == body["numbering"]
    assert loaded["body"]["fields"][-1]["numbering"] == SERIAL["numbering"]


def test_the_draft_lists_a_bad_pattern_at_its_path(builder: Designer) -> None:
    body = copy.deepcopy(REQUEST)
    body["numbering"] = {"pattern": "WO-{foo}", "reset": "never"}
    body["fields"].append({**SERIAL, "numbering": {"pattern": "SN-{seq:4}", "reset": "daily"}})
    problems = _save(builder, body).get_json()["problems"]
    paths = [p["path"] for p in problems]
    assert "$.numbering.pattern" in paths
    assert f"$.fields[{len(body['fields']) - 1}].numbering.reset" in paths


def test_preview_shows_the_next_number_for_today_in_the_app_time_zone(
    builder: Designer,
) -> None:
    answer = _preview(
        builder.client, builder.token, pattern="WO-{yyyy}{mm}{dd}-{seq:4}", reset="daily"
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"ok": True, "next": "WO-20260201-0001", "problems": []}
    field = _preview(
        builder.client,
        builder.token,
        pattern=SERIAL["numbering"]["pattern"],
        reset="monthly",
        field="serial",
        path="$.fields[6].numbering",
    )
    assert field.get_json()["next"] == "SN-2602-001"


@pytest.mark.parametrize(
    ("pattern", "reset", "path", "fragment"),
    [
        ("WO-{foo}-{seq:4}", "never", "$.numbering.pattern", "'{foo}' is not a numbering"),
        ("WO-{yyyy}", "never", "$.numbering.pattern", "has no {seq:N} placeholder"),
        ("WO-{seq:4}", "daily", "$.numbering.reset", "contains {yyyy}, {mm}, {dd}"),
    ],
)
def test_preview_names_the_problem_and_its_path(
    builder: Designer, pattern: str, reset: str, path: str, fragment: str
) -> None:
    answer = _preview(builder.client, builder.token, pattern=pattern, reset=reset).get_json()
    assert answer["ok"] is False and answer["next"] is None
    assert [p["path"] for p in answer["problems"]] == [path]
    assert fragment in answer["problems"][0]["message"]


def test_a_field_problem_is_reported_at_the_field(builder: Designer) -> None:
    answer = _preview(
        builder.client,
        builder.token,
        pattern="SN-{week}-{seq:3}",
        field="serial",
        path="$.fields[6].numbering",
    ).get_json()
    assert [p["path"] for p in answer["problems"]] == ["$.fields[6].numbering.pattern"]


def test_preview_problems_are_in_the_builders_language(seeded: Any, client: Any, auth: Any) -> None:
    auth.login("builder_zh", platform_roles=("builder",), locale="zh_CN")
    token = auth.csrf_token()
    answer = _preview(client, token, pattern="WO-{foo}-{seq:4}").get_json()
    assert answer["problems"][0]["message"].startswith("“{foo}”不是编号占位符")
    reset = _preview(client, token, pattern="WO-{seq:4}", reset="daily").get_json()
    assert reset["problems"][0]["message"].startswith("重置周期为“每天”时")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"pattern": ""}, "$.pattern"),
        ({"pattern": "X" * 61 + "{seq:4}"}, "$.pattern"),
        ({"pattern": "{seq:4}", "reset": "weekly"}, "$.reset"),
        ({"pattern": "{seq:4}", "path": "$.title"}, "$.path"),
        ({"pattern": "{seq:4}", "field": "Not A Key"}, "$.field"),
    ],
)
def test_preview_refuses_a_malformed_request(
    builder: Designer, body: dict[str, Any], where: str
) -> None:
    answer = _preview(builder.client, builder.token, **body)
    assert answer.status_code == 400
    assert answer.get_json()["where"] == where


def test_only_builders_may_preview(seeded: Any, client: Any, auth: Any) -> None:
    auth.login("agent")  # signed in, no platform role
    refused = _preview(client, auth.csrf_token(), pattern="{seq:4}")
    assert refused.status_code == 403
    assert "next" not in (refused.get_json() or {})
    auth.logout()
    token = sign_in_builder(auth)
    assert _preview(client, token, pattern="{seq:4}").status_code == 200
    assert _preview(client, token, form="Bad-Key", pattern="{seq:4}").status_code == 404
    nowhere = client.post(
        "/designer/api/apps/nothing/forms/request/numbering/preview",
        json={"pattern": "{seq:4}"},
        headers={"X-CSRFToken": token},
    )
    assert nowhere.status_code == 404
    assert _preview(client, "", pattern="{seq:4}").status_code == 400  # no CSRF token


def _new_customer(client: Any, name: str) -> str:
    """File a customer through the record page; its business number."""
    page = client.get("/apps/after_sales/forms/customer/new").get_data(as_text=True)
    created = client.post(
        "/apps/after_sales/forms/customer/new",
        data={"f-name": name, "csrf_token": page_csrf(page)},
    )
    assert created.status_code == 303, created.get_data(as_text=True)
    return _numbers(client.application)[name]


def _numbers(app: Any) -> dict[str, str]:
    with get_db(app).engine.connect() as connection:
        rows = connection.execute(text("SELECT name, number FROM rec_after_sales_customer"))
        return {name: number for name, number in rows}


def test_a_published_pattern_numbers_new_records_only(app: Any, client: Any, auth: Any) -> None:
    install_sample(app)
    app.extensions["servicekit.clock"].set(NOW)
    auth.login("admin")  # admins both design and file records
    designer = Designer(client, auth.csrf_token())
    before = _new_customer(client, "Before Ltd")
    assert before.startswith("C-")
    numbers = _numbers(app)
    # The preview counts on from the numbers already given.
    following = _preview(
        client, designer.token, "customer", "after_sales", pattern="C-{seq:5}", reset="never"
    )
    assert following.get_json()["next"] == f"C-{int(before[2:]) + 1:05d}"

    draft = designer.get("after_sales", "form", "customer").get_json()
    body = draft["body"]
    body["numbering"] = {"pattern": "CU-{yyyy}-{seq:4}", "reset": "yearly"}
    body["fields"].append({**SERIAL, "numbering": {"pattern": "SN-{seq:3}", "reset": "never"}})
    body["layout"]["sections"][0]["rows"].append(["serial"])
    saved = designer.put("after_sales", "form", "customer", body, draft["revision"]).get_json()
    assert saved["problems"] == [], saved["problems"]
    preview = designer.publish("after_sales", "form", "customer", saved["revision"], False)
    done = designer.client.post(
        designer.url("after_sales", "form", "customer", "publish"),
        json={"revision": saved["revision"], "confirm": True, "plan": preview.get_json()["plan"]},
        headers={"X-CSRFToken": designer.token},
    )
    assert done.status_code == 200, done.get_data(as_text=True)

    # The new pattern starts its own yearly counter; the numbers already given stay.
    next_number = _preview(
        client,
        designer.token,
        "customer",
        "after_sales",
        pattern="CU-{yyyy}-{seq:4}",
        reset="yearly",
    )
    assert next_number.get_json()["next"] == "CU-2026-0001"
    after = _new_customer(client, "After Ltd")
    assert after == "CU-2026-0001"
    assert {k: v for k, v in _numbers(app).items() if k != "After Ltd"} == numbers
    with get_db(app).engine.connect() as connection:
        serial = connection.execute(
            text("SELECT serial FROM rec_after_sales_customer WHERE name = 'After Ltd'")
        ).scalar_one()
    assert serial == "SN-001"
