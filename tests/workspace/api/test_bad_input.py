"""Bad input gets a clear problem-details answer and stores nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.workspace.api.conftest import BASE

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _count(api) -> int:  # type: ignore[no-untyped-def]
    return len(api.get(f"{BASE}/records?limit=500").get_json()["items"])


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"units": "twelve"}, ("units", None, None)),
        ({"units": 1.5}, ("units", None, None)),
        ({"units": -1}, ("units", None, None)),
        ({"flag": "yes"}, ("flag", None, None)),
        ({"amount": 12.5}, ("amount", None, None)),
        ({"amount": "12.345"}, ("amount", None, None)),
        ({"due": "31/12/2026"}, ("due", None, None)),
        ({"visit_at": "tomorrow"}, ("visit_at", None, None)),
        ({"spent": "90 minutes"}, ("spent", None, None)),
        ({"kind": "other"}, ("kind", None, None)),
        ({"tags": "red"}, ("tags", None, None)),
        ({"owner": "admin"}, ("owner", None, None)),
        ({"owner": 999999}, ("owner", None, None)),
        ({"owner": 10**15}, ("owner", None, None)),
        ({"account": 999999}, ("account", None, None)),
        ({"place": {"lat": 91, "lng": 0}}, ("place", None, None)),
        ({"subject": "x" * 21}, ("subject", None, None)),
        ({"items": "rows"}, ("items", None, None)),
        ({"items": [{"qty": 1}]}, ("items", 0, "part")),
        ({"items": [{"part": "p", "qty": "many"}]}, ("items", 0, "qty")),
        ({"items": [{"part": "p", "colour": "red"}]}, ("items", 0, "colour")),
        ({"files": ["a.pdf"]}, ("files", None, None)),
        ({"files": [424242]}, ("files", None, None)),
        ({"bogus": 1}, ("bogus", None, None)),
        ({"notes": "a\x00b"}, ("notes", None, None)),
        ({"place": {"lat": "1", "lng": "2", "address": "\x00"}}, ("place", None, None)),
        ({"items": [{"part": "p\x00"}]}, ("items", 0, "part")),
    ],
)
def test_bad_values_are_refused_with_the_field_named(admin_api, values, where) -> None:
    before = _count(admin_api)
    response = admin_api.post(f"{BASE}/records", json={"values": values})
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert PROBLEM_KEYS <= set(problem) and problem["status"] == 422
    assert where in {(e["field"], e["row"], e["subfield"]) for e in problem["errors"]}
    assert all(e["message"] for e in problem["errors"])
    assert _count(admin_api) == before


def test_unknown_top_level_keys_are_named(admin_api) -> None:
    response = admin_api.post(f"{BASE}/records", json={"values": {}, "subjct": "typo"})
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["subjct"]


def test_a_script_tag_is_kept_as_text_and_sanitized_in_rich_text(admin_api) -> None:
    script = "<script>alert(1)</script>"
    response = admin_api.post(
        f"{BASE}/records", json={"values": {"notes": f"a {script}", "body": f"<p>b</p>{script}"}}
    )
    assert response.status_code == 201 and response.mimetype == "application/json"
    values = admin_api.get(response.headers["Location"]).get_json()["values"]
    assert values["notes"] == f"a {script}"  # JSON is not HTML: text comes back as sent
    assert values["body"] == "<p>b</p>"  # rich text is stored sanitized


def test_malformed_requests_get_400_or_415(admin_api) -> None:
    broken = admin_api.post(
        f"{BASE}/records", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and PROBLEM_KEYS <= set(broken.get_json())
    assert admin_api.post(f"{BASE}/records", data="values=1").status_code == 415
    deep = admin_api.post(
        f"{BASE}/records", data="[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert deep.status_code == 400
    not_object = admin_api.post(f"{BASE}/records", json=[1, 2])
    assert not_object.status_code == 400
    assert admin_api.get(f"{BASE}/records?limit=501").status_code == 400
    assert admin_api.get(f"{BASE}/records?cursor=garbage").status_code == 400
    assert admin_api.get(f"{BASE}/records?sort=files").status_code == 400
    assert admin_api.get(f"{BASE}/records?search=a%00b").status_code == 400
    assert admin_api.get(f'{BASE}/records?filter=subject = "a%00"').status_code == 400


def test_a_broken_filter_reports_line_and_column(admin_api) -> None:
    response = admin_api.get(f"{BASE}/records?filter=units >= ")
    assert response.status_code == 400
    problem = response.get_json()
    assert problem["type"].endswith("/bad-query")
    assert problem["problems"] and {"message", "line", "column"} <= set(problem["problems"][0])
    unknown = admin_api.get(f"{BASE}/records?filter=nosuchfield = 1").get_json()
    assert unknown["problems"][0]["line"] == 1 and unknown["problems"][0]["column"] == 1


def test_uploads_over_the_limit_are_refused_with_413(admin_api) -> None:
    app = admin_api.client.application
    # A quarter megabyte keeps the test client's body in memory (it spools larger ones).
    app.config["SERVICEKIT_MAX_UPLOAD_MB"] = 0.25
    big = b"%PDF-1.4" + b"0" * (256 * 1024)
    response = admin_api.post(
        f"{BASE}/attachments?field=files",
        data={"file": (io.BytesIO(big), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert not [p for p in (Path(app.instance_path) / "files").rglob("*") if p.is_file()]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    whole = admin_api.post(
        f"{BASE}/attachments?field=files",
        data={"file": (io.BytesIO(b"%PDF-1.4" + b"0" * 8192), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert whole.status_code == 413 and whole.mimetype == "application/problem+json"


def test_uploads_of_the_wrong_kind_are_refused(admin_api) -> None:
    html = admin_api.post(
        f"{BASE}/attachments?field=files",
        data={"file": (io.BytesIO(b"<html><script>alert(1)</script>"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert html.status_code == 422
    not_image = admin_api.post(
        f"{BASE}/attachments?field=photo",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "x.png")},
        content_type="multipart/form-data",
    )
    assert not_image.status_code == 422
    no_field = admin_api.post(
        f"{BASE}/attachments?field=subject",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert no_field.status_code == 422
    assert admin_api.post(f"{BASE}/attachments?field=files").status_code == 400


def test_unknown_addresses_and_methods_answer_problem_details(admin_api, client) -> None:
    unknown = admin_api.get("/api/v1/no/such/thing")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    wrong = admin_api.post(f"{BASE}/records/1", json={})
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert {"GET", "PATCH", "PUT", "DELETE"} <= set(wrong.headers["Allow"].split(", "))
    anonymous = client.get("/api/v1/no/such/thing")
    assert anonymous.status_code == 401


def test_ids_out_of_range_are_not_found_or_invalid(admin_api) -> None:
    assert admin_api.get(f"{BASE}/records/{10**25}").status_code == 404
    assert admin_api.get(f"/api/v1/attachments/{10**25}").status_code == 404
    files = admin_api.post(f"{BASE}/records", json={"values": {"files": [10**25]}})
    assert files.status_code == 422
    account = admin_api.post(f"{BASE}/records", json={"values": {"account": 10**17}})
    assert account.status_code == 422
