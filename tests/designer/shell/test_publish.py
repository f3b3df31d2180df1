"""Publishing from the designer: the preview says what will change, a data-losing change
is refused with its reason, and a safe change runs exactly the previewed database changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

from servicekit.platform.db import get_db
from servicekit.platform.models import MetadataDocument
from servicekit.platform.models.workflow import WorkflowInstance
from tests.designer.shell.conftest import Designer
from tests.workspace.records.conftest import first_id, page_csrf, work_order_form


def schema_snapshot(app: Any) -> dict[str, Any]:
    """Every table's columns (name and type) and indexes, to compare before and after."""
    with get_db(app).engine.connect() as connection:
        found = inspect(connection)
        return {
            table: {
                "columns": {c["name"]: str(c["type"]) for c in found.get_columns(table)},
                "indexes": sorted(str(i["column_names"]) for i in found.get_indexes(table)),
            }
            for table in found.get_table_names()
        }


def published_count(app: Any) -> int:
    with get_db(app).transaction() as session:
        return session.scalar(select(func.count()).where(MetadataDocument.status == "published"))


def without(value: Any, key: str) -> Any:
    """``value`` (a layout) with every mention of field ``key`` taken out."""
    if isinstance(value, list):
        kept = [without(v, key) for v in value if v != key]
        return [v for v in kept if v != []]  # a layout row left empty goes too
    if isinstance(value, dict):
        return {k: without(v, key) for k, v in value.items()}
    return value


def customer_draft(designer: Any) -> tuple[dict[str, Any], str]:
    data = designer.get("after_sales", "form", "customer").get_json()
    return data["body"], data["revision"]


def test_a_data_losing_change_is_refused_with_the_reason(sample: Any, designer: Any) -> None:
    body, _ = customer_draft(designer)
    contact = next(f for f in body["fields"] if f["key"] == "contact")
    contact["type"] = "integer"  # people's names do not convert to numbers
    contact.pop("max_length", None)
    revision = designer.put("after_sales", "form", "customer", body).get_json()["revision"]
    before, versions = schema_snapshot(sample), published_count(sample)

    preview = designer.publish("after_sales", "form", "customer", revision, confirm=False)
    assert preview.status_code == 200, preview.get_data(as_text=True)
    summary = preview.get_json()
    assert summary["applied"] is False
    assert [r["column"] for r in summary["refusals"]] == ["contact"]
    refusal = summary["refusals"][0]
    assert refusal["rows"] and refusal["total"] > 0
    assert "C-0000" in refusal["message"]  # the business numbers of rows that would not convert
    changed = summary["fields"]["changed"]
    assert changed == [
        {
            "form": "customer",
            "key": "contact",
            "type": "integer",
            "label": changed[0]["label"],
            "changes": changed[0]["changes"],
        }
    ]

    assert "type: text → integer" in changed[0]["changes"]

    refused = designer.publish("after_sales", "form", "customer", revision, confirm=True)
    assert refused.status_code == 422
    assert refused.get_json()["refusals"][0]["column"] == "contact"
    assert schema_snapshot(sample) == before
    assert published_count(sample) == versions
    # The draft is still there to be fixed.
    assert designer.get("after_sales", "form", "customer").get_json()["revision"] == revision


def test_a_safe_change_applies_exactly_the_previewed_database_changes(
    sample: Any, designer: Any
) -> None:
    body, _ = customer_draft(designer)
    body["fields"].append(
        {"key": "wechat", "type": "text", "label": {"zh": "微信", "en": "WeChat"}}
    )
    body["fields"] = [f for f in body["fields"] if f["key"] != "address"]
    body["layout"] = without(body["layout"], "address")
    revision = designer.put("after_sales", "form", "customer", body).get_json()["revision"]
    before, versions = schema_snapshot(sample), published_count(sample)

    summary = designer.publish("after_sales", "form", "customer", revision, False).get_json()
    assert summary.get("refusals") == [], summary
    assert [f["key"] for f in summary["fields"]["added"]] == ["wechat"]
    assert [f["key"] for f in summary["fields"]["removed"]] == ["address"]
    assert summary["versions"] == [{"kind": "form", "key": "customer", "version": 2}]
    assert len(summary["database"]) == 1
    assert summary["database"][0].startswith("add column rec_after_sales_customer.wechat")
    assert schema_snapshot(sample) == before  # the preview wrote nothing

    done = designer.client.post(
        designer.url("after_sales", "form", "customer", "publish"),
        json={"revision": revision, "confirm": True, "plan": summary["plan"]},
        headers={"X-CSRFToken": designer.token},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["applied"] is True
    after = schema_snapshot(sample)
    # Exactly one column was added; the removed field's column and its data are kept.
    table = "rec_after_sales_customer"
    assert set(after) == set(before)
    assert {t for t in after if after[t] != before[t]} == {table}
    assert set(after[table]["columns"]) - set(before[table]["columns"]) == {"wechat"}
    assert set(before[table]["columns"]) - set(after[table]["columns"]) == set()
    assert after[table]["indexes"] == before[table]["indexes"]
    assert published_count(sample) == versions + 1
    loaded = designer.get("after_sales", "form", "customer").get_json()
    assert loaded["revision"] == "" and loaded["published_version"] == 2


def test_confirm_with_a_stale_plan_is_refused(sample: Any, designer: Any) -> None:
    body, _ = customer_draft(designer)
    body["fields"].append({"key": "wechat", "type": "text", "label": "WeChat"})
    revision = designer.put("after_sales", "form", "customer", body).get_json()["revision"]
    stale = designer.client.post(
        designer.url("after_sales", "form", "customer", "publish"),
        json={"revision": revision, "confirm": True, "plan": "not-the-previewed-plan"},
        headers={"X-CSRFToken": designer.token},
    )
    assert stale.status_code == 409
    old_revision = designer.publish("after_sales", "form", "customer", "old", confirm=True)
    assert old_revision.status_code == 409


def test_invalid_metadata_is_not_published(sample: Any, designer: Any) -> None:
    body, _ = customer_draft(designer)
    body["fields"][0]["type"] = "colour"
    revision = designer.put("after_sales", "form", "customer", body).get_json()["revision"]
    response = designer.publish("after_sales", "form", "customer", revision, confirm=True)
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["path"] == "$.fields[0].type"


def test_running_work_orders_stay_on_the_old_workflow_version(
    sample: Any, client: Any, auth: Any
) -> None:
    # An admin files a work order through the record page, which starts the workflow;
    # admins may use the designer too.
    auth.login("admin")
    html = client.get("/apps/after_sales/forms/work_order/new").get_data(as_text=True)
    data = work_order_form(first_id(sample), csrf_token=page_csrf(html))
    assert client.post("/apps/after_sales/forms/work_order/new", data=data).status_code == 303
    with get_db(sample).transaction() as session:
        running = session.scalar(select(func.count()).select_from(WorkflowInstance))
    assert running == 1
    designer = Designer(client, auth.csrf_token())

    workflow = designer.get("after_sales", "workflow", "work_order").get_json()["body"]
    workflow["label"] = {"zh": "工单流程（新）", "en": "Work order flow (new)"}
    saved = designer.put("after_sales", "workflow", "work_order", workflow).get_json()
    summary = designer.publish("after_sales", "workflow", "work_order", saved["revision"], False)
    assert summary.get_json()["workflows"] == [{"key": "work_order", "running": 1, "version": 2}]
