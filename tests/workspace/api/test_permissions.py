"""Who may do what through the API: roles, record scope, field rights, attachments."""

from __future__ import annotations

import io

from tests.workspace.api.conftest import BASE, api_as

PDF = b"%PDF-1.4 private"


def _create(api, **values):  # type: ignore[no-untyped-def]
    response = api.post(f"{BASE}/records", json={"values": values})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _upload(api, field: str = "files"):  # type: ignore[no-untyped-def]
    return api.post(
        f"{BASE}/attachments?field={field}",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )


def test_a_reader_may_read_but_not_write(demo, admin_api, viewer_api) -> None:
    record = _create(admin_api, subject="seen", secret="only staff")
    url = f"{BASE}/records/{record['id']}"
    assert viewer_api.get(url).get_json()["values"]["subject"] == "seen"
    refused = viewer_api.post(f"{BASE}/records", json={"values": {"subject": "x"}})
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert (
        viewer_api.patch(url, json={"values": {}}, headers={"If-Match": '"1"'}).status_code == 403
    )
    assert viewer_api.delete(url).status_code == 403
    assert _upload(viewer_api).status_code == 403


def test_a_user_without_a_role_gets_404_everywhere(demo, admin_api) -> None:
    record = _create(admin_api, subject="hidden")
    stranger = api_as(demo, "stranger")
    assert stranger.get(f"{BASE}/records").status_code == 404
    assert stranger.get(f"{BASE}/records/{record['id']}").status_code == 404
    assert stranger.post(f"{BASE}/records", json={"values": {}}).status_code == 404
    assert stranger.get("/api/v1/apps/nope/forms/sample/records").status_code == 404


def test_out_of_scope_records_answer_404_like_missing_ones(demo, admin_api, clerk_api) -> None:
    theirs = _create(admin_api, subject="admin's")
    mine = _create(clerk_api, subject="clerk's")
    listed = clerk_api.get(f"{BASE}/records").get_json()["items"]
    assert [item["id"] for item in listed] == [mine["id"]]
    url = f"{BASE}/records/{theirs['id']}"
    missing = f"{BASE}/records/999999"
    for response in (
        clerk_api.get(url),
        clerk_api.patch(url, json={"values": {"subject": "x"}}, headers={"If-Match": '"1"'}),
        clerk_api.delete(url),
    ):
        assert response.status_code == 404
        assert response.get_json()["detail"] == clerk_api.get(missing).get_json()["detail"]


def test_hidden_fields_are_not_sent_and_cannot_be_written(demo, admin_api, clerk_api) -> None:
    mine = _create(clerk_api, subject="mine")
    admin_api.patch(
        f"{BASE}/records/{mine['id']}",
        json={"values": {"secret": "internal", "checked": True}},
        headers={"If-Match": '"1"'},
    )
    seen = clerk_api.get(f"{BASE}/records/{mine['id']}").get_json()["values"]
    assert "secret" not in seen and seen["checked"] is True
    listed = clerk_api.get(f"{BASE}/records").get_json()["items"][0]["values"]
    assert "secret" not in listed
    wrote = clerk_api.patch(
        f"{BASE}/records/{mine['id']}",
        json={"values": {"secret": "mine now"}},
        headers={"If-Match": '"2"'},
    )
    assert wrote.status_code == 422
    assert [e["field"] for e in wrote.get_json()["errors"]] == ["secret"]


def test_read_only_fields_cannot_change_but_may_be_sent_back(demo, clerk_api) -> None:
    mine = _create(clerk_api, subject="mine")
    url = f"{BASE}/records/{mine['id']}"
    changed = clerk_api.patch(url, json={"values": {"checked": True}}, headers={"If-Match": '"1"'})
    assert changed.status_code == 422
    assert changed.get_json()["errors"][0]["field"] == "checked"
    same = clerk_api.patch(
        url, json={"values": {"checked": None, "subject": "renamed"}}, headers={"If-Match": '"1"'}
    )
    assert same.status_code == 200 and same.get_json()["values"]["subject"] == "renamed"


def test_attachments_follow_their_records_scope(demo, admin_api, clerk_api) -> None:
    uploaded = _upload(admin_api).get_json()
    # Not yet saved with a record: only the uploader may fetch or use it.
    assert clerk_api.get(uploaded["url"]).status_code == 404
    reuse = clerk_api.post(f"{BASE}/records", json={"values": {"files": [uploaded["id"]]}})
    assert reuse.status_code == 422 and reuse.get_json()["errors"][0]["field"] == "files"
    record = _create(admin_api, files=[uploaded["id"]])
    assert record["values"]["files"][0]["id"] == uploaded["id"]
    assert clerk_api.get(uploaded["url"]).status_code == 404
    response = admin_api.get(uploaded["url"])
    assert response.status_code == 200 and response.data == PDF
    response.close()


def test_hidden_fields_cannot_be_probed_by_filter_or_sort(demo, admin_api, clerk_api) -> None:
    mine = _create(clerk_api, subject="mine")
    admin_api.patch(
        f"{BASE}/records/{mine['id']}",
        json={"values": {"secret": "vip"}},
        headers={"If-Match": '"1"'},
    )
    assert admin_api.get(f'{BASE}/records?filter=secret = "vip"').status_code == 200
    probe = clerk_api.get(f'{BASE}/records?filter=secret = "vip"')
    assert probe.status_code == 400 and "secret" in probe.get_json()["detail"]
    assert clerk_api.get(f"{BASE}/records?sort=-secret").status_code == 400
    assert clerk_api.get(f'{BASE}/records?filter=subject = "mine"').status_code == 200
