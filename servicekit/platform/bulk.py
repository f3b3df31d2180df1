"""Inserting many rows of one table in one statement, for batch writers (the SLA sweep,
notifications it sends).

On PostgreSQL the rows travel as one array per column and are inserted with ``INSERT ...
SELECT FROM unnest(...)``: one short statement whatever the row count, so the driver and
the server parse it once instead of a statement with a placeholder per value. SQLite gets
a plain executemany. Either way a unique conflict can be skipped, and the inserted rows'
columns returned.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, Text, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] | None = None,
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """Insert ``rows`` (dicts with the same keys) into ``table``.

    ``skip_conflicts_on`` names the columns of a unique constraint: rows that would break it
    are left out (``ON CONFLICT DO NOTHING``). Returns the ``returning`` columns of the rows
    inserted (empty when none were asked for).
    """
    if not rows:
        return []
    keys = list(rows[0])
    postgres = session.get_bind().dialect.name == "postgresql"
    dialect = postgresql if postgres else sqlite
    statement: Any = dialect.insert(table)
    if postgres:
        statement = statement.from_select(keys, _unnest(table, keys, rows))
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    result = session.execute(statement) if postgres else session.execute(statement, rows)
    return list(result) if returning else []


def _unnest(table: Table, keys: list[str], rows: Sequence[Mapping[str, Any]]) -> Any:
    """``SELECT`` of the rows from one array parameter per column."""
    arrays, columns = [], []
    for index, key in enumerate(keys):
        column = table.c[key]
        values = [row[key] for row in rows]
        if isinstance(column.type, JSON):
            # A JSON array parameter is awkward to bind: send text, cast back per row.
            values = [None if v is None else json.dumps(v) for v in values]
            item: Any = Text()
        else:
            item = column.type
        # The driver binds each array with its type, so one of only NULLs still has it.
        arrays.append(bindparam(f"bulk_{index}", values, type_=postgresql.ARRAY(item)))
        columns.append(key)
    source = func.unnest(*arrays).table_valued(*columns).render_derived(name="bulk")
    return select(
        *(
            cast(source.c[key], table.c[key].type)
            if isinstance(table.c[key].type, JSON)
            else source.c[key]
            for key in keys
        )
    )
