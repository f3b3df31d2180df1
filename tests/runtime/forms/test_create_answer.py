"""What creating a record answers: the record as stored, built from what was written rather
than read back, unless a created hook (such as a workflow filling a field) changed it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from servicekit.platform.db import get_db
from servicekit.runtime.forms import load_form_runtime
from servicekit.runtime.forms import records as records_module
from tests.workspace.transfer.conftest import APP, context, demo, full_values  # noqa: F401


def _create(app, values: dict[str, Any], statements: list[str]):  # type: ignore[no-untyped-def]
    engine = get_db(app).engine

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with get_db(app).transaction() as session:
            store = load_form_runtime(session, APP, "asset").store
            return store.create(session, values, context(app), actor_id=None)
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _fresh(app, record_id: int):  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return load_form_runtime(session, APP, "asset").store.get(session, record_id)


def _plain(record) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The record as a dict, system times made aware (SQLite reads them back naive)."""
    plain = asdict(record)
    for key in ("created_at", "updated_at"):
        moment: datetime = plain[key]
        plain[key] = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return plain


def test_create_answers_the_stored_record_without_reading_its_row_back(demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    statements: list[str] = []
    created = _create(demo, full_values(demo), statements)
    fresh = _fresh(demo, created.id)
    assert _plain(created) == _plain(
        fresh
    )  # values, subform rows with their ids, number, version, times
    assert all(isinstance(row["id"], int) for row in created.values["lines"])
    reads = [
        s for s in statements if s.startswith("SELECT") and "rec_transfer_demo_asset.id =" in s
    ]
    assert [s for s in reads if "FROM rec_transfer_demo_asset WHERE" in s] == []


def test_a_created_hook_that_changes_the_record_has_its_change_answered(demo, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    def rename(session, store, record, actor_id, ctx) -> None:  # type: ignore[no-untyped-def]
        store.update(
            session,
            record.id,
            {"title": record.values["title"] + "（已受理）"},
            ctx,
            expected_version=record.version,
            actor_id=actor_id,
        )

    hooks = [*records_module._created_hooks, rename]
    monkeypatch.setattr(records_module, "_created_hooks", hooks)
    created = _create(demo, {"title": "报修"}, [])
    assert (created.values["title"], created.version) == ("报修（已受理）", 2)
    assert _plain(created) == _plain(_fresh(demo, created.id))
