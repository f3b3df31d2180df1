"""Reading an uploaded file into sheets of cells: CSV (UTF-8 or GB18030), XLSX, or a zip of CSVs.

Decoding happens here and nowhere else, so every import path agrees on which bytes are
acceptable and says exactly where a file stops being readable.
"""

from __future__ import annotations

import codecs as text_codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from servicekit.platform.storage.messages import N_
from servicekit.workspace.transfer.errors import TransferError

MAX_ROWS = 100_000
MAX_COLUMNS = 300
# A zip may claim any size; refuse archives that would unpack to more than this.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024

Cell = str | int | float | bool | date | datetime | time | timedelta | None


@dataclass
class Sheet:
    """One table of a file: a sheet of a workbook or one CSV file.

    ``rows[i]`` is the spreadsheet line ``i + 2`` (line 1 holds the headers).
    """

    name: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Workbook:
    """Every sheet of an uploaded file, the first being the form's own records."""

    format: str  # "csv", "xlsx" or "zip" (a zip of CSV files)
    sheets: list[Sheet]


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without a byte order mark), else GB18030 (GBK).

    Raises :class:`TransferError` naming the first unreadable byte when neither fits.
    """
    if data.startswith(text_codecs.BOM_UTF8):
        data = data[len(text_codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as gb_error:
            # Report where the likelier encoding (the one that read further) broke down.
            offset = max(utf8_error.start, gb_error.start)
            line = data[:offset].count(b"\n") + 1
            raise TransferError(
                N_(
                    "The file is neither UTF-8 nor GB18030 (GBK) text: the byte at offset"
                    " %(offset)s (line %(line)s) is invalid in both. Save it as CSV UTF-8"
                    " and upload it again."
                ),
                offset=offset,
                line=line,
            ) from None


def read_upload(data: bytes, name: str) -> Workbook:
    """The sheets of an uploaded file, recognised by its content (and its name for CSV)."""
    if not data or not data.strip(b" \t\r\n\x00" + text_codecs.BOM_UTF8):
        raise TransferError(N_("The file is empty."))
    lowered = name.lower()
    if zipfile.is_zipfile(io.BytesIO(data)):
        return _read_zip(data, name)
    if lowered.endswith((".xlsx", ".xlsm")):
        raise TransferError(
            N_(
                "The file is not an XLSX workbook: an XLSX file is a zip archive and this one is not."
            )
        )
    if lowered.endswith((".zip",)):
        raise TransferError(N_("The file is not a zip archive."))
    sheet = _read_csv(data, _stem(name))
    return Workbook("csv", [sheet])


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def _read_csv(data: bytes, name: str) -> Sheet:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        rows = list(_bounded(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise TransferError(
            N_("The CSV file cannot be read: %(reason)s."), reason=str(exc)
        ) from None
    return _sheet(name, rows)


def _bounded(rows: Any) -> Any:
    for index, row in enumerate(rows):
        if index > MAX_ROWS:
            raise TransferError(N_("A file may hold at most %(max)s rows."), max=MAX_ROWS)
        yield row


def _sheet(name: str, rows: list[list[Any]]) -> Sheet:
    # Spreadsheets often carry trailing blank lines and columns; they are not data.
    while rows and all(_blank(cell) for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise TransferError(N_("The sheet %(sheet)s is empty."), sheet=name)
    headers = ["" if cell is None else str(cell).strip() for cell in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise TransferError(N_("The first line of %(sheet)s holds no column headings."), sheet=name)
    if len(headers) > MAX_COLUMNS:
        raise TransferError(N_("A sheet may have at most %(max)s columns."), max=MAX_COLUMNS)
    width = len(headers)
    body = []
    for row in rows[1:]:
        cells = list(row[:width]) + [None] * (width - len(row))
        body.append([None if _blank(cell) else cell for cell in cells])
    return Sheet(name, headers, body)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and cell.strip() == "")


def _read_zip(data: bytes, name: str) -> Workbook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TransferError(N_("The zip archive is damaged.")) from None
    if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
        raise TransferError(N_("The archive unpacks to more than the allowed size."))
    names = {member.filename for member in members}
    if "xl/workbook.xml" in names:
        return Workbook("xlsx", _read_xlsx(data))
    csv_members = sorted(
        (m for m in members if m.filename.lower().endswith(".csv") and not m.is_dir()),
        key=lambda m: (m.filename.count("."), m.filename),
    )
    if not csv_members:
        raise TransferError(
            N_(
                "The zip archive is neither an XLSX workbook nor a set of CSV files;"
                " upload an .xlsx, a .csv, or a zip of CSV files as exported."
            )
        )
    sheets = [_read_csv(archive.read(member), _stem(member.filename)) for member in csv_members]
    return Workbook("zip", sheets)


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken workbooks
        raise TransferError(N_("The XLSX workbook is damaged and cannot be read.")) from None
    try:
        sheets: list[Sheet] = []
        for worksheet in book.worksheets:
            rows = [list(row) for row in _bounded(worksheet.iter_rows(values_only=True))]
            if not rows and sheets:
                continue
            sheets.append(_sheet(worksheet.title, rows))
        return sheets
    finally:
        book.close()
