"""The record page: attachments (names, limits, who may download), comments and mentions."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from servicekit.platform.db import get_db
from tests.conftest import csrf_token
from tests.workspace.records.conftest import BASE, first_id, grant, page_csrf, work_order_form

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _create_with_photo(sample, client, name: str = "../../etc/passwd.png") -> int:  # type: ignore[no-untyped-def]
    token = page_csrf(client.get(BASE + "/new").get_data(as_text=True))
    data = work_order_form(first_id(sample), csrf_token=token)
    data["f-photos-upload"] = (io.BytesIO(PNG), name)
    response = client.post(BASE + "/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_upload_with_a_path_in_its_name_is_stored_under_a_random_name(sample, client, auth):
    from servicekit.platform.models import Attachment

    auth.login()
    record_id = _create_with_photo(sample, client)
    with get_db(sample).sessions() as session:
        attachment = session.scalars(
            select(Attachment).where(Attachment.record_id == record_id)
        ).one()
        assert "/" not in attachment.name and ".." not in attachment.name.split(".")[0]
        assert attachment.stored_name not in attachment.name
        assert attachment.content_type == "image/png"
    page = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert attachment.name in page and "../" not in page.split('id="value-photos"')[1][:800]
    with client.get(f"{BASE}/files/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PNG
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert "passwd.png" in download.headers["Content-Disposition"]
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    with client.get(f"{BASE}/files/{attachment.id}?inline=1") as inline:
        assert inline.headers["Content-Type"] == "image/png"
        assert "attachment" not in inline.headers.get("Content-Disposition", "")


def test_upload_over_the_limit_is_refused_and_nothing_is_saved(sample, client, auth):
    sample.config["SERVICEKIT_MAX_UPLOAD_MB"] = 0.001  # about 1 KB
    auth.login()
    token = page_csrf(client.get(BASE + "/new").get_data(as_text=True))
    data = work_order_form(first_id(sample), csrf_token=token)
    data["f-photos-upload"] = (io.BytesIO(PNG + b"\0" * 4096), "big.png")
    response = client.post(BASE + "/new", data=data, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="err-photos"><div>[^<]*MB', html)
    one = client.post(
        BASE + "/uploads/photos",
        data={"file": (io.BytesIO(PNG + b"\0" * 4096), "big.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert one.status_code == 422


def test_attachments_of_records_out_of_scope_answer_404(sample, client, auth):
    from servicekit.platform.models import Attachment

    auth.login()
    record_id = _create_with_photo(sample, client, "photo.png")
    with get_db(sample).sessions() as session:
        attachment_id = session.scalars(
            select(Attachment.id).where(Attachment.record_id == record_id)
        ).one()
    auth.logout()
    grant(sample, "eng2", "engineer")
    auth.login("eng2")
    assert client.get(f"{BASE}/files/{attachment_id}").status_code == 404
    assert client.get(f"{BASE}/records/{record_id}").status_code == 404


def test_comment_with_a_mention_notifies_that_user(sample, client, auth):
    from servicekit.platform.models import Notification

    mate = grant(sample, "li.lei", "agent", display_name="Li Lei")
    outsider = grant(sample, "wang.wu", "engineer", display_name="Wang Wu")
    auth.login()
    token = page_csrf(client.get(BASE + "/new").get_data(as_text=True))
    created = client.post(BASE + "/new", data=work_order_form(first_id(sample), csrf_token=token))
    page_url = created.headers["Location"]
    client.post(
        page_url + "/comments",
        data={
            "body": "@li.lei please call <b>them</b>, cc @wang.wu",
            "csrf_token": csrf_token(client),
        },
    )
    page = client.get(page_url).get_data(as_text=True)
    assert "please call &lt;b&gt;them&lt;/b&gt;" in page
    with get_db(sample).sessions() as session:
        notes = session.scalars(select(Notification).where(Notification.user_id == mate)).all()
        assert len(notes) == 1 and notes[0].link == page_url.replace("http://localhost", "")
        # The engineer is not assigned to this order and may not read it: no notification.
        assert not session.scalars(
            select(Notification).where(Notification.user_id == outsider)
        ).all()


def test_editing_keeps_the_attachments_the_form_still_lists(sample, client, auth):
    auth.login()
    record_id = _create_with_photo(sample, client, "photo.png")
    edit = client.get(f"{BASE}/records/{record_id}/edit").get_data(as_text=True)
    kept = re.findall(r'name="f-photos-keep" value="(\d+)"', edit)
    assert len(kept) == 1
    data = work_order_form(first_id(sample), csrf_token=page_csrf(edit), version="1")
    data["f-photos-keep"] = kept
    assert client.post(f"{BASE}/records/{record_id}/edit", data=data).status_code == 303
    page = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert "photo.png" in page
    data = work_order_form(first_id(sample), csrf_token=page_csrf(edit), version="2")
    assert client.post(f"{BASE}/records/{record_id}/edit", data=data).status_code == 303
    page = client.get(f"{BASE}/records/{record_id}").get_data(as_text=True)
    assert "photo.png" not in page.split('id="value-photos"')[1].split("</dd>")[0]
    assert "photo.png → —" in page  # the history says what went
