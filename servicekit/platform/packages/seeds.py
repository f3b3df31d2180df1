"""Seed records from a package's ``data/<form>.csv``: parsed, checked, then inserted.

Rows are checked completely before anything is written; every bad cell is reported with
its file, row and column. Lookup cells hold the business number of the target record.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.storage import RecordSource, next_number, observe_number

MAX_SEED_ROWS = 50_000
_TRUE = {"true", "1", "yes", "y", "是", "对"}
_FALSE = {"false", "0", "no", "n", "否", "错"}
_SCALAR_TEXT = ("text", "long_text", "rich_text", "select", "auto_number")


@dataclass
class SeedRow:
    """One parsed CSV row: its line number and column values (lookups still as numbers)."""

    line: int
    values: dict[str, Any]


def _convert(item: FieldDef, raw: str, tz: ZoneInfo) -> Any:
    """A cell's value for ``item``'s column; raises ValueError with a reason."""
    kind = item.value_type
    if raw == "":
        return None
    if kind in _SCALAR_TEXT:
        if kind == "select":
            allowed = {str(o.get("value")) for o in item.get("options", [])}
            if raw not in allowed:
                raise ValueError(
                    f"'{raw}' is not an option of {item.key} ({', '.join(sorted(allowed))})"
                )
        limit = item.get("max_length")
        if limit and len(raw) > int(limit):
            raise ValueError(f"longer than {limit} characters")
        return raw
    if kind in ("integer", "duration"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a whole number") from None
    if kind in ("decimal", "number"):
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"'{raw}' is not a decimal number") from None
    if kind == "boolean":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ValueError(f"'{raw}' is not true or false")
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a date like 2026-01-31") from None
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"'{raw}' is not a date and time like 2026-01-31 08:30") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    if kind == "multi_select":
        return [part.strip() for part in raw.split(";") if part.strip()]
    if kind == "lookup":
        return raw  # resolved to an id at insert time, by business number
    raise ValueError(f"fields of type {item.type} cannot be seeded from CSV")


def parse_seed(
    file: str, text: str, source: RecordSource, tz: ZoneInfo
) -> tuple[list[SeedRow], list[Problem]]:
    """Parse one seed CSV against its form; returns rows and every problem found."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], [
            Problem("The seed file is empty; it needs a header row of field keys.", file=file)
        ]
    fields = {f.key: f for f in source.fields if f.stored}
    for index, name in enumerate(header, start=1):
        if name != "number" and name not in fields:
            problems.append(
                Problem(
                    f"Column {index} '{name}' is not a field of form {source.form.key if source.form else ''}.",
                    path=f"line 1, column {index}",
                    file=file,
                )
            )
    if problems:
        return [], problems
    rows: list[SeedRow] = []
    for line, cells in enumerate(reader, start=2):
        if len(rows) >= MAX_SEED_ROWS:
            problems.append(
                Problem(f"More than {MAX_SEED_ROWS} rows.", path=f"line {line}", file=file)
            )
            break
        if not any(cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(
                    f"Expected {len(header)} cells, found {len(cells)}.",
                    path=f"line {line}",
                    file=file,
                )
            )
            continue
        values: dict[str, Any] = {}
        for index, (name, raw) in enumerate(zip(header, cells, strict=True), start=1):
            if name == "number":
                values["number"] = raw or None
                continue
            try:
                values[name] = _convert(fields[name], raw.strip(), tz)
            except ValueError as exc:
                problems.append(
                    Problem(f"{name}: {exc}.", path=f"line {line}, column {index}", file=file)
                )
        rows.append(SeedRow(line=line, values=values))
    return rows, problems


def insert_seed(
    session: Session,
    file: str,
    rows: list[SeedRow],
    source: RecordSource,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[Problem]:
    """Insert parsed rows into the form's table; lookups are matched by business number."""
    problems: list[Problem] = []
    numbering = source.form.numbering if source.form else None
    sequence = f"{source.app_key}.{source.form.key}" if source.form else ""
    for row in rows:
        values = dict(row.values)
        for key, target in source.lookup_targets.items():
            if values.get(key) is None:
                continue
            table = source.catalog[target].table
            found = session.execute(
                select(table.c.id).where(table.c.number == values[key])
            ).scalar()
            if found is None:
                problems.append(
                    Problem(
                        f"{key}: no {target} record numbered '{values[key]}'.",
                        path=f"line {row.line}",
                        file=file,
                    )
                )
            values[key] = found
        if numbering and values.get("number"):
            observe_number(session, sequence, numbering, values["number"])
        elif numbering:
            values["number"] = next_number(session, sequence, numbering, now.astimezone(tz))
        values.update(created_at=now, updated_at=now, version=1, deleted=False)
        session.execute(source.table.insert().values(**values))
    return problems
