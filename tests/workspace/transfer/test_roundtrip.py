"""Every field type survives export and import unchanged, through CSV and through XLSX."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.workspace.transfer.conftest import (
    APP,
    count,
    create,
    full_values,
    import_file,
    records,
)

NOT_IMPORTED = ("photo", "files", "sign")


def _comparable(record: Any) -> dict[str, Any]:
    # Auto numbers are not imported either: each form's records count on their own.
    values = {k: v for k, v in record.values.items() if k not in (*NOT_IMPORTED, "code")}
    values["lines"] = [{k: v for k, v in row.items() if k != "id"} for row in values["lines"]]
    return values


@pytest.fixture
def originals(demo):  # type: ignore[no-untyped-def]
    create(demo, "asset", full_values(demo))
    create(demo, "asset", {"title": "'@引号开头只有标题", "active": True})
    return [_comparable(r) for r in records(demo, "asset")]


def _export(client, kind: str) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(f"/apps/{APP}/forms/asset/export.{kind}?sort=id&order=asc")
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize(("kind", "name"), [("csv", "asset.zip"), ("xlsx", "asset.xlsx")])
def test_every_field_type_round_trips(demo, client, auth, originals, kind, name) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    data = _export(client, kind)
    page = import_file(client, auth, "asset_copy", name, data).get_data(as_text=True)
    assert "导入 2 行，共 2 行" in page or "Imported 2 of 2 rows" in page, page
    copies = [_comparable(r) for r in records(demo, "asset_copy")]
    assert copies == originals
    # The copy got numbers of its own; the numbers in the file only tied rows together,
    # and the auto numbers in the file were left for the copy's own sequence.
    assert [r.number for r in records(demo, "asset_copy")] == ["B-00001", "B-00002"]
    assert [r.values["code"] for r in records(demo, "asset_copy")] == ["000001", "000002"]


def test_csv_export_writes_labels_text_and_guards_formulas(demo, client, auth, originals) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    archive = zipfile.ZipFile(io.BytesIO(_export(client, "csv")))
    assert sorted(archive.namelist()) == ["asset.csv", "asset.lines.csv"]
    main = list(csv.DictReader(io.StringIO(archive.read("asset.csv").decode("utf-8-sig"))))
    first = main[0]
    assert first["编号"] == "A-00001"
    assert re.fullmatch(r"AS-\d{4}-0001", first["代码"])  # the auto number, its own pattern
    assert first["标题"] == "'=1+1 公式不会执行"  # shown as text by spreadsheet programs
    assert first["价格"] == "1234567.80"
    assert first["检查时间"] == "2026-03-01 08:30:15"  # Shanghai time
    assert first["状态"] == "已使用"
    assert first["标签"] == "红;绿"
    assert first["负责人"] == "owner1"
    assert first["站点"] == "S-002"
    assert first["位置"] == "31.2304,121.4737,上海市黄浦区"
    assert first["附件"] == "发票.pdf"
    assert first["合计"] == "51851847.60"
    lines = list(csv.DictReader(io.StringIO(archive.read("asset.lines.csv").decode("utf-8-sig"))))
    assert [(row["编号"], row["品名"], row["金额"]) for row in lines] == [
        ("A-00001", "螺丝", "0.10"),
        ("A-00001", "'-负号开头", "99999.99"),
    ]


def test_xlsx_export_keeps_decimals_as_text_and_formulas_inert(
    demo, client, auth, originals
) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    book = load_workbook(io.BytesIO(_export(client, "xlsx")))
    assert book.sheetnames == ["资产", "明细"]
    sheet = book["资产"]
    headers = [cell.value for cell in sheet[1]]
    row = {h: cell for h, cell in zip(headers, sheet[2], strict=True)}
    assert row["价格"].data_type == "s" and row["价格"].value == "1234567.80"
    assert row["标题"].data_type == "s" and row["标题"].value == "=1+1 公式不会执行"
    assert row["数量"].value == 42
    assert re.fullmatch(r"AS-\d{4}-0001", row["代码"].value)
    lines = book["明细"]
    assert [c.value for c in lines[2]][:4] == ["A-00001", "螺丝", 3, "0.10"]


def test_english_export_uses_english_labels(demo, client, auth, originals) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    with client.session_transaction() as session:
        session["locale"] = "en"
    data = client.get(f"/apps/{APP}/forms/asset/export.xlsx?sort=id&order=asc").data
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Number", "Title", "Notes"]
    assert sheet.cell(row=2, column=headers.index("State") + 1).value == "Used"
    assert count(demo, "asset") == 2
