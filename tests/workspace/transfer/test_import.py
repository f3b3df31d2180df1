"""Imports through the pages: encodings, mapping, dry run, all-or-nothing, skip bad rows, jobs."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.jobs import get_huey
from servicekit.platform.models import ImportJob
from tests.workspace.transfer.conftest import (
    APP,
    count,
    import_file,
    mapping_fields,
    records,
    run,
    upload,
)

CHINESE = "标题,数量,价格,状态,标签,站点,检查时间\r\n仓库叉车,2,1999.50,已使用,红;蓝,S-001,2026-05-01 09:00:00\r\n"


def _jobs(app) -> int:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return session.query(ImportJob).count()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_every_accepted_encoding(demo, client, auth, encoding) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    page = import_file(client, auth, "asset", "资产.csv", CHINESE.encode(encoding))
    assert "导入 1 行，共 1 行" in page.get_data(as_text=True)
    (record,) = records(demo, "asset")
    assert record.values["title"] == "仓库叉车"
    assert record.values["price"] == Decimal("1999.50")
    assert record.values["state"] == "used" and record.values["tags"] == ["red", "blue"]
    assert record.values["site"] == records(demo, "site")[0].id
    assert record.values["checked_at"].isoformat() == "2026-05-01T01:00:00+00:00"


def _refused(client, auth, demo, name: str, data: bytes, message: str, status: int = 400) -> None:  # type: ignore[no-untyped-def]
    response = upload(client, auth, "asset", name, data)
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in text, text
    assert count(demo, "asset") == 0 and _jobs(demo) == 0


def test_bytes_invalid_in_utf8_and_gb18030_are_located(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    data = "标题,数量\r\n好,1\r\n".encode() + b"\xff\xfe,2\r\n"
    offset = data.index(b"\xff")
    _refused(client, auth, demo, "bad.csv", data, f"偏移量 {offset} 处（第 3 行）")


def test_xlsx_that_is_not_a_zip(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    _refused(client, auth, demo, "资产.xlsx", b"title,count\n", "该文件不是 XLSX 工作簿")


def test_zip_that_is_not_an_xlsx(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _refused(client, auth, demo, "资产.xlsx", out.getvalue(), "既不是 XLSX 工作簿，也不含 CSV 文件")


def test_damaged_xlsx(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-really/>")
    _refused(client, auth, demo, "资产.xlsx", out.getvalue(), "XLSX 工作簿已损坏")


def test_empty_file(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    _refused(client, auth, demo, "empty.csv", b"", "文件是空的")
    _refused(client, auth, demo, "bom.csv", b"\xef\xbb\xbf\r\n", "文件是空的")


def test_file_over_the_upload_limit(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    demo.config["SERVICEKIT_MAX_UPLOAD_MB"] = 1
    demo.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    boundary = "servicekit-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{auth.csrf_token()}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + CHINESE.encode()
        + b"x" * (1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    # Sent as bytes: the test client would spool a multipart body this big to a file it
    # never closes. The request is refused before any view reads it (the shell's 413 page).
    response = client.post(
        f"/apps/{APP}/forms/asset/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "上传的文件过大" in response.get_data(as_text=True)
    assert count(demo, "asset") == 0 and _jobs(demo) == 0


def test_unknown_and_doubled_columns_stop_the_import(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    data = "标题,Title,颜色\r\n甲,乙,红\r\n".encode()
    page = import_file(client, auth, "asset", "cols.csv", data).get_data(as_text=True)
    assert "列 颜色 没有对应的字段" in page
    assert "列 标题 和 Title 对应到了同一个字段" in page
    assert count(demo, "asset") == 0


def test_the_person_can_change_the_mapping(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    response = upload(client, auth, "asset", "cols.csv", "名字,颜色\r\n甲,红\r\n".encode())
    job_url = response.headers["Location"]
    assert mapping_fields(client.get(job_url).get_data(as_text=True)) == {
        "map-0-0": "",
        "map-0-1": "",
    }
    page = run(client, auth, job_url, "import", **{"map-0-0": "title", "map-0-1": "-"})
    assert "导入 1 行，共 1 行" in page.get_data(as_text=True)
    assert [r.values["title"] for r in records(demo, "asset")] == ["甲"]


def _thousand_rows() -> tuple[bytes, list[int], list[int]]:
    """1,000 rows; five have a quantity that is not a number, five a title too long."""
    lines = ["标题,数量"]
    bad_quantity, bad_title = [], []
    for index in range(1000):
        line = index + 2
        if index % 200 == 7:
            lines.append(f"件{index},很多")
            bad_quantity.append(line)
        elif index % 200 == 99:
            lines.append("长" * 201 + ",1")
            bad_title.append(line)
        else:
            lines.append(f"件{index},{index}")
    return ("\r\n".join(lines) + "\r\n").encode(), bad_quantity, bad_title


def test_ten_bad_rows_among_a_thousand(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    data, bad_quantity, bad_title = _thousand_rows()
    response = upload(client, auth, "asset", "big.csv", data)
    job_url = response.headers["Location"]
    page = run(client, auth, job_url, "import").get_data(as_text=True)
    assert "未导入任何数据：发现 10 个问题" in page
    assert count(demo, "asset") == 0
    report = client.get(job_url + "/problems.csv")
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["工作表", "行", "列", "问题"]
    assert sorted((int(r[1]), r[2]) for r in rows[1:]) == sorted(
        [(line, "数量") for line in bad_quantity] + [(line, "标题") for line in bad_title]
    )
    # The same file, skipping bad rows this time: exactly the 990 good ones go in.
    page = run(client, auth, job_url, "import", skip=True).get_data(as_text=True)
    assert "导入 990 行，共 1000 行" in page
    assert count(demo, "asset") == 990
    numbers = sorted(r.number for r in records(demo, "asset"))
    assert len(set(numbers)) == 990 and numbers[0] == "A-00001"


def test_a_dry_run_lists_problems_and_stores_nothing(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    data = "标题,数量,站点\r\n好,1,S-001\r\n坏,一,S-999\r\n".encode()
    page = import_file(client, auth, "asset", "dry.csv", data, action="check")
    text = page.get_data(as_text=True)
    assert "试运行：2 行中有 1 行可以导入；发现 2 个问题。未保存任何数据。" in text
    assert "没有编号为 S-999 的站点记录" in text
    assert re.search(r"<td>dry</td><td>3</td><td>数量</td>", text)
    assert count(demo, "asset") == 0


def test_large_imports_run_in_the_job_worker_with_progress(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    demo.config["SERVICEKIT_IMPORT_BACKGROUND_ROWS"] = 1
    huey = get_huey(demo)
    huey.immediate = False
    try:
        response = upload(client, auth, "asset", "bg.csv", CHINESE.encode() + "二号,3\r\n".encode())
        job_url = response.headers["Location"]
        page = run(client, auth, job_url, "import")
        fragment = client.get(job_url, headers={"HX-Request": "true"}).get_data(as_text=True)
        assert 'hx-trigger="every 2s"' in fragment and 'role="progressbar"' in fragment
        assert "<html" not in fragment and "正在导入" in page.get_data(as_text=True)
        assert count(demo, "asset") == 0
        huey.execute(huey.dequeue())  # what the worker does
    finally:
        huey.immediate = True
    fragment = client.get(job_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "导入 2 行，共 2 行" in fragment and "hx-trigger" not in fragment
    assert count(demo, "asset") == 2


def test_progress_bar_shows_the_share_done(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login()
    response = upload(client, auth, "asset", "p.csv", CHINESE.encode())
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with get_db(demo).transaction() as session:
        job = session.get(ImportJob, job_id)
        job.state, job.done_rows, job.total_rows = "running", 250, 1000
    fragment = client.get(response.headers["Location"], headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert 'aria-valuenow="25"' in fragment and "已处理 250 / 1000 行" in fragment


def test_someone_elses_job_is_not_found(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("clerk")
    response = upload(client, auth, "asset", "p.csv", CHINESE.encode())
    job_url = response.headers["Location"]
    auth.logout()
    auth.login("clerk2", app_roles=[(APP, "clerk")])
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/problems.csv").status_code == 404


def test_typed_cells_of_a_hand_made_workbook(demo, client, auth) -> None:  # type: ignore[no-untyped-def]
    from datetime import date, datetime

    from openpyxl import Workbook

    auth.login()
    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Quantity", "Price", "Active", "Bought on", "Checked at", "State"])
    sheet.append(["手填", 7, 12.5, True, date(2026, 2, 3), datetime(2026, 2, 3, 14, 5), "New"])
    out = io.BytesIO()
    book.save(out)
    page = import_file(client, auth, "asset", "hand.xlsx", out.getvalue())
    assert "导入 1 行，共 1 行" in page.get_data(as_text=True)
    (record,) = records(demo, "asset")
    values = record.values
    assert (values["quantity"], values["price"], values["active"]) == (7, Decimal("12.50"), True)
    assert values["bought_on"] == date(2026, 2, 3) and values["state"] == "new"
    assert values["checked_at"].isoformat() == "2026-02-03T06:05:00+00:00"
