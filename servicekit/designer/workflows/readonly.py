"""A session that cannot write, for the simulation: the database refuses, and so do we.

PostgreSQL runs the transaction ``READ ONLY``; on every database a statement hook refuses
anything but reads before it reaches the driver, and the transaction is rolled back at the
end whatever happened. A simulation bug therefore fails loudly instead of writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from servicekit.platform.db import Database

_READS = ("select", "with", "pragma", "show", "set transaction", "savepoint", "release")


class WriteRefused(RuntimeError):
    """Something tried to write inside a read-only simulation session."""


def _refuse_writes(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    head = statement.lstrip().lower()
    if not head.startswith(_READS):
        raise WriteRefused(f"The simulation may not write: {statement[:60]}")


@contextmanager
def read_only_session(database: Database) -> Iterator[Session]:
    """A session on one connection whose transaction only reads and is always rolled back."""
    connection = database.engine.connect()
    transaction = connection.begin()
    try:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
        event.listen(connection, "before_cursor_execute", _refuse_writes)
        session = Session(bind=connection, autoflush=False)
        try:
            yield session
        finally:
            session.close()
            event.remove(connection, "before_cursor_execute", _refuse_writes)
    finally:
        if transaction.is_active:  # a failed flush has already rolled it back
            transaction.rollback()
        connection.close()
