"""Publishing a changed form evolves its tables and keeps every record (issue 4, acceptance 3)."""

from __future__ import annotations

import copy
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, select

from servicekit.platform.db import get_db
from servicekit.platform.metadata import Document, MetadataError
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.registry import get_registry
from servicekit.platform.storage import sources_for_app
from tests.platform.packages.conftest import SAMPLE, install

TZ = ZoneInfo("Asia/Shanghai")


def _publish(app, form_body: dict, *, apply: bool = True):  # type: ignore[no-untyped-def]
    clock = app.extensions["servicekit.clock"]
    document = Document("form", form_body["key"], f"forms/{form_body['key']}.json", form_body)
    with get_db(app).transaction() as session:
        return publish_documents(
            session,
            "field_service",
            [document],
            get_registry(app),
            author_id=None,
            now=clock.now(),
            tz=TZ,
            apply=apply,
        )


def _bodies(app) -> dict:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return copy.deepcopy(latest_bodies(session, "field_service", "form"))


def _rows(app, form_key: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        source = sources_for_app("field_service", latest_bodies(session, "field_service", "form"))[
            form_key
        ]
        return [
            dict(row)
            for row in session.execute(select(source.table).order_by(source.table.c.id)).mappings()
        ]


def test_v2_adds_a_field_a_lookup_and_a_subform_and_keeps_records(app) -> None:
    install(app, SAMPLE)
    before = _rows(app, "work_order")
    form = _bodies(app)["work_order"]
    form["fields"] += [
        {"key": "serial_no", "type": "text", "label": "Serial", "max_length": 40, "indexed": True},
        {"key": "site", "type": "lookup", "form": "customer", "label": "Site"},
        {
            "key": "visits",
            "type": "subform",
            "label": "Visits",
            "fields": [{"key": "visited_on", "type": "date", "label": "Date"}],
        },
    ]
    for field in form["fields"]:
        if field["key"] == "product":
            field["max_length"] = 200  # text field grows
    preview = _publish(app, form, apply=False)
    assert not preview.applied and not preview.refusals
    assert "add column rec_field_service_work_order.serial_no (text(40))" in preview.steps
    assert "create table rec_field_service_work_order__visits" in preview.steps
    assert any("product from text(100) to text(200)" in step for step in preview.steps)
    assert _rows(app, "work_order") == before  # a preview changes nothing

    result = _publish(app, form)
    assert result.applied
    after = _rows(app, "work_order")
    assert len(after) == len(before) == 3
    for old, new in zip(before, after, strict=True):
        for key, value in old.items():
            assert new[key] == value, key
        assert new["serial_no"] is None and new["site"] is None
    names = inspect(get_db(app).engine).get_table_names()
    assert "rec_field_service_work_order__visits" in names
    foreign = inspect(get_db(app).engine).get_foreign_keys("rec_field_service_work_order")
    assert any(fk["constrained_columns"] == ["site"] for fk in foreign)


def test_an_impossible_type_change_is_refused_listing_the_rows(app) -> None:
    install(app, SAMPLE)
    form = _bodies(app)["work_order"]
    before = _rows(app, "work_order")
    for field in form["fields"]:
        if field["key"] == "product":
            field.update(type="integer")
            field.pop("max_length", None)
    preview = _publish(app, form)
    assert not preview.applied
    [refusal] = preview.refusals
    assert refusal.column == "product" and refusal.total == 3
    assert {row["number"] for row in refusal.rows} == {
        "WO-20261120-0001",
        "WO-20261121-0001",
        "WO-20261122-0001",
    }
    assert "Enter a whole number" in str(refusal)
    assert _rows(app, "work_order") == before
    with get_db(app).sessions() as session:
        assert (
            latest_bodies(session, "field_service", "form")["work_order"]
            == _bodies(app)["work_order"]
        )


def test_a_possible_type_change_converts_every_value(app) -> None:
    install(app, SAMPLE)
    form = _bodies(app)["work_order"]
    for field in form["fields"]:
        if field["key"] == "labor_cost":
            field["scale"] = 3  # decimal(2) -> decimal(3): every value fits
        if field["key"] == "priority":
            field.update(type="multi_select")  # select -> multi select: "urgent" -> ["urgent"]
            field.pop("default", None)
    result = _publish(app, form)
    assert result.applied, [str(r) for r in result.refusals]
    rows = {row["number"]: row for row in _rows(app, "work_order")}
    assert rows["WO-20261120-0001"]["labor_cost"] == Decimal("300.000")
    assert rows["WO-20261120-0001"]["priority"] == ["urgent"]


def test_shrinking_text_below_existing_values_is_refused(app) -> None:
    install(app, SAMPLE)
    form = _bodies(app)["customer"]
    for field in form["fields"]:
        if field["key"] == "name":
            field["max_length"] = 5
    preview = _publish(app, form)
    assert not preview.applied and preview.refusals[0].column == "name"
    assert "longer than 5" in str(preview.refusals[0])


def test_a_removed_field_keeps_its_column_and_data(app) -> None:
    install(app, SAMPLE)
    form = _bodies(app)["customer"]
    form["fields"] = [f for f in form["fields"] if f["key"] != "contact"]
    for section in form["layout"]["sections"]:
        section["rows"] = [[k for k in row if k != "contact"] for row in section["rows"]]
        section["rows"] = [row for row in section["rows"] if row]
    result = _publish(app, form)
    assert result.applied
    assert "rec_field_service_customer.contact" in result.kept_columns
    with get_db(app).sessions() as session:
        contacts = (
            session.execute(
                select(
                    sources_for_app(
                        "field_service",
                        {
                            "customer": {
                                "key": "customer",
                                "fields": [{"key": "contact", "type": "text", "label": "c"}],
                            }
                        },
                    )["customer"].table.c.contact
                )
            )
            .scalars()
            .all()
        )
    assert "王建国" in contacts


def test_invalid_metadata_is_refused_with_every_problem(app) -> None:
    install(app, SAMPLE)
    form = _bodies(app)["work_order"]
    form["fields"].append({"key": "Bad Key", "type": "text", "label": "x"})
    form["fields"].append({"key": "ok", "type": "select", "label": "x"})
    with pytest.raises(MetadataError) as caught:
        _publish(app, form)
    paths = {problem.path for problem in caught.value.problems}
    assert any(path.startswith("$.fields[") for path in paths) and len(caught.value.problems) >= 2
