"""Seed records from a package's ``data/<form>.csv``: parsed, checked, then inserted.

Rows are checked completely before anything is written; every bad cell is reported with
its file, row and column. Lookup cells hold the business number of the target record.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.storage import RecordSource, codecs, next_number, observe_number
from servicekit.platform.storage.messages import FieldValueError

MAX_SEED_ROWS = 50_000


@dataclass
class SeedRow:
    """One parsed CSV row: its line number and column values (lookups still as numbers)."""

    line: int
    values: dict[str, Any]


def _convert(item: FieldDef, raw: str, tz: ZoneInfo) -> Any:
    """A cell's value for ``item``'s column; lookups stay business numbers until insert."""
    if item.type == "lookup":
        return raw or None
    if item.type in codecs.NOT_IMPORTED:
        raise FieldValueError("fields of type %(type)s are not read from CSV", type=item.type)
    return codecs.to_column(item, codecs.from_text(item, raw, tz))


def _key_column(source: RecordSource) -> str:
    """The column naming the row itself (``number``) or, for subform rows, its parent."""
    return "number" if source.form is not None else "parent"


def parse_seed(
    file: str, text: str, source: RecordSource, tz: ZoneInfo
) -> tuple[list[SeedRow], list[Problem]]:
    """Parse one seed CSV against its form (or subform); returns rows and every problem.

    Form files may have a ``number`` column; subform files (``data/<form>.<subform>.csv``)
    must have a ``parent`` column holding the parent record's business number.
    """
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], [
            Problem("The seed file is empty; it needs a header row of field keys.", file=file)
        ]
    fields = {f.key: f for f in source.fields if f.stored}
    key_column = _key_column(source)
    for index, name in enumerate(header, start=1):
        if name != key_column and name not in fields:
            problems.append(
                Problem(
                    f"Column {index} '{name}' is not a field here; use field keys"
                    f" or '{key_column}'.",
                    path=f"line 1, column {index}",
                    file=file,
                )
            )
    if key_column == "parent" and "parent" not in header:
        problems.append(Problem("Subform seed files need a 'parent' column.", "line 1", file))
    if problems:
        return [], problems
    rows: list[SeedRow] = []
    for line, cells in enumerate(reader, start=2):
        if len(rows) >= MAX_SEED_ROWS:
            problems.append(Problem(f"More than {MAX_SEED_ROWS} rows.", f"line {line}", file))
            break
        if not any(cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(f"Expected {len(header)} cells, found {len(cells)}.", f"line {line}", file)
            )
            continue
        values: dict[str, Any] = {}
        for index, (name, raw) in enumerate(zip(header, cells, strict=True), start=1):
            if name == key_column:
                values[name] = raw.strip() or None
                continue
            try:
                values[name] = _convert(fields[name], raw.strip(), tz)
            except FieldValueError as exc:
                shown = raw.strip()[:40]
                problems.append(
                    Problem(f"{name}: '{shown}': {exc}", f"line {line}, column {index}", file)
                )
        rows.append(SeedRow(line=line, values=values))
    return rows, problems


def _id_by_number(session: Session, source: RecordSource, number: Any) -> int | None:
    return session.execute(
        select(source.table.c.id).where(source.table.c.number == number)
    ).scalar()


def insert_seed(
    session: Session,
    file: str,
    rows: list[SeedRow],
    source: RecordSource,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[Problem]:
    """Insert parsed rows; lookups and parents are matched by business number."""
    problems: list[Problem] = []
    form = source.form
    numbering = form.numbering if form else None
    sequence = f"{source.app_key}.{form.key}" if form else ""
    positions: dict[int, int] = {}
    for row in rows:
        values = dict(row.values)
        for key, target in source.lookup_targets.items():
            if values.get(key) is None:
                continue
            found = _id_by_number(session, source.catalog[target], values[key])
            if found is None:
                problems.append(
                    Problem(
                        f"{key}: no {target} record numbered '{values[key]}'.",
                        f"line {row.line}",
                        file,
                    )
                )
            values[key] = found
        if form is None:
            assert source.parent is not None
            parent_id = _id_by_number(session, source.parent, values.pop("parent"))
            if parent_id is None:
                problems.append(
                    Problem("parent: no record with this number.", f"line {row.line}", file)
                )
                continue
            values.update(parent_id=parent_id, position=positions.get(parent_id, 0))
            positions[parent_id] = values["position"] + 1
        else:
            if numbering and values.get("number"):
                observe_number(session, sequence, numbering, values["number"])
            elif numbering:
                values["number"] = next_number(session, sequence, numbering, now.astimezone(tz))
            values.update(created_at=now, updated_at=now, version=1, deleted=False)
        if not problems:
            session.execute(source.table.insert().values(**values))
    return problems
