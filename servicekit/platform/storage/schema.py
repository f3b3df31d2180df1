"""Creating and dropping an app's record tables on a live connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect

from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.storage.tables import RecordSource, app_tables, build_app_tables


def sources_for_app(app_key: str, form_bodies: dict[str, Any]) -> dict[str, RecordSource]:
    """Record sources of an app from its published form bodies (key -> body)."""
    forms = [FormDef.from_dict(app_key, body) for _, body in sorted(form_bodies.items())]
    return build_app_tables(app_key, forms)


def create_app_tables(connection: Connection, sources: dict[str, RecordSource]) -> list[str]:
    """Create every table of an app that does not exist yet; returns the names created."""
    existing = set(inspect(connection).get_table_names())
    created = []
    for table in app_tables(sources):
        if table.name not in existing:
            table.create(connection)
            created.append(table.name)
    return created


def drop_app_tables(connection: Connection, sources: dict[str, RecordSource]) -> list[str]:
    """Drop an app's tables, children and lookup holders first; returns the names dropped."""
    existing = set(inspect(connection).get_table_names())
    dropped = []
    for table in reversed(app_tables(sources)):
        if table.name in existing:
            table.drop(connection)
            dropped.append(table.name)
    return dropped
