"""Exports: the rows of a list view written as CSV, a zip of CSVs, or an XLSX workbook.

Rows come from :func:`list_records` page by page, so exports see exactly the records and
fields the person's list shows them (read scope applied, hidden fields left out) and never
hold the whole table in memory at once. Subform rows go to a second sheet (XLSX) or a
second file (CSV), keyed by the parent's business number.
"""

from __future__ import annotations

import codecs as text_codecs
import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.storage import RecordSource, codecs
from servicekit.runtime.forms import FormAccess, FormRuntime
from servicekit.runtime.forms.query import MAX_LIMIT, ListRequest, list_records
from servicekit.workspace.transfer.cells import CellFormat, guard_formula

_SHEET_TITLE_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class ExportPlan:
    """What to export: the list request, the chosen columns and the headings' language."""

    runtime: FormRuntime
    access: FormAccess
    request: ListRequest
    fields: list[FieldDef]
    subforms: list[FieldDef]
    number_header: str
    locale: str
    tz: ZoneInfo
    now: datetime

    @property
    def file_stem(self) -> str:
        return self.runtime.form.key


def plan_export(
    runtime: FormRuntime,
    access: FormAccess,
    request: ListRequest,
    *,
    columns: list[str] | None,
    number_header: str,
    locale: str,
    tz: ZoneInfo,
    now: datetime,
) -> ExportPlan:
    """The export of one list view; ``columns`` (field keys) defaults to every visible field."""
    visible = [f for f in runtime.form.fields if access.field_right(f.key) != "hidden"]
    if columns:
        by_key = {f.key: f for f in visible}
        chosen = [by_key[key] for key in dict.fromkeys(columns) if key in by_key]
    else:
        chosen = visible
    return ExportPlan(
        runtime=runtime,
        access=access,
        request=request,
        fields=[f for f in chosen if f.stored],
        subforms=[f for f in chosen if f.type == "subform"],
        number_header=number_header,
        locale=locale,
        tz=tz,
        now=now,
    )


def record_key(row: dict[str, Any]) -> str:
    """The business number that ties subform rows to their record (``#id`` without numbering)."""
    return str(row["number"]) if row.get("number") else f"#{row['id']}"


def _pages(session: Session, plan: ExportPlan) -> Iterator[list[dict[str, Any]]]:
    request = ListRequest(
        filter=plan.request.filter,
        search=plan.request.search,
        sort=plan.request.sort,
        descending=plan.request.descending,
        limit=MAX_LIMIT,
    )
    while True:
        page = list_records(session, plan.runtime, plan.access, request, now=plan.now, tz=plan.tz)
        if page.rows:
            yield page.rows
        if not page.next_cursor:
            return
        request.cursor = page.next_cursor


def _headers(plan: ExportPlan) -> list[str]:
    return [plan.number_header] + [f.label_for(plan.locale) for f in plan.fields]


def _main_cells(plan: ExportPlan, cells: CellFormat, row: dict[str, Any]) -> list[Any]:
    source = plan.runtime.source
    return [record_key(row)] + [cells.to_cell(source, f, row.get(f.key)) for f in plan.fields]


