"""Records through the REST API: every field type round-trips, lists page, versions lock."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.models import Attachment, Event
from servicekit.runtime.forms import load_form_runtime
from tests.workspace.api.conftest import BASE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(api, field: str, name: str, data: bytes) -> dict:  # type: ignore[no-untyped-def]
    response = api.post(
        f"{BASE}/attachments?field={field}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _every_type(api, account_id: int) -> dict:  # type: ignore[no-untyped-def]
    document = _upload(api, "files", "report.pdf", b"%PDF-1.4 test")
    photo = _upload(api, "photo", "site.png", PNG)
    signature = _upload(api, "sign", "sign.png", PNG)
    return {
        "subject": "空调不制冷",
        "notes": "第一行\n第二行 <b>not html</b>",
        "body": "<p>Hello <strong>world</strong></p>",
        "units": 12,
        "amount": "1234.50",
        "flag": True,
        "due": "2026-12-31",
        "visit_at": "2026-11-23T01:30:00Z",
        "spent": "PT1H30M",
        "kind": "repair",
        "tags": ["red", "blue"],
        "owner": api.user_id,
        "account": account_id,
        "items": [
            {"part": "压缩机", "qty": 1, "price": "850.50"},
            {"part": "冷媒", "qty": 2, "price": "45.25"},
        ],
        "files": [document["id"]],
        "photo": [photo],
        "sign": [signature["id"]],
        "place": {"lat": "31.230416", "lng": "121.473701", "address": "上海市黄浦区"},
    }


def test_every_field_type_round_trips(admin_api, account_id) -> None:
    sent = _every_type(admin_api, account_id)
    # An auto number is the server's to give: one sent along is ignored, not refused.
    created = admin_api.post(f"{BASE}/records", json={"values": {**sent, "code": "MINE-1"}})
    assert created.status_code == 201, created.get_json()
    assert created.headers["ETag"] == '"1"'
    location = created.headers["Location"]
    assert location.endswith(f"/records/{created.get_json()['id']}")

    read = admin_api.get(location)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    record = read.get_json()
    values = record["values"]
    for key in ("subject", "notes", "body", "units", "amount", "flag", "due", "visit_at"):
        assert values[key] == sent[key], key
    assert values["spent"] == "PT1H30M"
    assert values["kind"] == "repair" and values["tags"] == ["red", "blue"]
    assert values["owner"] == admin_api.user_id and values["account"] == account_id
    assert [(r["part"], r["qty"], r["price"]) for r in values["items"]] == [
        ("压缩机", 1, "850.50"),
        ("冷媒", 2, "45.25"),
    ]
    assert all(isinstance(row["id"], int) for row in values["items"])
    assert values["place"] == sent["place"]
    assert [a["id"] for a in values["files"]] == sent["files"]
    assert values["files"][0]["name"] == "report.pdf"
    assert values["files"][0]["content_type"] == "application/pdf"
    assert values["photo"][0]["url"] == f"/api/v1/attachments/{values['photo'][0]['id']}"
    assert values["total"] == "941.00"  # formula: 850.50 + 2 × 45.25
    assert record["number"].startswith("S-") and record["title"] == f"{record['number']} 空调不制冷"
    # The auto number has a sequence of its own, counted with the default pattern {seq:6}.
    assert (record["number"], values["code"]) == ("S-00001", "000001")

    # The record as answered can be sent back unchanged; nothing changes but the version.
    again = admin_api.put(location, json=record, headers={"If-Match": read.headers["ETag"]})
    assert again.status_code == 200, again.get_json()
    # Subform rows are rewritten on every save, so only their row ids may differ.
    assert _without_row_ids(again.get_json()["values"]) == _without_row_ids(values)
    assert again.headers["ETag"] == '"2"'

    # What the database holds is typed: exact decimals, aware datetimes, durations.
    with get_db(admin_api.client.application).sessions() as session:
        runtime = load_form_runtime(session, "api_demo", "sample")
        stored = runtime.store.get(session, record["id"]).values
    assert stored["amount"] == Decimal("1234.50")
    assert stored["visit_at"] == datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    assert stored["spent"].total_seconds() == 5400


def _without_row_ids(values: dict) -> dict:
    rows = [{k: v for k, v in row.items() if k != "id"} for row in values["items"]]
    return {**values, "items": rows}


def test_attachment_download_is_a_nosniff_attachment(admin_api, account_id) -> None:
    uploaded = _upload(admin_api, "files", "../../etc/passwd.pdf", b"%PDF-1.4 secret")
    assert uploaded["name"] == "passwd.pdf"
    response = admin_api.get(uploaded["url"])
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 secret"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "passwd.pdf" in response.headers["Content-Disposition"]
    response.close()
    app = admin_api.client.application
    with get_db(app).sessions() as session:
        stored = session.get(Attachment, uploaded["id"]).stored_name
    assert "passwd" not in stored and ".." not in stored
    files = [p for p in (Path(app.instance_path) / "files").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [stored]


def test_datetimes_without_an_offset_are_read_in_the_apps_zone(admin_api) -> None:
    created = admin_api.post(
        f"{BASE}/records", json={"values": {"visit_at": "2026-11-23T09:30:00"}}
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["values"]["visit_at"] == "2026-11-23T01:30:00Z"  # Asia/Shanghai


def _create(api, **values) -> dict:  # type: ignore[no-untyped-def]
    response = api.post(f"{BASE}/records", json={"values": values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_filter_sort_and_cursor_paging(admin_api) -> None:
    for index in range(7):
        _create(
            admin_api, subject=f"s{index}", units=index, kind="repair" if index % 2 else "install"
        )
    seen: list[int] = []
    url = f"{BASE}/records?sort=units&limit=3&filter=units >= 2"
    pages = 0
    while url:
        response = admin_api.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen += [item["values"]["units"] for item in body["items"]]
        pages += 1
        if body["next_cursor"]:
            link = response.headers["Link"]
            assert link.endswith('>; rel="next"') and "cursor=" in link
            url = link[1 : link.index(">")]
        else:
            assert "Link" not in response.headers
            url = ""
    assert seen == [2, 3, 4, 5, 6] and pages == 2

    newest = admin_api.get(f"{BASE}/records?sort=-units&limit=2").get_json()["items"]
    assert [item["values"]["units"] for item in newest] == [6, 5]
    searched = admin_api.get(f"{BASE}/records?search=s3").get_json()["items"]
    assert [item["values"]["subject"] for item in searched] == ["s3"]
    chosen = admin_api.get(f'{BASE}/records?filter=kind = "install"&sort=units').get_json()
    assert [item["values"]["units"] for item in chosen["items"]] == [0, 2, 4, 6]


def test_update_needs_if_match_and_refuses_stale_versions(admin_api) -> None:
    record = _create(admin_api, subject="first", units=1)
    url = f"{BASE}/records/{record['id']}"

    missing = admin_api.patch(url, json={"values": {"units": 2}})
    assert missing.status_code == 428
    assert missing.mimetype == "application/problem+json"

    ok = admin_api.patch(url, json={"values": {"units": 2}}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    assert ok.get_json()["values"]["subject"] == "first"  # PATCH keeps what was not sent

    stale = admin_api.patch(url, json={"values": {"units": 3}}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    problem = stale.get_json()
    assert problem["status"] == 412 and problem["type"].endswith("/stale-version")
    assert problem["current"]["version"] == 2 and problem["current"]["values"]["units"] == 2
    assert problem["changes"][0]["fields"]["units"] == [1, 2]
    assert admin_api.get(url).get_json()["values"]["units"] == 2

    replaced = admin_api.put(url, json={"values": {"units": 9}}, headers={"If-Match": '"2"'})
    assert replaced.status_code == 200
    assert replaced.get_json()["values"]["subject"] is None  # PUT replaces the whole record


def test_delete_moves_to_trash_and_honours_if_match(admin_api) -> None:
    record = _create(admin_api, subject="gone")
    url = f"{BASE}/records/{record['id']}"
    assert admin_api.delete(url, headers={"If-Match": '"7"'}).status_code == 412
    assert admin_api.delete(url, headers={"If-Match": '"1"'}).status_code == 204
    assert admin_api.get(url).status_code == 404
    app = admin_api.client.application
    with get_db(app).sessions() as session:
        kinds = session.scalars(
            select(Event.kind).where(Event.record_id == record["id"], Event.form_key == "sample")
        ).all()
        runtime = load_form_runtime(session, "api_demo", "sample")
        assert runtime.store.get(session, record["id"], include_deleted=True).deleted
    assert kinds == ["record.created", "record.deleted"]
