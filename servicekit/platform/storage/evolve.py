"""Evolving a form's tables when a changed form is published.

:func:`plan_evolution` compares the tables as they are with the tables the new form needs
and lists the steps (add a column, an index or a subform table; change a column's type).
:func:`check_evolution` converts every existing value of every changed column and reports
the rows that would not convert; :func:`apply_evolution` runs the steps on the caller's
connection, inside its transaction. Removed fields keep their columns: nothing is dropped.

Type changes work the same on both databases: a new column is added, filled with the
converted values, the old column dropped and the new one renamed. SQLite (3.35+) does all
of that in place, so no table copy is needed and foreign keys pointing at the table are
never disturbed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Connection, Index, MetaData, Table, inspect, select, text, update
from sqlalchemy.schema import CreateIndex, CreateTable

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.naming import short_name
from servicekit.platform.storage import codecs
from servicekit.platform.storage.messages import FieldValueError
from servicekit.platform.storage.tables import RecordSource, app_tables

MAX_REPORTED_ROWS = 20
# Changes no conversion can make sense of: ids of one thing are not ids of another.
_NEVER = frozenset({"lookup", "user", "subform", "attachment", "image", "signature"})


@dataclass
class Step:
    """One change to one table; ``new_field`` and ``old_field`` are set for column changes."""

    action: str  # "create_table", "add_column", "add_index", "change_type"
    table: str
    column: str | None = None
    old_type: str | None = None
    new_type: str | None = None
    new_field: FieldDef | None = dataclass_field(default=None, repr=False)
    old_field: FieldDef | None = dataclass_field(default=None, repr=False)

    def describe(self) -> str:
        """The step in words, for the publish preview."""
        if self.action == "create_table":
            return f"create table {self.table}"
        if self.action == "add_column":
            return f"add column {self.table}.{self.column} ({self.new_type})"
        if self.action == "add_index":
            return f"add index on {self.table}.{self.column}"
        return f"change {self.table}.{self.column} from {self.old_type} to {self.new_type}"


@dataclass
class Refusal:
    """Why a change cannot be applied, with the offending rows where there are some."""

    table: str
    column: str
    reason: str
    rows: list[dict[str, Any]] = dataclass_field(default_factory=list)
    total: int = 0

    def __str__(self) -> str:
        shown = ", ".join(
            f"{row.get('number') or '#' + str(row['id'])} ({row['value']!r}: {row['problem']})"
            for row in self.rows
        )
        more = f" and {self.total - len(self.rows)} more" if self.total > len(self.rows) else ""
        tail = f" Rows that would not convert: {shown}{more}." if self.rows else ""
        return f"{self.table}.{self.column}: {self.reason}.{tail}"


@dataclass
class EvolutionPlan:
    """The steps a publish implies, and the changes that cannot be made."""

    steps: list[Step] = dataclass_field(default_factory=list)
    refusals: list[Refusal] = dataclass_field(default_factory=list)
    kept_columns: list[str] = dataclass_field(
        default_factory=list
    )  # removed fields, hidden not dropped

    @property
    def empty(self) -> bool:
        return not self.steps


def _signature(item: FieldDef | None, column_type: Any) -> str:
    """A comparable description of how a field is stored."""
    if item is None:
        return str(column_type)
    kind = item.value_type
    if kind == "text":
        return f"text({int(item.get('max_length') or 255)})"
    if kind == "decimal":
        return f"decimal({int(item.get('scale', 2))})"
    if kind == "lookup":
        return f"lookup({item.get('form')})"
    return kind


def plan_evolution(
    connection: Connection,
    new_sources: dict[str, RecordSource],
    old_fields: dict[str, dict[str, FieldDef]],
) -> EvolutionPlan:
    """Compare live tables with what ``new_sources`` need.

    ``old_fields`` maps table name to the previously published fields of that table (by
    key); columns without an old field are compared by their live type only.
    """
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    plan = EvolutionPlan()
    for table in app_tables(new_sources):
        source = _source_of(new_sources, table.name)
        if table.name not in existing:
            plan.steps.append(Step("create_table", table.name))
            continue
        live_columns = {c["name"] for c in inspector.get_columns(table.name)}
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table.name)} | {
            tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)
        }
        before = old_fields.get(table.name, {})
        for item in source.fields:
            if not item.stored:
                continue
            column = table.c[item.key]
            signature = _signature(item, column.type)
            if item.key not in live_columns:
                plan.steps.append(Step("add_column", table.name, item.key, None, signature, item))
            else:
                old = before.get(item.key)
                old_signature = _signature(old, None) if old else signature
                if old is not None and old_signature != signature:
                    plan.steps.append(
                        Step(
                            "change_type", table.name, item.key, old_signature, signature, item, old
                        )
                    )
            if (column.index or column.unique) and (item.key,) not in indexed:
                plan.steps.append(Step("add_index", table.name, item.key, new_field=item))
        wanted = {f.key for f in source.fields if f.stored}
        plan.kept_columns += [
            f"{table.name}.{key}" for key in sorted(set(before) - wanted) if key in live_columns
        ]
    for step in plan.steps:
        if step.action == "change_type":
            kinds = {step.old_field.value_type, step.new_field.value_type}  # type: ignore[union-attr]
            if kinds & _NEVER:
                plan.refusals.append(
                    Refusal(
                        step.table,
                        step.column or "",
                        f"a {step.old_type} field cannot become "
                        f"a {step.new_type} field; add a new field instead",
                    )
                )
    return plan


def _source_of(sources: dict[str, RecordSource], table_name: str) -> RecordSource:
    for source in sources.values():
        if source.table.name == table_name:
            return source
        for child in source.children.values():
            if child.table.name == table_name:
                return child
    raise KeyError(table_name)


def _convert(step: Step, value: Any, tz: ZoneInfo) -> Any:
    """An old column value as the new field stores it; raises FieldValueError."""
    assert step.new_field is not None and step.old_field is not None
    old_value = codecs.from_column(step.old_field, value)
    as_text = codecs.to_text(step.old_field, old_value, tz)
    new_value = codecs.from_text(step.new_field, as_text, tz)
    if step.new_field.value_type == "text":
        limit = int(step.new_field.get("max_length") or 255)
        if new_value is not None and len(new_value) > limit:
            raise FieldValueError("longer than %(max)s characters", max=limit)
    if step.new_field.value_type == "decimal" and new_value is not None:
        if codecs.to_text(step.new_field, new_value, tz) != as_text and old_value != new_value:
            raise FieldValueError("would lose digits")
    return codecs.to_column(step.new_field, new_value)


def check_evolution(
    connection: Connection, plan: EvolutionPlan, tables: dict[str, Table], tz: ZoneInfo
) -> list[Refusal]:
    """Try every existing value of every changed column; the refusals, rows included."""
    refusals = list(plan.refusals)
    refused = {(r.table, r.column) for r in refusals}
    for step in plan.steps:
        if step.action != "change_type" or (step.table, step.column) in refused:
            continue
        table = tables[step.table]
        has_number = "number" in table.c
        names = ["id", step.column or ""] + (["number"] if has_number else [])
        preparer = connection.dialect.identifier_preparer
        raw = select(*[text(preparer.quote(n)) for n in names]).select_from(
            text(preparer.quote(step.table))
        )
        bad: list[dict[str, Any]] = []
        total = 0
        for row in connection.execute(raw):
            value = row[1]
            if value is None:
                continue
            try:
                _convert(step, _raw_to_python(step, value), tz)
            except (FieldValueError, ValueError, TypeError) as exc:
                total += 1
                if len(bad) < MAX_REPORTED_ROWS:
                    bad.append(
                        {
                            "id": row[0],
                            "number": row[2] if has_number else None,
                            "value": value,
                            "problem": str(exc),
                        }
                    )
        if total:
            refusals.append(
                Refusal(
                    step.table,
                    step.column or "",
                    f"{total} existing value(s) do not convert from "
                    f"{step.old_type} to {step.new_type}",
                    bad,
                    total,
                )
            )
    return refusals


def _raw_to_python(step: Step, value: Any) -> Any:
    """A value read without type processing, as the old column type would have returned it."""
    assert step.old_field is not None
    from servicekit.platform.storage.tables import column_type

    old_type = column_type(step.old_field)
    processor = getattr(old_type, "process_result_value", None)
    if processor is not None and not isinstance(value, (dict, list)):
        try:
            return processor(value, None)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - fall back to the raw value
            return value
    return value


def apply_evolution(
    connection: Connection, plan: EvolutionPlan, tables: dict[str, Table], tz: ZoneInfo
) -> list[str]:
    """Run the plan's steps (call :func:`check_evolution` first); returns what was done."""
    done: list[str] = []
    for step in plan.steps:
        table = tables[step.table]
        if step.action == "create_table":
            connection.execute(CreateTable(table))
            for index in table.indexes:
                connection.execute(CreateIndex(index))
        elif step.action == "add_column":
            _add_column(connection, table.c[step.column or ""], step.column or "")
        elif step.action == "add_index":
            column = table.c[step.column or ""]
            name = short_name("ix" if not column.unique else "uq", step.table, step.column or "")
            connection.execute(CreateIndex(Index(name, column, unique=bool(column.unique))))
        elif step.action == "change_type":
            _change_type(connection, step, table, tz)
        done.append(step.describe())
    return done


