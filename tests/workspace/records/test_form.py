"""The record form: saving, every error beside its field, 409 on stale edits, field rights."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from servicekit.platform.db import get_db
from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.workspace.records.conftest import (
    BASE,
    first_id,
    grant,
    page_csrf,
    work_order_form,
)


def _count(app) -> int:  # type: ignore[no-untyped-def]
    with get_db(app).engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM rec_after_sales_work_order")
        ).scalar_one()


def _new(client) -> str:  # type: ignore[no-untyped-def]
    return page_csrf(client.get(BASE + "/new").get_data(as_text=True))


def test_new_form_follows_the_layout_and_marks_required(sample, client, auth):
    auth.login()
    html = client.get(BASE + "/new").get_data(as_text=True)
    assert 'id="tab-request"' in html and 'id="tab-service"' in html
    assert 'id="fld-customer"' in html and 'id="req-customer" class="text-danger"> *' in html
    # Conditional field starts hidden; the formula is read-only output.
    assert re.search(r'class="mb-3 sk-field d-none" id="fld-urgent_reason"', html)
    assert 'id="out-total_cost"' in html and 'name="f-total_cost"' not in html
    assert 'inputmode="decimal"' in html and 'type="datetime-local"' in html
    assert 'value="normal" selected' in html  # the default priority
    assert "新建工单" in html
    client.post("/language", data={"locale": "en", "csrf_token": page_csrf(html)})
    english = client.get(BASE + "/new").get_data(as_text=True)
    assert "New Work order" in english and "Add a row" in english


def test_save_creates_the_record_and_shows_it(sample, client, auth):
    auth.login()
    before = _count(sample)
    customer = first_id(sample)
    data = work_order_form(customer, csrf_token=_new(client))
    data.update(
        {
            "f-parts-row": ["a1", "a2"],
            "f-parts-a1-part_name": "Fuse",
            "f-parts-a1-qty": "2",
            "f-parts-a1-unit_price": "10.25",
            "f-parts-a2-part_name": "Belt",
            "f-parts-a2-qty": "1",
            "f-parts-a2-unit_price": "100",
        }
    )
    response = client.post(BASE + "/new", data=data)
    assert response.status_code == 303
    assert _count(sample) == before + 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "WO-" in page and "Does not start" in page
    assert "241.00" in page  # 120.50 + 2 × 10.25 + 100
    assert "Fuse" in page and "Belt" in page
    # A normal order has no urgency reason, so the page does not show that field.
    assert 'id="value-urgent_reason"' not in page and 'id="value-labor_cost"' in page


def test_errors_are_shown_beside_each_field_with_the_input_kept(sample, client, auth):
    auth.login()
    before = _count(sample)
    data = {
        "csrf_token": _new(client),
        "f-customer": "",
        "f-fault_type": "electrical",
        "f-priority": "urgent",
        "f-description": "<script>alert(1)</script> smoke",
        "f-labor_cost": "12.345",
        "f-appointment_at": "tomorrow",
        "f-parts-row": ["r1"],
        "f-parts-r1-part_name": "",
        "f-parts-r1-qty": "two",
        "f-parts-r1-unit_price": "5",
    }
    response = client.post(BASE + "/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _count(sample) == before

    def error(key: str) -> str:
        return re.search(rf'id="err-{key}">(.*?)</div>\s*</div>', html, re.S).group(1)

    assert "此字段为必填项。" in error("customer")  # required, in the reader's language
    assert error("urgent_reason").strip()  # required when urgent, and now visible
    assert "2" in error("labor_cost")  # at most 2 decimal places
    assert error("appointment_at").strip()
    assert 'id="form-errors"' in html
    # Subform messages sit in their cells.
    cells = re.findall(r'<div class="invalid-feedback d-block">([^<]+)</div>', html)
    assert len(cells) >= 2
    # What the user typed is still there, escaped.
    assert "12.345" in html and 'value="tomorrow"' in html and 'value="two"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; smoke" in html
    assert "<script>alert(1)</script>" not in html
    assert 'class="mb-3 sk-field" id="fld-urgent_reason"' in html


def test_recalculate_answers_formula_and_changed_fields(sample, client, auth):
    auth.login()
    token = _new(client)
    response = client.post(
        BASE + "/recalculate",
        data={
            "csrf_token": token,
            "f-priority": "urgent",
            "f-labor_cost": "10",
            "f-parts-row": ["x"],
            "f-parts-x-qty": "3",
            "f-parts-x-unit_price": "2.50",
            "_fieldstate": "urgent_reason:h",
        },
        headers={"HX-Request": "true"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="out-total_cost"[^>]*hx-swap-oob="true">17.50<', html)
    assert (
        'id="fld-urgent_reason"' in html
        and "d-none" not in html.split('id="fld-urgent_reason"')[0][-60:]
    )
    # Nothing changed: only the formula and the state note come back.
    quiet = client.post(
        BASE + "/recalculate",
        data={"csrf_token": token, "f-priority": "normal", "_fieldstate": "urgent_reason:h"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert 'id="fld-urgent_reason"' not in quiet


def _create(sample, client, **overrides) -> int:  # type: ignore[no-untyped-def]
    data = work_order_form(first_id(sample), csrf_token=_new(client), **overrides)
    response = client.post(BASE + "/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_edit_saves_and_a_stale_edit_answers_409_with_the_changes(sample, client, auth):
    auth.login()
    record_id = _create(sample, client)
    edit = client.get(f"{BASE}/records/{record_id}/edit").get_data(as_text=True)
    assert 'name="version" value="1"' in edit and "Does not start" in edit
    token = page_csrf(edit)
    first = work_order_form(first_id(sample), csrf_token=token, version="1")
    first["f-description"] = "Changed by the first person"
    assert client.post(f"{BASE}/records/{record_id}/edit", data=first).status_code == 303
    second = work_order_form(first_id(sample), csrf_token=token, version="1")
    second["f-description"] = "My own change"
    stale = client.post(f"{BASE}/records/{record_id}/edit", data=second)
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert 'id="stale-changes"' in html
    assert "故障描述" in html and "Does not start" in html and "Changed by the first person" in html
    assert "My own change" in html and 'name="version" value="2"' in html
    history = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert "Changed by the first person" in history and "故障描述" in history


def test_rich_text_is_sanitized_and_text_escaped(sample, client, auth):
    auth.login()
    record_id = _create(sample, client, **{"f-description": '<img src=x onerror="alert(1)">hi'})
    page = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=" in page and "<img src=x" not in page
    from zoneinfo import ZoneInfo

    from servicekit.platform.metadata.forms import FieldDef
    from servicekit.platform.storage import codecs

    rich = FieldDef.from_dict({"key": "notes", "type": "rich_text"})
    assert (
        codecs.from_text(rich, "<b>ok</b><script>alert(1)</script>", ZoneInfo("UTC")) == "<b>ok</b>"
    )


@pytest.fixture
def restricted(app, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The sample app with a rich-text field, where agents may not see satisfaction and may
    not edit labour cost."""
    target = tmp_path / "pkg" / "after_sales"
    shutil.copytree(SAMPLE_APP, target)
    path = target / "forms" / "work_order.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["permissions"]["agent"]["fields"] = {"satisfaction": "hidden", "labor_cost": "readonly"}
    body["fields"].append(
        {"key": "notes", "type": "rich_text", "label": {"zh": "备注", "en": "Notes"}}
    )
    body["layout"]["tabs"][1]["sections"][0]["rows"].append(["notes"])
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    install(app, target)
    # No cache clearing: the form catalog is keyed by content, so this changed copy of the
    # sample (same app key, same version numbers) is never confused with the original.
    yield app


