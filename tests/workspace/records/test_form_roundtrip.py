"""Every field type survives the HTML form: typed into the new-record page, submitted as a
browser submits it, stored unchanged, shown unchanged on the edit page, and saved again
from there without any change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from servicekit.platform.db import get_db
from servicekit.runtime.forms import load_form_runtime
from tests.workspace.records.htmlform import PageForm
from tests.workspace.transfer.conftest import APP, TZ, demo, full_values  # noqa: F401

FORM = f"/apps/{APP}/forms/asset"
NEW = f"{FORM}/new"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
UPLOADS = {
    "files": ("发票.pdf", b"%PDF-1.4 invoice", "application/pdf"),
    "photo": ("现场.png", PNG, "image/png"),
    "sign": ("签名.png", PNG, "image/png"),
}


def _typed(value: Any) -> str:
    """What a person types (or picks) in a field's input for ``value``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        hours, rest = divmod(int(value.total_seconds()), 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    return str(value)


def _fill(form: PageForm, values: dict[str, Any]) -> None:
    """Enter ``values`` the way a person does: type, pick, tick, attach."""
    for key in ("title", "notes", "body", "quantity", "price", "bought_on", "checked_at"):
        form.type(f"f-{key}", _typed(values[key]))
    form.type("f-effort", _typed(values["effort"]))
    form.type("f-secret", values["secret"])
    for key in ("active", "state", "owner"):
        form.choose(f"f-{key}", _typed(values[key]))
    form.tick("f-tags", values["tags"])
    form.type("f-site", str(values["site"]))  # the lookup picker's hidden value
    for part in ("lat", "lng", "address"):
        form.type(f"f-place-{part}", values["place"][part])
    tokens = form.values()["f-lines-row"]
    assert len(tokens) == len(values["lines"])
    for token, row in zip(tokens, values["lines"], strict=True):
        for key in ("item", "qty", "amount", "when"):
            form.type(f"f-lines-{token}-{key}", _typed(row[key]))
    for key, (name, data, content_type) in UPLOADS.items():
        form.attach(f"f-{key}-upload", name, data, content_type)


def _post(client, url: str, form: PageForm, pressed: tuple[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(
        url, data=form.submission(pressed), content_type="multipart/form-data"
    )  # fmt: skip


def _stored(app, record_id: int):  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return load_form_runtime(session, APP, "asset").store.get(session, record_id)


def _comparable(values: dict[str, Any]) -> dict[str, Any]:
    """Values with subform row ids left out (rows are rewritten on every save)."""
    rows = [{k: v for k, v in row.items() if k != "id"} for row in values["lines"]]
    return {**values, "lines": rows}


def _fields(shown: dict[str, list[str]]) -> dict[str, Any]:
    """The field inputs of a form's data set, with subform rows keyed by position."""
    tokens = shown.get("f-lines-row", [])
    fields: dict[str, Any] = {
        name: value
        for name, value in shown.items()
        if name.startswith("f-") and not name.startswith("f-lines-")
    }
    fields["rows"] = [
        {key: shown.get(f"f-lines-{token}-{key}") for key in ("item", "qty", "amount", "when")}
        for token in tokens
    ]
    return fields


def test_every_field_type_round_trips_through_the_html_form(demo, client, auth) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    auth.login()
    sample = full_values(demo)
    form = PageForm(client.get(NEW).get_data(as_text=True), NEW)
    # Rows are added as a browser without scripts adds them: the form's "Add a row" button.
    for _row in sample["lines"]:
        page = _post(client, NEW, form, ("_subform", "add:lines"))
        assert page.status_code == 200
        form = PageForm(page.get_data(as_text=True), NEW)
    _fill(form, sample)
    typed = _fields(form.values())

    saved = _post(client, NEW, form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    record_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    record = _stored(demo, record_id)

    expected = {k: v for k, v in sample.items() if k not in ("code", *UPLOADS)}
    expected["total"] = Decimal("51851847.60")  # the formula: price × quantity
    stored = _comparable(record.values)
    assert {k: v for k, v in stored.items() if k not in ("code", *UPLOADS)} == _comparable(expected)
    for key, (name, data, content_type) in UPLOADS.items():
        (kept,) = stored[key]
        assert (kept["name"], kept["size"], kept["content_type"]) == (
            name,
            len(data),
            content_type,
        )
    # An auto number is never typed: the form has no input for it, and the record got the
    # next value of the field's own pattern (not the business number).
    assert "f-code" not in form.values()
    year = record.created_at.astimezone(TZ).strftime("%Y")
    assert (record.number, stored["code"]) == ("A-00001", f"AS-{year}-0001")

    # The edit page shows every value exactly as it was typed, and the auto number read-only.
    edit_url = f"{FORM}/records/{record_id}/edit"
    edit_page = client.get(edit_url).get_data(as_text=True)
    assert f'<div class="form-control-plaintext" id="f-code">AS-{year}-0001</div>' in edit_page
    edit = PageForm(edit_page, edit_url)
    shown = _fields(edit.values())
    for key in UPLOADS:
        assert shown.pop(f"f-{key}-keep") == [str(stored[key][0]["id"])]
    assert shown == {k: v for k, v in typed.items() if not k.endswith("-keep")}

    # Saving the edit page untouched changes nothing but the version.
    again = _post(client, edit_url, edit)
    assert again.status_code == 303, again.get_data(as_text=True)
    after = _stored(demo, record_id)
    assert after.version == 2
    assert _comparable(after.values) == stored


def test_a_duration_keeps_its_seconds_and_bad_input_is_named_in_both_languages(
    demo,  # noqa: F811
    client,
    auth,
) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    form = PageForm(client.get(NEW).get_data(as_text=True), NEW)
    form.type("f-title", "时长")
    form.type("f-effort", "1:75")
    refused = _post(client, NEW, form)
    assert refused.status_code == 422
    assert "请输入时长，例如 1:30（时:分）、1:30:15（时:分:秒）或 PT1H30M。" in refused.get_data(
        as_text=True
    )
    with client.session_transaction() as session:
        session["locale"] = "en"
    form = PageForm(client.get(NEW).get_data(as_text=True), NEW)
    form.type("f-title", "duration")
    form.type("f-effort", "2:05:60")
    refused = _post(client, NEW, form).get_data(as_text=True)
    assert "1:30:15 (hours:minutes:seconds) or PT1H30M." in refused

    # Both forms are accepted; the edit page shows seconds only when there are some.
    for typed, kept, shown in [
        ("2:05:09", timedelta(hours=2, minutes=5, seconds=9), "2:05:09"),
        ("26:05", timedelta(hours=26, minutes=5), "26:05"),
    ]:
        form = PageForm(client.get(NEW).get_data(as_text=True), NEW)
        form.type("f-title", typed)
        form.type("f-effort", typed)
        saved = _post(client, NEW, form)
        assert saved.status_code == 303, saved.get_data(as_text=True)
        record_id = int(saved.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        assert _stored(demo, record_id).values["effort"] == kept
        edit_url = f"{FORM}/records/{record_id}/edit"
        edit = PageForm(client.get(edit_url).get_data(as_text=True), edit_url)
        assert edit.values()["f-effort"] == [shown]
        assert _post(client, edit_url, edit).status_code == 303
        assert _stored(demo, record_id).values["effort"] == kept