def _add_column(connection: Connection, column: Column, name: str) -> None:  # type: ignore[type-arg]
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    ddl = (
        f"ALTER TABLE {preparer.quote(column.table.name)} ADD COLUMN {preparer.quote(name)} "
        f"{column.type.compile(dialect=dialect)}"
    )
    for foreign in column.foreign_keys:
        target = foreign.column
        ddl += (
            f" REFERENCES {preparer.quote(target.table.name)} ({preparer.quote(target.name)})"
            f" ON DELETE {foreign.ondelete or 'NO ACTION'}"
        )
    connection.exec_driver_sql(ddl)


def _change_type(connection: Connection, step: Step, table: Table, tz: ZoneInfo) -> None:
    preparer = connection.dialect.identifier_preparer
    name, temporary = step.column or "", f"{step.column}__new"
    quoted_table = preparer.quote(step.table)
    # Indexes on the old column must go before it can be dropped (SQLite insists).
    for index in inspect(connection).get_indexes(step.table):
        if name in index["column_names"]:
            connection.exec_driver_sql(f"DROP INDEX {preparer.quote(index['name'])}")
    connection.exec_driver_sql(
        f"ALTER TABLE {quoted_table} ADD COLUMN {preparer.quote(temporary)} "
        f"{table.c[name].type.compile(dialect=connection.dialect)}"
    )
    raw = select(text("id"), text(preparer.quote(name))).select_from(text(quoted_table))
    # A stand-in table object so the new column's type processes the bound values.
    scratch = Table(step.table, MetaData(), Column("id"), Column(temporary, table.c[name].type))
    for record_id, value in connection.execute(raw).all():
        if value is None:
            continue
        converted = _convert(step, _raw_to_python(step, value), tz)
        connection.execute(
            update(scratch).where(scratch.c.id == record_id).values({temporary: converted})
        )
    connection.exec_driver_sql(f"ALTER TABLE {quoted_table} DROP COLUMN {preparer.quote(name)}")
    connection.exec_driver_sql(
        f"ALTER TABLE {quoted_table} RENAME COLUMN {preparer.quote(temporary)} TO {preparer.quote(name)}"
    )
    column = table.c[name]
    if column.index or column.unique:
        index_name = short_name("uq" if column.unique else "ix", step.table, name)
        connection.execute(CreateIndex(Index(index_name, column, unique=bool(column.unique))))
