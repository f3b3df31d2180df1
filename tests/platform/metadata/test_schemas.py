"""The JSON Schemas in ``schemas/``: well formed, documented for editors, and accepting good metadata."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from servicekit.platform.metadata import KINDS, SCHEMA_DIR, load_schema, schema_problems

from ._fixtures import load

SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.schema.json"))
# Keywords whose subschemas only test a condition; their properties are not documented ones.
_CONDITIONS = ("if", "not")


def _properties(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every (schema path, property schema) pair in a schema, outside condition-only keywords."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.properties.{name}", sub
        for key, value in node.items():
            if key not in _CONDITIONS:
                yield from _properties(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{path}[{index}]")


def test_every_metadata_kind_has_a_schema_file() -> None:
    names = {path.name for path in SCHEMA_FILES}
    expected = {
        "manifest.schema.json",
        "app.schema.json",
        "form.schema.json",
        "workflow.schema.json",
        "report.schema.json",
        "dashboard.schema.json",
        "calendar.schema.json",
        "sla_policy.schema.json",
    }
    assert expected <= names
    for kind in KINDS:
        assert load_schema(kind)["title"]


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12_with_id_and_title(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://servicekit.dev/schemas/{path.name}"
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_property_has_a_description(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    found = list(_properties(schema))
    assert found, "the walker found no properties at all"
    undocumented = [
        where
        for where, sub in found
        if not (isinstance(sub, dict) and str(sub.get("description", "")).strip())
    ]
    assert undocumented == []


def test_the_walker_notices_a_missing_description() -> None:
    schema = {"properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}}}
    missing = [w for w, sub in _properties(schema) if "description" not in sub]
    assert missing == ["$.properties.a", "$.properties.a.properties.b"]


@pytest.mark.parametrize(
    ("kind", "file"),
    [
        ("manifest", "after_sales/manifest.json"),
        ("app", "after_sales/app.json"),
        ("form", "after_sales/forms/customer.json"),
        ("form", "after_sales/forms/work_order.json"),
    ],
)
def test_the_sample_documents_pass_their_schema(kind: str, file: str) -> None:
    assert schema_problems(kind, load(file), file) == []


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("workflow", {"key": "repair", "label": "Repair", "form": "work_order", "nodes": []}),
        ("report", {"key": "by_priority", "label": {"zh": "按优先级"}, "form": "work_order"}),
        ("dashboard", {"key": "overview", "label": "Overview", "widgets": []}),
        ("calendar", {"key": "standard", "label": "工作日历", "timezone": "Asia/Shanghai"}),
        ("sla", {"key": "standard", "label": "Standard SLA", "targets": {}}),
    ],
)
def test_minimal_kinds_accept_their_basics_and_keep_later_properties(
    kind: str, body: dict[str, Any]
) -> None:
    assert schema_problems(kind, body) == []
    assert [p.path for p in schema_problems(kind, {"label": "x"})] == ["$"]


def test_a_form_with_every_field_type_passes() -> None:
    extra = {
        "select": {"options": [{"value": "a", "label": "A"}]},
        "multi_select": {"options": [{"value": "a", "label": "A", "color": "#1e88e5"}]},
        "lookup": {"form": "customer", "display": "name"},
        "subform": {"fields": [{"key": "x", "type": "text", "label": "X"}]},
        "formula": {"expr": "1 + 1", "result_type": "integer"},
    }
    schema = load_schema("form")
    types = schema["$defs"]["field"]["properties"]["type"]["enum"]
    assert len(types) == 20
    fields = [{"key": f"f_{t}", "type": t, "label": t, **extra.get(t, {})} for t in types]
    assert schema_problems("form", {"key": "all", "label": "All", "fields": fields}) == []


def test_the_metadata_reference_documents_every_property_in_both_languages() -> None:
    reference = (SCHEMA_DIR.parent / "docs" / "metadata.md").read_text(encoding="utf-8")
    missing = set()
    for path in SCHEMA_FILES:
        schema = json.loads(path.read_text(encoding="utf-8"))
        for where, _ in _properties(schema):
            name = where.rsplit(".", 1)[1]
            if f"`{name}`" not in reference:
                missing.add(name)
    for kind in load_schema("form")["$defs"]["field"]["properties"]["type"]["enum"]:
        if f"| `{kind}` |" not in reference:
            missing.add(kind)
    assert missing == set()
    assert "元数据参考" in reference and "Metadata reference" in reference


def test_only_auto_number_fields_have_a_numbering_and_subform_rows_have_none() -> None:
    numbering = {"pattern": "SN-{seq:5}"}
    own = {"key": "serial", "type": "auto_number", "label": "Serial", "numbering": numbering}
    text = {"key": "serial", "type": "text", "label": "Serial", "numbering": numbering}
    rows = {"key": "rows", "type": "subform", "label": "Rows", "fields": [dict(own)]}
    assert schema_problems("form", {"key": "f", "label": "F", "fields": [own]}) == []
    assert [p.path for p in schema_problems("form", {"key": "f", "label": "F", "fields": [text]})]
    refused = schema_problems("form", {"key": "f", "label": "F", "fields": [rows]})
    assert [p.path for p in refused] and all(p.path.startswith("$.fields[0]") for p in refused)