def test_hidden_and_readonly_fields_are_neither_shown_nor_accepted(restricted, client, auth):
    grant(restricted, "agent1", "agent")
    auth.login("agent1")
    html = client.get(BASE + "/new").get_data(as_text=True)
    assert 'id="fld-satisfaction"' not in html
    assert 'name="f-labor_cost"' not in html and 'id="fld-labor_cost"' in html
    data = work_order_form(
        first_id(restricted),
        csrf_token=page_csrf(html),
        **{"f-satisfaction": "5", "f-labor_cost": "999"},
    )
    response = client.post(BASE + "/new", data=data)
    assert response.status_code == 303
    record_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with get_db(restricted).engine.connect() as connection:
        row = connection.execute(
            text("SELECT satisfaction, labor_cost FROM rec_after_sales_work_order WHERE id = :i"),
            {"i": record_id},
        ).one()
    assert row[0] is None and row[1] is None
    page = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert "满意度" not in page
    # Nor can the hidden field be filtered or sorted on.
    listing = client.get(BASE + '?expr=satisfaction+%3D+"5"').get_data(as_text=True)
    assert 'id="filter-problems"' in listing and "data-record-id" not in listing
    assert 'value="satisfaction"' not in client.get(BASE).get_data(as_text=True)


def test_out_of_scope_records_answer_404_and_forbidden_actions_403(sample, client, auth):
    auth.login()
    record_id = _create(sample, client)
    auth.logout()
    grant(sample, "eng", "engineer")
    auth.login("eng")
    for url in (f"{BASE}/records/{record_id}", f"{BASE}/records/{record_id}/edit"):
        assert client.get(url).status_code == 404, url
    from tests.conftest import csrf_token

    token = csrf_token(client)
    assert (
        client.post(f"{BASE}/records/{record_id}/delete", data={"csrf_token": token}).status_code
        == 403
    )
    assert (
        client.post(
            f"{BASE}/records/{record_id}/comments", data={"body": "x", "csrf_token": token}
        ).status_code
        == 404
    )
    assert client.post(BASE + "/new", data={"csrf_token": token}).status_code == 403


