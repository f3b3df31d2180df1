"""Schema problems: one per mistake, at its exact JSON path, worded for a consultant."""

from __future__ import annotations

import re

import pytest

from servicekit.platform.metadata import Problem, schema_problems

from ._fixtures import load

_RAW_JSONSCHEMA = re.compile(
    r"is not valid under any|False schema|is not of type|does not match|Additional properties|\{'"
)


def assert_readable(problems: list[Problem]) -> None:
    """Each message is a sentence: capitalised or quoted start, a full stop, no jsonschema dump."""
    for problem in problems:
        text = problem.message
        assert text[0].isupper() or text[0] in "'\"0123456789", text
        assert text.endswith((".", "?")), text
        assert not _RAW_JSONSCHEMA.search(text), text
        assert len(text) < 400, text


def test_a_form_with_eleven_mistakes_gives_eleven_problems_at_their_paths() -> None:
    problems = schema_problems(
        "form", load("broken/form_with_mistakes.json"), "forms/work_order.json"
    )
    assert [p.path for p in problems] == [
        "$.fields[0].requird",
        "$.fields[1].type",
        "$.fields[2]",
        "$.fields[3].scale",
        "$.fields[4].options",
        "$.fields[5]",
        "$.fields[6].fields[0].type",
        "$.key",
        "$.label",
        "$.numbering.reset",
        "$.permissions.agent.create",
    ]
    assert {p.file for p in problems} == {"forms/work_order.json"}
    assert_readable(problems)
    messages = [p.message for p in problems]
    assert "did you mean 'required'?" in messages[0]
    assert messages[1].startswith(
        '"priority" is not a valid field type; use one of text, long_text, rich_text,'
    )
    assert messages[2] == "Select field 'status' needs 'options'; add it."
    assert "the largest allowed is 10" in messages[3]
    assert messages[4].startswith("'options' does not apply to an integer field")
    assert messages[5] == "Formula field 'total' needs 'result_type'; add it."
    assert "cannot contain another subform" in messages[6]
    assert "lowercase English letters" in messages[7]
    assert "'zh' and/or 'en'" in messages[8]
    assert "use one of daily, monthly, yearly, never" in messages[9]
    assert messages[10] == "'create' must be true or false, not text."


def test_a_valid_form_has_no_problems() -> None:
    assert schema_problems("form", load("after_sales/forms/work_order.json")) == []


@pytest.mark.parametrize(
    ("label", "path", "fragment"),
    [
        (5, "$.label", "must be text, or an object with 'zh' and/or 'en'"),
        ({}, "$.label", "must not be empty"),
        ({"fr": "Bon"}, "$.label.fr", "'fr' is not a property of 'label'; use one of zh, en"),
        ({"zh": 3}, "$.label.zh", "'zh' must be text, not a whole number"),
    ],
)
def test_a_bad_label_is_reported_by_the_branch_that_was_meant(
    label: object, path: str, fragment: str
) -> None:
    problems = schema_problems("form", {"key": "a", "label": label, "fields": [_text("x")]})
    assert [p.path for p in problems] == [path]
    assert fragment in problems[0].message
    assert_readable(problems)


def test_navigation_needs_exactly_one_target() -> None:
    body = {
        "key": "after_sales",
        "label": "售后",
        "navigation": [
            {"key": "none"},
            {"key": "both", "form": "customer", "report": "by_month"},
            {"key": "ok", "dashboard": "overview"},
        ],
    }
    problems = schema_problems("app", body, "app.json")
    assert [(p.path, p.message) for p in problems] == [
        (
            "$.navigation[0]",
            "Navigation entry 'none' needs exactly one of 'form', 'report' or 'dashboard'.",
        ),
        (
            "$.navigation[1]",
            "Navigation entry 'both' has 'form' and 'report'; keep exactly one of 'form', "
            "'report' or 'dashboard'.",
        ),
    ]


def test_manifest_mistakes_each_name_their_property() -> None:
    body = {"key": "after-sales", "version": "1.0", "platform": "any", "author": ""}
    problems = schema_problems("manifest", body, "manifest.json")
    assert [p.path for p in problems] == ["$", "$.author", "$.key", "$.platform", "$.version"]
    assert "needs 'name'" in problems[0].message
    assert "semantic version such as 1.0.0" in problems[4].message
    assert "such as >=0.1" in problems[3].message
    assert_readable(problems)


def test_unknown_role_keys_and_permission_values_are_reported_in_place() -> None:
    body = {
        "key": "t",
        "label": "T",
        "fields": [_text("x")],
        "permissions": {"Field Engineer": {"read": True}, "agent": {"approve": True}},
    }
    problems = schema_problems("form", body)
    assert [p.path for p in problems] == ["$.permissions", "$.permissions.agent.approve"]
    assert problems[0].message.startswith("\"Field Engineer\" is not a valid key in 'permissions'")
    assert "use one of create, read, update, delete, scope" in problems[1].message


def test_paths_sort_numerically_not_alphabetically() -> None:
    fields = [_text(f"f{i}") for i in range(12)]
    fields[2]["type"] = "nope"
    fields[10]["type"] = "nope"
    problems = schema_problems("form", {"key": "t", "label": "T", "fields": fields})
    assert [p.path for p in problems] == ["$.fields[2].type", "$.fields[10].type"]


def test_a_document_that_is_not_an_object() -> None:
    assert [str(p) for p in schema_problems("form", [], "forms/x.json")] == [
        "forms/x.json: $: Form must be an object, not a list."
    ]


def test_an_unknown_kind_is_a_problem_not_a_crash() -> None:
    problems = schema_problems("widget", {})
    assert len(problems) == 1 and "'widget' is not a kind of metadata" in problems[0].message


def _text(key: str) -> dict[str, object]:
    return {"key": key, "type": "text", "label": key}
