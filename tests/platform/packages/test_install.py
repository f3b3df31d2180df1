"""Installing, exporting and uninstalling app packages (issue 2, acceptance 3 and 4)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.models import User
from servicekit.platform.packages import PackageError, export_app, plan_uninstall, uninstall_app
from servicekit.platform.storage import sources_for_app
from tests.conftest import ensure_user
from tests.platform.packages.conftest import SAMPLE, SAMPLE_APP, dump_database, install, seed_rows


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


def test_sample_app_installs_with_tables_and_seed_records(app) -> None:
    result = install(app, SAMPLE)
    assert result.app_key == "field_service"
    engine = get_db(app).engine
    names = set(inspect(engine).get_table_names())
    assert {
        "rec_field_service_customer",
        "rec_field_service_work_order",
        "rec_field_service_work_order__parts",
    } <= names
    with get_db(app).sessions() as session:
        sources = sources_for_app("field_service", latest_bodies(session, "field_service", "form"))
        orders = sources["work_order"].table
        customers = sources["customer"].table
        rows = session.execute(
            select(orders.c.number, customers.c.name, orders.c.labor_cost)
            .join(customers, orders.c.customer == customers.c.id)
            .order_by(orders.c.number)
        ).all()
    assert rows[0].number == "WO-20261120-0001"
    assert rows[0].name == "上海申通精密机械有限公司"
    assert str(rows[0].labor_cost) == "300.00"
    assert rows[2].labor_cost is None
    with get_db(app).sessions() as session:
        parts = sources["work_order"].child("parts").table
        found = session.execute(
            select(parts.c.part_name, parts.c.position, orders.c.number, orders.c.total_cost)
            .join(orders, parts.c.parent_id == orders.c.id)
            .order_by(orders.c.number, parts.c.position)
        ).all()
    assert [(r.part_name, r.position) for r in found[:2]] == [("主轴轴承", 0), ("润滑脂", 1)]
    # Formulas of seeded records are computed: 300.00 + 2 × 450.00 + 35.50
    assert str(found[0].total_cost) == "1235.50"


def test_the_after_sales_sample_app_installs(app) -> None:
    result = install(app, SAMPLE_APP)
    forms = ("customer", "equipment", "spare_part", "work_order")
    assert result.app_key == "after_sales"
    assert result.records == sum(len(seed_rows(SAMPLE_APP, form)) for form in forms)
    orders = seed_rows(SAMPLE_APP, "work_order")
    with get_db(app).sessions() as session:
        sources = sources_for_app("after_sales", latest_bodies(session, "after_sales", "form"))
        table = sources["work_order"].table
        parts = sources["work_order"].child("parts").table
        per_engineer = dict(
            session.execute(
                select(User.login, func.count())
                .join(table, table.c.engineer == User.id)
                .group_by(User.login)
            ).all()
        )
        assert session.scalar(select(func.count()).select_from(parts)) == len(
            seed_rows(SAMPLE_APP, "work_order.parts")
        )
        engineers = session.scalars(select(User).where(User.login.in_(per_engineer))).all()
    # Engineers are named by login; the install made them inactive, without a password.
    expected = Counter(row["engineer"] for row in orders if row["engineer"])
    assert per_engineer == dict(expected) and len(expected) == 5
    assert all(not u.active and u.password_hash == "" for u in engineers)


def test_seeded_user_cells_name_existing_accounts_and_refuse_bad_logins(
    app, sample_copy: Path
) -> None:
    ensure_user(app, "ann.li")
    orders = sample_copy / "data" / "work_order.csv"
    lines = orders.read_text(encoding="utf-8").splitlines()
    header = lines[0] + ",engineer"
    bad = [header, lines[1] + ",ann li", *(line + "," for line in lines[2:])]
    orders.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(PackageError) as caught:
        install(app, sample_copy)
    found = [p for p in caught.value.problems if "login name" in p.message]
    assert [p.path for p in found] == [f"line 2, column {header.count(',') + 1}"]

    good = [header, lines[1] + ",ANN.LI", *(line + "," for line in lines[2:])]
    orders.write_text("\n".join(good) + "\n", encoding="utf-8")
    install(app, sample_copy)
    with get_db(app).sessions() as session:
        sources = sources_for_app("field_service", latest_bodies(session, "field_service", "form"))
        table = sources["work_order"].table
        engineers = session.scalars(select(table.c.engineer).order_by(table.c.number)).all()
        ann = session.scalar(select(User.id).where(User.login == "ann.li"))
    # The login is matched without regard to case; empty cells stay empty.
    assert engineers[0] == ann and set(engineers[1:]) == {None}


def test_installing_twice_is_refused_and_changes_nothing(app) -> None:
    install(app, SAMPLE)
    before = dump_database(app)
    with pytest.raises(PackageError) as caught:
        install(app, SAMPLE)
    assert "already installed" in str(caught.value)
    assert dump_database(app) == before


def test_errors_in_three_files_are_all_listed_and_nothing_changes(app, sample_copy: Path) -> None:
    _edit(sample_copy / "manifest.json", lambda b: b.pop("version"))
    _edit(sample_copy / "forms" / "customer.json", lambda b: b["fields"][1].update(type="dropdown"))
    _edit(sample_copy / "forms" / "work_order.json", lambda b: b["fields"][0].update(form="client"))
    before = dump_database(app)
    with pytest.raises(PackageError) as caught:
        install(app, sample_copy)
    files = {problem.file for problem in caught.value.problems}
    assert {"manifest.json", "forms/customer.json", "forms/work_order.json"} <= files
    paths = {(p.file, p.path) for p in caught.value.problems}
    assert ("forms/customer.json", "$.fields[1].type") in paths
    assert ("forms/work_order.json", "$.fields[0].form") in paths
    assert dump_database(app) == before


def test_a_bad_seed_cell_names_file_line_and_column_and_rolls_back(app, sample_copy: Path) -> None:
    csv = sample_copy / "data" / "work_order.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("300.00", "三百"), encoding="utf-8")
    before = dump_database(app)
    with pytest.raises(PackageError) as caught:
        install(app, sample_copy)
    [problem] = caught.value.problems
    assert problem.file == "data/work_order.csv"
    assert problem.path == "line 2, column 7"
    assert "三百" in problem.message
    assert dump_database(app) == before


def test_a_failure_while_writing_rolls_back_tables_too(app, sample_copy: Path) -> None:
    # The lookup names a customer number that does not exist: found only at insert time.
    csv = sample_copy / "data" / "work_order.csv"
    csv.write_text(
        csv.read_text(encoding="utf-8").replace(",C-00003,", ",C-09999,"), encoding="utf-8"
    )
    before = dump_database(app)
    with pytest.raises(PackageError) as caught:
        install(app, sample_copy)
    assert "C-09999" in str(caught.value)
    assert dump_database(app) == before
    assert "rec_field_service_customer" not in inspect(get_db(app).engine).get_table_names()


def test_export_install_export_is_byte_identical(app, tmp_path: Path, database_url: str) -> None:
    from tests.conftest import database_kind, make_test_app, temporary_database

    install(app, SAMPLE)
    first = tmp_path / "first"
    with get_db(app).sessions() as session:
        export_app(session, "field_service", first)
    get_db(app).dispose()

    # A second, empty database of the same kind.
    twin = tmp_path / "twin"
    twin.mkdir()
    with temporary_database(database_kind(database_url), twin) as other_url:
        other = make_test_app(other_url, tmp_path / "instance2")
        try:
            install(other, first)
            second = tmp_path / "second"
            with get_db(other).sessions() as session:
                export_app(session, "field_service", second)
        finally:
            get_db(other).dispose()
    first_files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    second_files = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert first_files == second_files
    assert Path("forms/work_order.json") in first_files
    assert Path("data/customer.csv") in first_files
    for relative in first_files:
        assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
    text = (first / "app.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and '\n  "description"' in text and "售后服务" in text


def test_uninstall_drops_tables_and_metadata(app) -> None:
    install(app, SAMPLE)
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        plan = plan_uninstall(session, "field_service")
        assert plan.tables["rec_field_service_customer"] == 3
        uninstall_app(session, "field_service", drop_tables=True, now=clock.now())
    names = inspect(get_db(app).engine).get_table_names()
    assert not [n for n in names if n.startswith("rec_field_service")]
    with get_db(app).sessions() as session:
        from servicekit.platform.models import MetadataDocument

        assert session.scalar(select(func.count()).select_from(MetadataDocument)) == 0
    # It can be installed again afterwards.
    install(app, SAMPLE)


def test_the_app_document_is_found_by_its_app_key(app) -> None:
    install(app, SAMPLE_APP)
    from servicekit.platform.metadata.store import latest_published

    with get_db(app).sessions() as session:
        document = latest_published(session, "after_sales", "app", "after_sales")
    assert document is not None and document.body["label"]["zh"] == "售后服务"