def _child_rows(
    session: Session, plan: ExportPlan, sub: FieldDef, rows: list[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(parent row, child row) pairs for one page, in the parents' order."""
    table = plan.runtime.source.child(sub.key).table
    parents = {row["id"]: row for row in rows}
    children: dict[int, list[dict[str, Any]]] = {}
    result = session.execute(
        select(table)
        .where(table.c.parent_id.in_(list(parents)))
        .order_by(table.c.parent_id, table.c.position)
    ).mappings()
    for child in result:
        values = {c.key: codecs.from_column(c, child[c.key]) for c in sub.children}
        children.setdefault(child["parent_id"], []).append(values)
    for row in rows:
        for child_values in children.get(row["id"], []):
            yield row, child_values


def _child_headers(plan: ExportPlan, sub: FieldDef) -> list[str]:
    return [plan.number_header] + [c.label_for(plan.locale) for c in sub.children]


def _child_cells(
    plan: ExportPlan, cells: CellFormat, sub: FieldDef, parent: dict[str, Any], child: dict
) -> list[Any]:
    source = plan.runtime.source.child(sub.key)
    return [record_key(parent)] + [cells.to_cell(source, c, child.get(c.key)) for c in sub.children]


def _prefetch(session: Session, plan: ExportPlan, cells: CellFormat, rows: list[dict]) -> None:
    cells.prefetch(plan.runtime.source, plan.fields, rows)
    for sub in plan.subforms:
        source: RecordSource = plan.runtime.source.child(sub.key)
        children = [child for _parent, child in _child_rows(session, plan, sub, rows)]
        cells.prefetch(source, sub.children, children)


# CSV ------------------------------------------------------------------------------------
def _csv_line(values: list[Any], fields: list[FieldDef | None]) -> str:
    out = io.StringIO()
    text = [
        guard_formula(item, str(value)) if item is not None else str(value)
        for item, value in zip(fields, values, strict=True)
    ]
    csv.writer(out, lineterminator="\r\n").writerow(text)
    return out.getvalue()


def stream_csv(session: Session, plan: ExportPlan) -> Iterator[bytes]:
    """The main CSV, line by line (UTF-8 with a byte order mark so spreadsheet programs agree)."""
    cells = CellFormat(session, plan.tz, plan.locale)
    kinds: list[FieldDef | None] = [None, *plan.fields]
    yield text_codecs.BOM_UTF8 + _csv_line(_headers(plan), [None] * len(kinds)).encode()
    for rows in _pages(session, plan):
        cells.prefetch(plan.runtime.source, plan.fields, rows)
        chunk = "".join(_csv_line(_main_cells(plan, cells, row), kinds) for row in rows)
        yield chunk.encode()


def write_csv_zip(session: Session, plan: ExportPlan, out: IO[bytes]) -> None:
    """A zip holding ``<form>.csv`` and one ``<form>.<subform>.csv`` per subform."""
    cells = CellFormat(session, plan.tz, plan.locale)
    with tempfile.TemporaryDirectory() as scratch:
        main_path = f"{scratch}/main.csv"
        sub_paths = {sub.key: f"{scratch}/{sub.key}.csv" for sub in plan.subforms}
        files = {key: open(path, "wb") for key, path in sub_paths.items()}  # noqa: SIM115
        try:
            with open(main_path, "wb") as main:
                for chunk in stream_csv(session, plan):
                    main.write(chunk)
            for sub in plan.subforms:
                kinds: list[FieldDef | None] = [None, *sub.children]
                files[sub.key].write(
                    text_codecs.BOM_UTF8 + _csv_line(_child_headers(plan, sub), kinds).encode()
                )
            for rows in _pages(session, plan):
                _prefetch(session, plan, cells, rows)
                for sub in plan.subforms:
                    kinds = [None, *sub.children]
                    for parent, child in _child_rows(session, plan, sub, rows):
                        line = _csv_line(_child_cells(plan, cells, sub, parent, child), kinds)
                        files[sub.key].write(line.encode())
        finally:
            for handle in files.values():
                handle.close()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(main_path, f"{plan.file_stem}.csv")
            for sub in plan.subforms:
                archive.write(sub_paths[sub.key], f"{plan.file_stem}.{sub.key}.csv")


# XLSX -----------------------------------------------------------------------------------
def _sheet_title(text: str, taken: set[str]) -> str:
    title = (text.translate(_SHEET_TITLE_BAD).strip("'") or "Sheet")[:31]
    base, number = title, 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def _xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    row = []
    for value in values:
        if isinstance(value, int) and abs(value) < 2**53:
            row.append(value)
            continue
        # Everything else is text, set as a string so '=...' never becomes a formula and
        # decimals never pass through a float.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"
        row.append(cell)
    return row


def write_xlsx(session: Session, plan: ExportPlan, out: IO[bytes]) -> None:
    """A workbook: the records on the first sheet, each subform's rows on a sheet of its own."""
    from openpyxl import Workbook

    cells = CellFormat(session, plan.tz, plan.locale)
    book = Workbook(write_only=True)
    taken: set[str] = set()
    main = book.create_sheet(_sheet_title(plan.runtime.form.label_for(plan.locale), taken))
    main.append(_xlsx_row(main, _headers(plan)))
    subs = {}
    for sub in plan.subforms:
        subs[sub.key] = book.create_sheet(_sheet_title(sub.label_for(plan.locale), taken))
        subs[sub.key].append(_xlsx_row(subs[sub.key], _child_headers(plan, sub)))
    for rows in _pages(session, plan):
        _prefetch(session, plan, cells, rows)
        for row in rows:
            main.append(_xlsx_row(main, _main_cells(plan, cells, row)))
        for sub in plan.subforms:
            for parent, child in _child_rows(session, plan, sub, rows):
                subs[sub.key].append(
                    _xlsx_row(subs[sub.key], _child_cells(plan, cells, sub, parent, child))
                )
    book.save(out)
