"""Record storage: tables generated from forms, exact column types, business numbers."""

from __future__ import annotations

from servicekit.platform.storage.numbering import (
    next_number,
    observe_number,
    peek_number,
    render_number,
)
from servicekit.platform.storage.schema import create_app_tables, drop_app_tables, sources_for_app
from servicekit.platform.storage.tables import (
    RecordSource,
    app_tables,
    build_app_tables,
    child_table_name,
    table_name,
)
from servicekit.platform.storage.types import ExactDecimal

__all__ = [
    "ExactDecimal",
    "RecordSource",
    "app_tables",
    "build_app_tables",
    "child_table_name",
    "create_app_tables",
    "drop_app_tables",
    "next_number",
    "observe_number",
    "peek_number",
    "render_number",
    "sources_for_app",
    "table_name",
]
