"""Seed records from a package's ``data/<form>.csv``: parsed, checked, then inserted.

Rows are checked completely before anything is written; every bad cell is reported with
its file, row and column. Lookup cells hold the business number of the target record; user
cells hold a login, since user ids differ between installations. A login that no account
has yet becomes an inactive account without a password (shown by its login), so the seed
keeps who did what and nobody can sign in as that person until an admin sets a password.
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

from servicekit.platform.accounts.users import LOGIN_PATTERN, get_user_by_login
from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.models import User
from servicekit.platform.storage import RecordSource, codecs, next_number
from servicekit.platform.storage.messages import FieldValueError
from servicekit.platform.storage.numbering import (
    field_numbering,
    field_sequence,
    observe_numbers,
)

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
    if item.type == "user":
        if raw and not LOGIN_PATTERN.fullmatch(raw):
            raise FieldValueError("enter a login name (2 to 64 letters, digits or _ . @ -)")
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


def _ids_by_number(session: Session, source: RecordSource, numbers: set[Any]) -> dict[Any, int]:
    """Record ids by business number for the given numbers (a query per 500 of them)."""
    found: dict[Any, int] = {}
    wanted = sorted(n for n in numbers if n is not None)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(source.table.c.number, source.table.c.id).where(
            source.table.c.number.in_(chunk)
        )
        found.update({number: record_id for number, record_id in session.execute(query)})
    return found


def _user_id(session: Session, login: str, now: datetime) -> int:
    """The id of the account with ``login``, made inactive and without a password if new."""
    user = get_user_by_login(session, login)
    if user is None:
        user = User(login=login, display_name=login, password_hash="", active=False, created_at=now)
        session.add(user)
        session.flush()
    return user.id


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
    users = [f.key for f in source.fields if f.stored and f.type == "user"]
    user_ids: dict[str, int] = {}
    # Every lookup and parent number is resolved up front, one query per target form.
    ids = {
        key: _ids_by_number(session, source.catalog[target], {r.values.get(key) for r in rows})
        for key, target in source.lookup_targets.items()
    }
    parents = (
        _ids_by_number(session, source.parent, {r.values.get("parent") for r in rows})
        if form is None and source.parent is not None
        else {}
    )
    if numbering:
        given = [r.values["number"] for r in rows if r.values.get("number")]
        observe_numbers(session, sequence, numbering, given)
    # Auto-number fields count like the business number, each in a sequence of its own.
    autos = [
        (f.key, field_sequence(source.app_key, form.key, f.key), field_numbering(f))
        for f in (form.auto_numbers if form else ())
    ]
    for key, name, pattern in autos:
        observe_numbers(session, name, pattern, [r.values[key] for r in rows if r.values.get(key)])
    inserts: list[dict[str, Any]] = []
    for row in rows:
        values = dict(row.values)
        for key in users:
            login = values.get(key)
            if login is not None:
                if login.lower() not in user_ids:
                    user_ids[login.lower()] = _user_id(session, login, now)
                values[key] = user_ids[login.lower()]
        for key, target in source.lookup_targets.items():
            if values.get(key) is None:
                continue
            found = ids[key].get(values[key])
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
            parent_id = parents.get(values.pop("parent"))
            if parent_id is None:
                problems.append(
                    Problem("parent: no record with this number.", f"line {row.line}", file)
                )
                continue
            values.update(parent_id=parent_id, position=positions.get(parent_id, 0))
            positions[parent_id] = values["position"] + 1
        else:
            if numbering and not values.get("number"):
                values["number"] = next_number(session, sequence, numbering, now.astimezone(tz))
            for key, name, pattern in autos:
                if not values.get(key):
                    values[key] = next_number(session, name, pattern, now.astimezone(tz))
            values.update(created_at=now, updated_at=now, version=1, deleted=False)
        inserts.append(values)
    if inserts and not problems:
        # One statement for all rows (executemany); rows share the file's columns.
        session.execute(source.table.insert(), inserts)
    return problems
