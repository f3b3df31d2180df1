"""Record tables generated from forms: names, columns, exact decimals, business numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select

from servicekit.platform.db import get_db
from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.storage import (
    build_app_tables,
    create_app_tables,
    next_number,
    render_number,
)

LONG_APP = "a" * 30
LONG_FORM = "f" * 30


def _forms(app_key: str, form_key: str) -> list[FormDef]:
    target = FormDef.from_dict(
        app_key, {"key": "target", "fields": [{"key": "name", "type": "text"}]}
    )
    form = FormDef.from_dict(
        app_key,
        {
            "key": form_key,
            "fields": [
                {"key": "amount", "type": "decimal", "scale": 2},
                {"key": "ref", "type": "lookup", "form": "target"},
                {"key": "done", "type": "boolean"},
                {"key": "tags", "type": "multi_select", "options": [{"value": "a", "label": "A"}]},
                {"key": "s" * 30, "type": "subform", "fields": [{"key": "qty", "type": "integer"}]},
            ],
        },
    )
    return [target, form]


def test_longest_keys_fit_postgresql_names_and_tables_are_created(app) -> None:
    sources = build_app_tables(LONG_APP, _forms(LONG_APP, LONG_FORM))
    names = [sources[LONG_FORM].table.name, sources[LONG_FORM].child("s" * 30).table.name]
    assert all(len(name.encode()) <= 63 for name in names)
    assert names[0] != names[1]
    engine = get_db(app).engine
    with engine.begin() as connection:
        created = create_app_tables(connection, sources)
    assert set(names) <= set(created)
    columns = {c["name"] for c in inspect(engine).get_columns(names[0])}
    assert {
        "id",
        "number",
        "created_at",
        "created_by",
        "updated_at",
        "version",
        "deleted",
        "amount",
        "ref",
        "done",
        "tags",
    } <= columns
    child_columns = {c["name"] for c in inspect(engine).get_columns(names[1])}
    assert {"id", "parent_id", "position", "qty"} <= child_columns
    foreign = inspect(engine).get_foreign_keys(names[0])
    assert {fk["referred_table"] for fk in foreign} >= {sources["target"].table.name, "users"}


def test_decimals_round_trip_exactly(app) -> None:
    sources = build_app_tables("shop", _forms("shop", "order"))
    table = sources["order"].table
    engine = get_db(app).engine
    now = app.extensions["servicekit.clock"].now()
    with engine.begin() as connection:
        create_app_tables(connection, sources)
        for value in ("0.10", "0.20", "12345678901234567890.12"):
            connection.execute(
                table.insert().values(
                    amount=Decimal(value), created_at=now, updated_at=now, version=1, deleted=False
                )
            )
        values = connection.execute(select(table.c.amount).order_by(table.c.id)).scalars().all()
    assert values == [Decimal("0.10"), Decimal("0.20"), Decimal("12345678901234567890.12")]
    assert sum(values[:2]) == Decimal("0.30")


def test_business_numbers_follow_the_pattern_and_reset_daily(app, db) -> None:
    numbering = {"pattern": "WO-{yyyy}{mm}{dd}-{seq:4}", "reset": "daily"}
    tz = ZoneInfo("Asia/Shanghai")
    day1 = datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    day2 = datetime(2026, 11, 24, 0, 5, tzinfo=tz)
    got = [next_number(db, "svc.wo", numbering, day1) for _ in range(3)]
    got.append(next_number(db, "svc.wo", numbering, day2))
    db.commit()
    assert got == ["WO-20261123-0001", "WO-20261123-0002", "WO-20261123-0003", "WO-20261124-0001"]
    assert render_number("C-{yy}{seq:6}", day1, 42) == "C-26000042"


def test_given_numbers_move_the_counter_past_them(app, db) -> None:
    from servicekit.platform.storage import observe_number

    numbering = {"pattern": "WO-{yyyy}{mm}{dd}-{seq:4}", "reset": "daily"}
    day = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    observe_number(db, "svc.wo", numbering, "WO-20261123-0007")
    observe_number(db, "svc.wo", numbering, "WO-20261123-0003")  # lower: no effect
    observe_number(db, "svc.wo", numbering, "legacy-42")  # not in the pattern: ignored
    assert next_number(db, "svc.wo", numbering, day) == "WO-20261123-0008"
    assert next_number(db, "svc.wo", numbering, day.replace(day=24)) == "WO-20261124-0001"
