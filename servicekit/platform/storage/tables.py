"""Record tables generated from form metadata with SQLAlchemy Core.

Each published form owns ``rec_<app>_<form>``; each subform a child table with a parent
reference and a row position; lookups are foreign keys. The :class:`RecordSource` of a
form bundles its table, child tables and lookup targets for the rule language's SQL back
end and for the engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.models._types import UTCDateTime
from servicekit.platform.naming import short_name
from servicekit.platform.storage.types import ExactDecimal

RecordId = BigInteger().with_variant(Integer(), "sqlite")
JSONValue = JSON().with_variant(JSONB(), "postgresql")


def table_name(app_key: str, form_key: str) -> str:
    """``rec_<app>_<form>``, shortened with a hash past PostgreSQL's 63-byte limit."""
    return short_name("rec", app_key, form_key)


def child_table_name(app_key: str, form_key: str, subform_key: str) -> str:
    """``rec_<app>_<form>__<subform>``, shortened the same way."""
    return short_name("rec", app_key, form_key, "", subform_key)


def column_type(item: FieldDef) -> TypeEngine:  # type: ignore[type-arg]
    """The column type that stores ``item``'s values exactly."""
    kind = item.value_type
    if kind in ("text", "select", "auto_number"):
        return String(int(item.get("max_length") or 255)) if kind == "text" else String(255)
    if kind in ("long_text", "rich_text"):
        return Text()
    if kind in ("integer", "duration"):
        return BigInteger()
    if kind in ("decimal", "number"):
        return ExactDecimal(int(item.get("scale", 2 if kind == "decimal" else 10)))
    if kind == "boolean":
        return Boolean()
    if kind == "date":
        return Date()
    if kind == "datetime":
        return UTCDateTime()
    if kind == "user":
        return Integer()
    if kind == "lookup":
        return RecordId
    # multi_select, attachment, image, signature, location: structured values
    return JSONValue


@dataclass
class RecordSource:
    """A form's table, its subform child tables and where its lookups point.

    ``catalog`` maps every form key of the app to its source, so dot access can follow
    lookups (``customer.level``) to the target form's table.
    """

    app_key: str
    form: FormDef | None
    table: Table
    fields: tuple[FieldDef, ...]
    children: dict[str, RecordSource] = field(default_factory=dict)
    lookup_targets: dict[str, str] = field(default_factory=dict)
    catalog: dict[str, RecordSource] = field(default_factory=dict, repr=False)
    parent: RecordSource | None = field(default=None, repr=False)

    def column(self, key: str) -> Column:  # type: ignore[type-arg]
        return self.table.c[key]

    def lookup(self, field_key: str) -> RecordSource:
        """The source of the form a lookup field points at."""
        return self.catalog[self.lookup_targets[field_key]]

    def child(self, subform_key: str) -> RecordSource:
        return self.children[subform_key]

    @property
    def parent_column(self) -> Column:  # type: ignore[type-arg]
        return self.table.c.parent_id


def _system_columns(for_child: bool) -> list[Column]:  # type: ignore[type-arg]
    columns: list[Column] = [Column("id", RecordId, primary_key=True, autoincrement=True)]  # type: ignore[type-arg]
    if for_child:
        return columns
    return columns + [
        Column("number", String(64), nullable=True, unique=True),
        Column("created_at", UTCDateTime(), nullable=False, index=True),
        Column("created_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("updated_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        Column("version", Integer(), nullable=False, default=1),
        Column("deleted", Boolean(), nullable=False, default=False, index=True),
        Column("deleted_at", UTCDateTime(), nullable=True),
    ]


def _field_columns(app_key: str, fields: Iterable[FieldDef]) -> list[Column]:  # type: ignore[type-arg]
    columns = []
    for item in fields:
        if not item.stored:
            continue
        args: list[object] = []
        if item.type == "lookup":
            target = table_name(app_key, item.get("form"))
            args.append(ForeignKey(f"{target}.id", ondelete="SET NULL"))
        elif item.type == "user":
            args.append(ForeignKey("users.id", ondelete="SET NULL"))
        columns.append(
            Column(
                item.key,
                column_type(item),
                *args,
                nullable=True,
                unique=bool(item.get("unique")),
                # Lookups are always indexed: reports and reverse lookups join on them.
                index=bool(item.get("indexed")) or item.type in ("lookup", "user"),
            )
        )
    return columns


def build_app_tables(
    app_key: str, forms: Iterable[FormDef], metadata: MetaData | None = None
) -> dict[str, RecordSource]:
    """Declare the tables of an app's forms on ``metadata`` and return their sources.

    ``metadata`` must also hold the ``users`` table (pass the platform ``Base.metadata``'s
    tables or a copy) so that user and audit columns get foreign keys.
    """
    metadata = metadata if metadata is not None else _metadata_with_users()
    forms = list(forms)
    catalog: dict[str, RecordSource] = {}
    for form in forms:
        name = table_name(app_key, form.key)
        table = Table(
            name,
            metadata,
            *_system_columns(for_child=False),
            *_field_columns(app_key, form.stored_fields),
        )
        source = RecordSource(
            app_key=app_key,
            form=form,
            table=table,
            fields=form.fields,
            lookup_targets={f.key: f.get("form") for f in form.lookups},
            catalog=catalog,
        )
        for sub in form.subforms:
            child = Table(
                child_table_name(app_key, form.key, sub.key),
                metadata,
                *_system_columns(for_child=True),
                Column("parent_id", ForeignKey(f"{name}.id", ondelete="CASCADE"), nullable=False),
                Column("position", Integer(), nullable=False),
                *_field_columns(app_key, sub.children),
                Index(
                    short_name("ix", child_table_name(app_key, form.key, sub.key), "parent"),
                    "parent_id",
                    "position",
                ),
            )
            source.children[sub.key] = RecordSource(
                app_key=app_key,
                form=None,
                table=child,
                fields=sub.children,
                lookup_targets={f.key: f.get("form") for f in sub.children if f.type == "lookup"},
                catalog=catalog,
                parent=source,
            )
        catalog[form.key] = source
    return catalog


def _metadata_with_users() -> MetaData:
    from servicekit.platform.db import Base

    metadata = MetaData()
    Base.metadata.tables["users"].to_metadata(metadata)
    return metadata


def app_tables(sources: dict[str, RecordSource]) -> list[Table]:
    """Every table of an app in dependency order (parents and lookup targets first)."""
    tables: list[Table] = []
    for source in sources.values():
        tables.append(source.table)
        tables.extend(child.table for child in source.children.values())
    metadata = tables[0].metadata if tables else MetaData()
    order = {t.name: i for i, t in enumerate(metadata.sorted_tables)}
    return sorted(tables, key=lambda t: order.get(t.name, 0))
