"""The draft preview runs a report body through the report engine with the builder's rights."""

from __future__ import annotations

from typing import Any

from tests.designer.reports.conftest import Api, report_body


def _published(client: Any, key: str) -> dict[str, Any]:
    response = client.get(f"/apps/after_sales/reports/{key}/data", query_string={"range": "all"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _rows(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(tuple(row["labels"]), tuple(row["values"])) for row in data["rows"]]


def test_preview_equals_the_published_report(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("admin")
    api = Api(client)
    for key in ("top_fault_types", "orders_by_month", "part_cost_by_month", "nps"):
        response = api.preview(report_body(key), key)
        assert response.status_code == 200, response.get_json()
        preview = response.get_json()
        assert preview["problems"] == []
        published = _published(client, key)
        assert _rows(preview["data"]) == _rows(published), key
        assert preview["data"]["measures"] == published["measures"]
        assert preview["data"]["rows"], key


def test_an_edited_draft_changes_the_preview_without_publishing(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("admin")
    api = Api(client)
    body = {
        "key": "by_priority",
        "label": "By priority",
        "form": "work_order",
        "dimensions": [{"field": "priority"}],
        "measures": [
            {"key": "orders", "aggregate": "count"},
            {"key": "cost", "aggregate": "sum", "field": "labor_cost"},
            {"key": "p90", "aggregate": "percentile", "percentile": 0.9, "field": "labor_cost"},
        ],
        "chart": {"type": "bar"},
    }
    everything = api.preview(body).get_json()["data"]
    assert sum(row["values"][0] for row in everything["rows"]) == installed["orders"]
    body["filter"] = 'priority = "urgent"'
    urgent = api.preview(body).get_json()["data"]
    assert [row["keys"] for row in urgent["rows"]] == [["urgent"]]
    by_key = {row["keys"][0]: row["values"] for row in everything["rows"]}
    assert urgent["rows"][0]["values"] == by_key["urgent"]
    # Nothing was saved or published: the report does not exist for readers.
    assert client.get("/apps/after_sales/reports/by_priority/data").status_code == 404


def test_problems_come_back_with_their_json_paths(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("admin")
    api = Api(client)
    base = {"key": "bad", "label": "Bad", "form": "work_order", "chart": {"type": "bar"}}
    cases = [
        ({"dimensions": [{"field": "no_such_field"}]}, "$.dimensions[0].field", "no_such_field"),
        (
            {"measures": [{"key": "s", "aggregate": "sum", "field": "description"}]},
            "$.measures[0].field",
            "summed",
        ),
        ({"filter": 'priority + 1 = "x"'}, "$.filter", "type-check"),
        (
            {"dimensions": [{"field": "priority", "bucket": "fortnight"}]},
            "$.dimensions[0].bucket",
            "",
        ),
        ({"form": "no_form"}, "$.form", "no_form"),
    ]
    for change, path, words in cases:
        response = api.preview({**base, **change})
        assert response.status_code == 422, (change, response.get_json())
        result = response.get_json()
        assert result["data"] is None
        found = [p for p in result["problems"] if p["path"] == path]
        assert found, (change, result["problems"])
        assert words in found[0]["message"], found


def test_the_preview_applies_the_builders_own_scope_and_field_rights(
    installed, client, auth
) -> None:  # type: ignore[no-untyped-def]
    auth.login("eng_builder")
    api = Api(client)
    body = {
        "key": "mine",
        "label": "Mine",
        "form": "work_order",
        "measures": [{"key": "orders", "aggregate": "count"}],
        "chart": {"type": "kpi"},
    }
    response = api.preview(body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]["rows"][0]["values"] == [installed["assigned"]]
    body["measures"].append({"key": "labour", "aggregate": "sum", "field": "labor_cost"})
    refused = api.preview(body)
    assert refused.status_code == 403
    result = refused.get_json()
    assert result["refused"] is True and result["data"] is None
    assert result["problems"][0]["path"] == "$.measures[1].field"
    assert "hidden" in result["problems"][0]["message"]
    # A builder who may read labour costs runs the same body.
    auth.logout()
    auth.login("builder")
    assert Api(client).preview(body).status_code == 200
