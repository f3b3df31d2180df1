"""Auto-number fields: each takes its own value from its own sequence and pattern when a
record is created, never from input, and keeps it for the record's life."""

from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.runtime.forms import load_form_runtime
from tests.platform.packages.conftest import install
from tests.workspace.transfer.conftest import APP, DEMO, TZ, context, create, demo  # noqa: F401


def _year(app) -> str:  # type: ignore[no-untyped-def]
    return app.extensions["servicekit.clock"].now().astimezone(TZ).strftime("%Y")


def test_each_record_gets_its_own_auto_number_from_the_fields_pattern(demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = create(demo, "asset", {"title": "一"})
    second = create(demo, "asset", {"title": "二", "code": "typed-by-someone"})
    year = _year(demo)
    # Its own pattern and its own counter, not the business number.
    assert (first.number, first.values["code"]) == ("A-00001", f"AS-{year}-0001")
    assert (second.number, second.values["code"]) == ("A-00002", f"AS-{year}-0002")
    # A field without a pattern of its own counts with {seq:6}, in a sequence of its own.
    copy = create(demo, "asset_copy", {"title": "三"})
    assert (copy.number, copy.values["code"]) == ("B-00001", "000001")


def test_an_auto_number_never_changes_on_update(demo) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    record = create(demo, "asset", {"title": "一"})
    with get_db(demo).transaction() as session:
        store = load_form_runtime(session, APP, "asset").store
        after = store.update(
            session,
            record.id,
            {"title": "改", "code": "X-1"},
            context(demo),
            expected_version=1,
            actor_id=None,
        )
    assert after.values["title"] == "改"
    assert after.values["code"] == record.values["code"]


def test_concurrent_creators_get_distinct_gap_free_auto_numbers(demo, database_url) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    if database_url.startswith("sqlite"):
        pytest.skip("the concurrency test targets PostgreSQL's row locks")
    errors: list[BaseException] = []

    def worker(count: int) -> None:
        try:
            for index in range(count):
                create(demo, "asset", {"title": f"资产{index}"})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(25,)) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with get_db(demo).sessions() as session:
        table = load_form_runtime(session, APP, "asset").source.table
        rows = session.execute(select(table.c.number, table.c.code)).all()
    year = _year(demo)
    assert sorted(code for _number, code in rows) == [f"AS-{year}-{n:04d}" for n in range(1, 301)]
    assert sorted(number for number, _code in rows) == [f"A-{n:05d}" for n in range(1, 301)]


def test_seed_data_may_give_auto_numbers_and_the_sequence_continues_after_them(
    app, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "transfer_demo"
    shutil.copytree(DEMO, package)
    (package / "data").mkdir()
    year = _year(app)
    (package / "data" / "asset.csv").write_text(
        f"number,title,code\nA-00001,一,AS-{year}-0007\nA-00002,二,\n", encoding="utf-8"
    )
    install(app, package)
    with get_db(app).sessions() as session:
        table = load_form_runtime(session, APP, "asset").source.table
        seeded = dict(session.execute(select(table.c.number, table.c.code)).all())
    # A given value is kept, a missing one is taken after it, and so is the next record's.
    assert seeded == {"A-00001": f"AS-{year}-0007", "A-00002": f"AS-{year}-0008"}
    assert create(app, "asset", {"title": "三"}).values["code"] == f"AS-{year}-0009"
