"""Static checks across documents: what JSON Schema cannot see, at exact paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from servicekit.platform.metadata import check_documents

from ._fixtures import load, package, replaced


def _problems(file: str, body: Any) -> list[tuple[str | None, str, str]]:
    found = check_documents(replaced(package(), file, body))
    return [(p.file, p.path, p.message) for p in found]


def test_the_sample_package_is_clean() -> None:
    assert check_documents(package()) == []


def test_a_form_with_static_mistakes_gets_one_problem_each() -> None:
    problems = _problems("forms/ticket.json", load("broken/form_with_static_mistakes.json"))
    assert {file for file, _, _ in problems} == {"forms/ticket.json"}
    assert [path for _, path, _ in problems] == [
        "$.fields[1].key",
        "$.fields[2].key",
        "$.fields[3].key",
        "$.fields[4].form",
        "$.fields[5].default",
        "$.fields[5].options[1].value",
        "$.fields[6].fields[1].key",
        "$.indexes[0].fields[0]",
        "$.layout.sections[0].rows[0][1]",
        "$.layout.sections[1].key",
        "$.layout.sections[1].rows[0][0]",
        "$.numbering.pattern",
        "$.numbering.pattern",
        "$.numbering.reset",
        "$.permissions.auditor",
    ]
    messages = [message for _, _, message in problems]
    assert "'subject' is already used by $.fields[0]" in messages[0]
    assert "'user' is a word of the rule language" in messages[1]
    assert "'created_at' is a column every record already has" in messages[2]
    assert (
        "form 'client', which is not in this app; use one of customer, ticket, work_order"
        in (messages[3])
    )
    assert "The default 'gold' is not one of the options; use one of vip." == messages[4]
    assert "'ghost', which is not a field of this form" in messages[8]
    assert "'level' is already placed at $.layout.sections[0].rows[1][0]" in messages[10]
    assert "'{seq:20}' must have 1 to 12 digits" in messages[11]
    assert "'{week}' is not a numbering placeholder" in messages[12]
    assert "unless the pattern contains {mm}, {dd}" in messages[13]
    assert "Role 'auditor' is not declared in app.json" in messages[14]


@pytest.mark.parametrize(
    ("pattern", "reset", "fragment"),
    [
        ("WO-{yyyy}", "never", "has no {seq:N} placeholder"),
        ("WO-{seq:2}-{seq:3}", "never", "has 2 {seq:N}"),
        ("WO-{seq:0}", "never", "must have 1 to 12 digits"),
        ("WO-{seq:4", "never", "has no {seq:N}"),
        ("WO-{yy}{mm}-{seq:4}", "daily", "contains {dd}"),
        ("WO-{mm}-{seq:4}", "monthly", "contains {yyyy}"),
    ],
)
def test_numbering_patterns_that_cannot_work(pattern: str, reset: str, fragment: str) -> None:
    body = copy.deepcopy(load("after_sales/forms/work_order.json"))
    body["numbering"] = {"pattern": pattern, "reset": reset}
    problems = _problems("forms/work_order.json", body)
    assert problems and all(path.startswith("$.numbering") for _, path, _ in problems)
    assert any(fragment in message for _, _, message in problems), problems


@pytest.mark.parametrize(
    "pattern",
    ["WO-{yyyy}{mm}{dd}-{seq:4}", "{yy}{mm}{dd}{seq:12}", "C-{seq:1}", "{yyyy}/{seq:6}"],
)
def test_numbering_patterns_that_work(pattern: str) -> None:
    body = copy.deepcopy(load("after_sales/forms/work_order.json"))
    body["numbering"] = {"pattern": pattern, "reset": "yearly" if "y" in pattern else "never"}
    assert _problems("forms/work_order.json", body) == []


def test_the_key_must_match_the_file_name() -> None:
    body = dict(load("after_sales/forms/customer.json"), key="client")
    assert _problems("forms/clients.json", body) == [
        (
            "forms/clients.json",
            "$.key",
            "The key 'client' does not match the file name; rename the file to "
            "forms/client.json or change the key to 'clients'.",
        )
    ]


def test_two_files_with_one_key_name_both_files() -> None:
    body = copy.deepcopy(load("after_sales/forms/customer.json"))
    docset = replaced(package(), "forms/customer_copy.json", body)
    problems = check_documents(docset)
    clash = [p for p in problems if "already has the key 'customer'" in p.message]
    assert [(p.file, p.path) for p in clash] == [("forms/customer_copy.json", "$.key")]
    assert "(forms/customer.json)" in clash[0].message


def test_app_references_and_settings() -> None:
    body = copy.deepcopy(load("after_sales/app.json"))
    body["navigation"].append({"key": "stats", "report": "monthly"})
    body["navigation"].append({"key": "customers", "form": "customer"})
    body["roles"].append({"key": "agent", "label": "Agent again"})
    body["settings"] = {"timezone": "Mars/Olympus", "calendar": "workdays"}
    problems = _problems("app.json", body)
    assert [(f, p) for f, p, _ in problems] == [
        ("app.json", "$.navigation[2].report"),
        ("app.json", "$.navigation[3].key"),
        ("app.json", "$.roles[3].key"),
        ("app.json", "$.settings.calendar"),
        ("app.json", "$.settings.timezone"),
    ]
    assert "there is no report yet" in problems[0][2]
    assert "'Mars/Olympus' is not a known time zone" in problems[4][2]


def test_manifest_and_app_must_share_their_key() -> None:
    body = dict(load("after_sales/manifest.json"), key="repairs")
    problems = _problems("manifest.json", body)
    assert problems == [
        (
            "manifest.json",
            "$.key",
            "The package key 'repairs' differs from the app key 'after_sales' in app.json; "
            "use the same key in both.",
        )
    ]


def test_user_fields_name_declared_roles_and_ranges_are_ordered() -> None:
    body = copy.deepcopy(load("after_sales/forms/work_order.json"))
    engineer = next(f for f in body["fields"] if f["key"] == "engineer")
    engineer["role"] = "technician"
    parts = next(f for f in body["fields"] if f["key"] == "parts")
    parts["min_rows"] = 60
    problems = _problems("forms/work_order.json", body)
    assert [p for _, p, _ in problems] == ["$.fields[4].role", "$.fields[6].min_rows"]
    assert "'min_rows' (60) is larger than 'max_rows' (50)" in problems[1][2]


def test_a_text_pattern_must_be_a_regular_expression() -> None:
    body = copy.deepcopy(load("after_sales/forms/customer.json"))
    body["fields"][1]["pattern"] = "^1[0-9{10}$"
    problems = _problems("forms/customer.json", body)
    assert [p for _, p, _ in problems] == ["$.fields[1].pattern"]
    assert "is not a valid regular expression" in problems[0][2]


def test_a_form_checked_without_an_app_does_not_complain_about_roles() -> None:
    from servicekit.platform.metadata import validate_one

    body = load("after_sales/forms/customer.json")
    assert validate_one("form", body, app_key="after_sales") == []


def test_tab_keys_and_section_keys_are_unique_each_among_their_own_kind() -> None:
    body = copy.deepcopy(load("after_sales/forms/work_order.json"))
    tabs = body["layout"]["tabs"]
    tabs[0]["sections"][0]["key"] = "request"  # a section named like its tab is fine
    assert _problems("forms/work_order.json", body) == []
    tabs[1]["key"] = "request"
    tabs[1]["sections"][0]["key"] = "request"
    problems = _problems("forms/work_order.json", body)
    assert [(p, m) for _, p, m in problems] == [
        (
            "$.layout.tabs[1].key",
            "The tab key 'request' is already used at $.layout.tabs[0]; give each tab its own key.",
        ),
        (
            "$.layout.tabs[1].sections[0].key",
            "The section key 'request' is already used at $.layout.tabs[0].sections[0]; "
            "give each section its own key.",
        ),
    ]


def test_an_auto_number_fields_own_pattern_is_checked_at_its_path() -> None:
    body = copy.deepcopy(load("after_sales/forms/work_order.json"))
    body["fields"].append(
        {
            "key": "serial",
            "type": "auto_number",
            "label": "Serial",
            "numbering": {"pattern": "SN-{mm}-{seq:4}", "reset": "monthly"},
        }
    )
    here = f"$.fields[{len(body['fields']) - 1}].numbering"
    problems = _problems("forms/work_order.json", body)
    assert [path for _, path, _ in problems] == [f"{here}.reset"]
    assert "unless the pattern contains {yyyy}" in problems[0][2]
    body["fields"][-1]["numbering"] = {"pattern": "SN-{yyyy}{mm}-{seq:4}", "reset": "monthly"}
    assert _problems("forms/work_order.json", body) == []