def test_rich_text_keeps_basic_markup_and_drops_scripts(restricted, client, auth):
    auth.login()
    html = client.get(BASE + "/new").get_data(as_text=True)
    data = work_order_form(
        first_id(restricted),
        csrf_token=page_csrf(html),
        **{"f-notes": '<b>Bring</b> gloves<script>alert(1)</script><a href="javascript:x()">x</a>'},
    )
    response = client.post(BASE + "/new", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    notes = page.split('id="value-notes">')[1].split("</dd>")[0]
    assert "<b>Bring</b> gloves" in notes
    assert "<script" not in notes and "alert(1)" not in notes and "javascript:" not in notes


def test_date_times_are_typed_and_shown_in_the_readers_zone(sample, client, auth):
    auth.login()
    data = work_order_form(
        first_id(sample), csrf_token=_new(client), **{"f-appointment_at": "2026-01-31T08:30"}
    )
    response = client.post(BASE + "/new", data=data)
    url = response.headers["Location"]
    with get_db(sample).engine.connect() as connection:
        stored = connection.execute(
            text("SELECT appointment_at FROM rec_after_sales_work_order WHERE id = :i"),
            {"i": int(url.rsplit("/", 1)[1])},
        ).scalar_one()
    assert str(stored).startswith("2026-01-31 00:30")  # Shanghai 08:30 is 00:30 UTC
    assert "2026-01-31 08:30" in client.get(url).get_data(as_text=True)
    auth.logout()
    grant(sample, "london", "agent", timezone="Europe/London")
    auth.login("london")
    assert "2026-01-31 00:30" in client.get(url).get_data(as_text=True)


def test_subform_rows_can_be_added_and_removed_without_scripts(sample, client, auth):
    auth.login()
    before = _count(sample)
    data = work_order_form(first_id(sample), csrf_token=_new(client), _subform="add:parts")
    html = client.post(BASE + "/new", data=data).get_data(as_text=True)
    tokens = re.findall(r'name="f-parts-row" value="([^"_]+)"', html)
    assert len(tokens) == 1 and _count(sample) == before  # nothing saved yet
    data.update({"f-parts-row": tokens, f"f-parts-{tokens[0]}-part_name": "Fuse"})
    data["_subform"] = "add:parts"
    html = client.post(BASE + "/new", data=data).get_data(as_text=True)
    assert len(re.findall(r'name="f-parts-row" value="([^"_]+)"', html)) == 2
    assert 'value="Fuse"' in html
    data["_subform"] = f"remove:parts:{tokens[0]}"
    html = client.post(BASE + "/new", data=data).get_data(as_text=True)
    assert re.findall(r'name="f-parts-row" value="([^"_]+)"', html) == []


def test_user_picker_offers_the_role_and_lists_show_names(sample, client, auth):
    engineer = grant(sample, "eng.a", "engineer", display_name="Engineer Alpha")
    grant(sample, "agent.b", "agent", display_name="Agent Beta")
    auth.login()
    html = client.get(BASE + "/new").get_data(as_text=True)
    picker = html.split('id="f-engineer"')[1].split("</select>")[0]
    assert "Engineer Alpha" in picker and "Agent Beta" not in picker
    record_id = _create(sample, client, **{"f-engineer": str(engineer)})
    listing = client.get(BASE + "?cols=engineer&sort=number&desc=1").get_data(as_text=True)
    row = listing.split(f'data-record-id="{record_id}"')[1].split("</tr>")[0]
    assert "Engineer Alpha" in row
    # The engineer's scope is "engineer = user.id": now they see exactly this order.
    auth.logout()
    auth.login("eng.a")
    mine = client.get(BASE).get_data(as_text=True)
    assert re.findall(r'data-record-id="(\d+)"', mine) == [str(record_id)]
    assert client.get(f"{BASE}/records/{record_id}").status_code == 200
