"""Helpers for the rule-language tests: the golden form, its cases, and records in SQL tables."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import settings
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.storage.tables import app_tables, build_app_tables
from servicekit.runtime.rules import values as v
from servicekit.runtime.rules.rule import Rule

GOLDEN = Path(__file__).parent / "golden"

settings.register_profile("ci", derandomize=True, max_examples=2000, deadline=None, print_blob=True)
settings.register_profile("rules-local", max_examples=200, deadline=None)
# Applied per test (as a parent) rather than loaded globally, so that other packages'
# hypothesis tests keep their own settings when the whole suite runs.
RULES_PROFILE = settings.get_profile("ci" if os.environ.get("CI") else "rules-local")


def golden_form() -> dict[str, Any]:
    """The shared work-order form, its lookup target, default values, clock and user."""
    return json.loads((GOLDEN / "_form.json").read_text(encoding="utf-8"))


def golden_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    """``(id, case)`` for every case of every golden file."""
    for path in sorted(GOLDEN.glob("[a-z]*.json")):
        cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
        for index, case in enumerate(cases):
            yield f"{path.stem}-{index}", case


def case_values(form: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    values = dict(form["values"])
    values.update(case.get("values", {}))
    return values


def evaluate(
    rule: Rule,
    form: dict[str, Any],
    values: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
) -> Any:
    return rule.evaluate(
        values,
        now=datetime.fromisoformat(form["now"]),
        user=form["user"],
        tz=form["tz"],
        previous=previous,
    )


def as_json(value: Any, form: dict[str, Any]) -> Any:
    return v.to_json(value, v.zone(form["tz"]))


@dataclass
class RecordStore:
    """Record tables of the golden form on one database, filled one record at a time."""

    engine: Engine
    sources: dict[str, Any]
    fields: list[dict[str, Any]]
    forms: dict[str, list[dict[str, Any]]]

    @property
    def source(self) -> Any:
        return self.sources["work_order"]

    def matches(
        self,
        rule: Rule,
        values: Mapping[str, Any],
        *,
        now: datetime,
        user: Mapping[str, Any],
        tz: str,
    ) -> bool:
        """Whether the SQL filter of ``rule`` selects a record holding ``values``."""
        condition = rule.to_sql(self.source, now=now, user=user, tz=tz)
        with self.engine.connect() as conn:
            trans = conn.begin()
            try:
                record_id = self._insert(conn, values)
                table = self.source.table
                found = conn.execute(select(table.c.id).where(condition)).scalars().all()
            finally:
                trans.rollback()
        assert found in ([], [record_id]), found
        return found == [record_id]

    def _insert(self, conn: Any, values: Mapping[str, Any]) -> int:
        customer = values.get("customer")
        customer_id = None
        if isinstance(customer, Mapping):
            row = self._row(self.forms["customer"], customer)
            row.update(_system(values))
            customer_id = conn.execute(
                insert(self.sources["customer"].table).values(**row)
            ).inserted_primary_key[0]
        stored = [f for f in self.fields if f["type"] != "subform"]
        row = self._row(stored, values)
        row["customer"] = customer_id
        row.update(_system(values))
        row["number"] = values.get("number") or None
        record_id = conn.execute(insert(self.source.table).values(**row)).inserted_primary_key[0]
        parts = values.get("parts") or []
        child = self.source.child("parts")
        sub_fields = next(f for f in self.fields if f["key"] == "parts")["fields"]
        for position, part in enumerate(parts):
            row = self._row(sub_fields, part)
            conn.execute(insert(child.table).values(parent_id=record_id, position=position, **row))
        return int(record_id)

    def _row(self, fields: list[dict[str, Any]], values: Mapping[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for item in fields:
            row[item["key"]] = _stored(item, values.get(item["key"]))
        return row


def _system(values: Mapping[str, Any]) -> dict[str, Any]:
    created = v.to_datetime(values.get("created_at")) or datetime.fromisoformat(
        "2024-03-01T02:00:00+00:00"
    )
    updated = v.to_datetime(values.get("updated_at")) or created
    created_by = values.get("created_by")
    return {
        "created_at": created,
        "updated_at": updated,
        "version": 1,
        "deleted": False,
        "created_by": created_by,
    }


def _stored(item: Mapping[str, Any], raw: Any) -> Any:
    kind = item["type"]
    if kind == "formula":
        kind = (
            "decimal"
            if item.get("result_type") in ("decimal", "number")
            else item.get("result_type")
        )
    if raw is None or raw == "" or raw == []:
        return None
    if kind in ("integer",):
        return int(Decimal(str(raw)))
    if kind in ("decimal",):
        return Decimal(str(raw))
    if kind == "boolean":
        return bool(raw)
    if kind == "date":
        return v.to_date(raw)
    if kind == "datetime":
        return v.to_datetime(raw)
    if kind == "duration":
        duration = v.to_duration(raw)
        return None if duration is None else int(duration.total_seconds())
    if kind == "user":
        return int(raw)
    if kind in ("multi_select", "image", "attachment"):
        return raw
    return str(raw)


def make_store(engine: Engine) -> RecordStore:
    """Create the golden form's tables on ``engine`` (with a minimal users table)."""
    form = golden_form()
    metadata = MetaData()
    Table("users", metadata, Column("id", Integer, primary_key=True))
    forms = [
        FormDef.from_dict("golden", {"key": "work_order", "fields": form["fields"]}),
        FormDef.from_dict("golden", {"key": "customer", "fields": form["forms"]["customer"]}),
    ]
    sources = build_app_tables("golden", forms, metadata)
    metadata.create_all(engine, tables=[metadata.tables["users"], *app_tables(sources)])
    with engine.begin() as conn:
        conn.execute(insert(metadata.tables["users"]), [{"id": i} for i in range(1, 11)])
    return RecordStore(engine, sources, form["fields"], form["forms"])
