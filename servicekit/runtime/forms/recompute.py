"""Recomputes stored formula values of existing records (after seeding or a formula change)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from servicekit.platform.storage import RecordSource, codecs
from servicekit.runtime.forms.logic import Context, FormLogic

# Records read, computed and written per round: a few statements per batch instead of
# several per record, with memory bounded however many records a form has.
BATCH = 500


def recompute_formulas(
    session: Session, sources: dict[str, RecordSource], *, now: datetime, tz: ZoneInfo
) -> int:
    """Store fresh formula values for every record of forms that have formulas; returns count."""
    forms = {key: [f.raw for f in source.fields] for key, source in sources.items()}
    context = Context(now=now, tz=tz)
    changed = 0
    for source in sources.values():
        if source.form is None or not any(f.type == "formula" for f in source.form.fields):
            continue
        logic = FormLogic.build(source.form, forms)
        table = source.table
        formulas = [f for f in source.form.fields if f.type == "formula"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("record_id"))
            .values({f.key: bindparam(f"new_{f.key}") for f in formulas})
        )
        last = 0
        while True:
            rows = (
                session.execute(
                    select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            last = rows[-1]["id"]
            writes = []
            for record_id, values in _rule_values(session, source, rows):
                computed = logic.compute(values, context)
                writes.append(
                    {
                        "record_id": record_id,
                        **{
                            f"new_{f.key}": codecs.to_column(f, computed.get(f.key))
                            for f in formulas
                        },
                    }
                )
            session.connection().execute(statement, writes)
            changed += len(writes)
    return changed


def _rule_values(
    session: Session, source: RecordSource, rows: list[Any]
) -> list[tuple[int, dict[str, Any]]]:
    """Each record's id and values as rules read them: subform rows in order, lookups expanded
    to the target record's values (as ``RecordStore.get`` and ``rule_values`` give them)."""
    form = source.form
    assert form is not None
    ids = [row["id"] for row in rows]
    children: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for sub in form.subforms:
        child = source.child(sub.key).table
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in session.execute(
            select(child)
            .where(child.c.parent_id.in_(ids))
            .order_by(child.c.parent_id, child.c.position)
        ).mappings():
            found[row["parent_id"]].append(
                {
                    "id": row["id"],
                    **{c.key: codecs.from_column(c, row[c.key]) for c in sub.children},
                }
            )
        children[sub.key] = found
    targets: dict[str, dict[int, dict[str, Any]]] = {}
    for item in form.lookups:
        target = source.lookup(item.key)
        wanted = {row[item.key] for row in rows if row[item.key] is not None}
        targets[item.key] = (
            {
                row["id"]: {
                    "id": row["id"],
                    "number": row["number"],
                    **{f.key: codecs.from_column(f, row[f.key]) for f in target.fields if f.stored},
                }
                for row in session.execute(
                    select(target.table).where(target.table.c.id.in_(wanted))
                ).mappings()
            }
            if wanted
            else {}
        )
    out = []
    for row in rows:
        values: dict[str, Any] = {
            f.key: codecs.from_column(f, row[f.key]) for f in form.stored_fields
        }
        for sub in form.subforms:
            values[sub.key] = children[sub.key].get(row["id"], [])
        for item in form.lookups:
            if values.get(item.key) is not None and values[item.key] in targets[item.key]:
                values[item.key] = targets[item.key][values[item.key]]
        out.append((row["id"], values))
    return out
