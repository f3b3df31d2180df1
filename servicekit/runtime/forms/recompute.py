"""Recomputes stored formula values of existing records (after seeding or a formula change)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.platform.storage import RecordSource, codecs
from servicekit.runtime.forms.logic import Context, FormLogic
from servicekit.runtime.forms.records import RecordStore


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
        store = RecordStore(source, FormLogic.build(source.form, forms))
        formula_fields = [f for f in source.form.fields if f.type == "formula"]
        for record_id in session.scalars(select(source.table.c.id)).all():
            record = store.get(session, record_id, include_deleted=True)
            values = store.rule_values(session, record.values)
            computed = store.logic.compute(values, context)
            session.execute(
                update(source.table)
                .where(source.table.c.id == record_id)
                .values(**{f.key: codecs.to_column(f, computed.get(f.key)) for f in formula_fields})
            )
            changed += 1
    return changed
