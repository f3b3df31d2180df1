"""Exports and imports follow the person's rights: hidden fields, read scope, create right."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from tests.workspace.transfer.conftest import APP, count, create, import_file, records, upload


def _headers(client, query: str = "") -> tuple[list[str], list[list[object]]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/apps/{APP}/forms/asset/export.xlsx{query}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def test_hidden_fields_are_never_exported(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    create(demo, "asset", {"title": "公开", "secret": "不能导出的内容"})
    auth.login("clerk")
    headers, rows = _headers(client, "?columns=title,secret")
    assert headers == ["编号", "标题"]
    assert "不能导出的内容" not in str(rows)
    headers, rows = _headers(client)
    assert "机密" not in headers and "标题" in headers
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/apps/{APP}/forms/asset/export.csv").data))
    csv_text = archive.read("asset.csv").decode("utf-8-sig")
    assert "不能导出的内容" not in csv_text and "公开" in csv_text


def test_only_records_in_the_read_scope_are_exported(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    create(demo, "asset", {"title": "别人的"})
    auth.login("viewer")  # reads only records they created
    headers, rows = _headers(client)
    assert headers[0] == "编号" and rows == []


def test_export_follows_filter_search_and_sort(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    for title, quantity in (("甲", 3), ("乙", 1), ("丙", 2), ("丁", 9)):
        create(demo, "asset", {"title": title, "quantity": quantity})
    auth.login()
    _headers_row, rows = _headers(client, "?filter=quantity%20%3C%205&sort=quantity&columns=title")
    assert [row[1] for row in rows] == ["乙", "丙", "甲"]
    # The list page's own parameters: builder rows, desc=0/1 and repeated cols.
    query = "?ff=quantity&fo=lt&fv=3&expr=quantity%20%3E%200&sort=quantity&desc=1&cols=title"
    _headers_row, rows = _headers(client, query)
    assert [row[1] for row in rows] == ["丙", "乙"]
    _headers_row, rows = _headers(client, "?search=丁&columns=title")
    assert [row[1] for row in rows] == ["丁"]
    assert (
        client.get(f"/apps/{APP}/forms/asset/export.csv?filter=nonsense%20%3E").status_code == 400
    )


def test_people_without_create_right_cannot_import(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("viewer")
    assert client.get(f"/apps/{APP}/forms/asset/import").status_code == 403
    response = upload(client, auth, "asset", "a.csv", "标题\r\n甲\r\n".encode())
    assert response.status_code == 403
    assert count(demo, "asset") == 0


def test_a_hidden_field_cannot_be_filled_by_import(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("clerk")
    page = client.get(f"/apps/{APP}/forms/asset/import")
    assert page.status_code == 200 and "导入资产记录" in page.get_data(as_text=True)
    assert f'href="/apps/{APP}/forms/asset">' in page.get_data(as_text=True)
    data = "标题,机密\r\n甲,偷偷写入\r\n".encode()
    text = import_file(client, auth, "asset", "a.csv", data).get_data(as_text=True)
    assert 'value="secret"' not in text
    assert "导入 1 行，共 1 行" in text
    (record,) = records(demo, "asset")
    assert record.values["secret"] is None and record.created_by is not None


def test_unknown_form_is_not_found(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    assert client.get(f"/apps/{APP}/forms/nothing/export.csv").status_code == 404
    assert client.get(f"/apps/{APP}/forms/nothing/import").status_code == 404
