"""check_documents and validate_one: every problem at once, engines' validators, and their failures."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from servicekit.platform.metadata import (
    Document,
    DocumentSet,
    Problem,
    check_documents,
    validate_one,
)
from servicekit.platform.registry import Registry

from ._fixtures import load, package, replaced


def _three_broken_files() -> DocumentSet:
    docset = package()
    app = copy.deepcopy(load("after_sales/app.json"))
    app["navigation"][0]["form"] = "work_orders"  # a form that does not exist
    customer = copy.deepcopy(load("after_sales/forms/customer.json"))
    customer["fields"][0]["type"] = "string"  # not a field type
    manifest = dict(load("after_sales/manifest.json"))
    del manifest["version"]
    for file, body in (("app.json", app), ("forms/customer.json", customer)):
        docset = replaced(docset, file, body)
    return replaced(docset, "manifest.json", manifest)


def test_three_broken_files_are_all_reported_with_file_and_path() -> None:
    problems = check_documents(_three_broken_files())
    assert [(p.file, p.path) for p in problems] == [
        ("app.json", "$.navigation[0].form"),
        ("forms/customer.json", "$.fields[0].type"),
        ("manifest.json", "$"),
    ]
    assert "needs 'version'" in problems[2].message
    assert str(problems[1]).startswith('forms/customer.json: $.fields[0].type: "string" is not')


def test_validators_run_per_kind_and_see_only_documents_that_passed() -> None:
    seen: list[list[str]] = []

    def forms_check(docset: DocumentSet) -> list[Problem]:
        seen.append(sorted(doc.file for doc in docset.documents))
        return [Problem("Rule 'x' is unknown.", "$.title", "forms/work_order.json")]

    def workflow_check(docset: DocumentSet) -> list[Problem]:
        raise AssertionError("no workflow in the set, so this must not run")

    problems = check_documents(
        _three_broken_files(), {"form": [forms_check], "workflow": [workflow_check]}
    )
    assert seen == [["app.json", "forms/work_order.json"]]
    assert ("forms/work_order.json", "$.title") in [(p.file, p.path) for p in problems]
    assert len(problems) == 4


def test_a_validator_that_crashes_becomes_a_problem_and_the_rest_still_run() -> None:
    def broken(docset: DocumentSet) -> list[Problem]:
        raise KeyError("nodes")

    def sound(docset: DocumentSet) -> list[Problem]:
        return [Problem("Guard is never true.", "$.fields[0]", "forms/customer.json")]

    registry = Registry()
    registry.add_validator("form", broken)
    registry.add_validator("form", sound)
    problems = check_documents(package(), registry)
    assert [p.path for p in problems] == ["$", "$.fields[0]"]
    crash = problems[0]
    assert crash.file is None
    assert "broken" in crash.message and "KeyError" in crash.message
    assert "The other checks ran" in crash.message


def test_validators_may_be_given_as_pairs_and_through_the_app_registry() -> None:
    calls: list[str] = []

    def app_check(docset: DocumentSet) -> list[Problem]:
        calls.append(docset.app_key)
        return []

    assert check_documents(package(), [("app", app_check)]) == []
    app = Flask(__name__)
    from servicekit.platform import registry as registry_module

    registry_module.init_app(app)
    registry_module.get_registry(app).add_validator("app", app_check)
    assert check_documents(package(), registry_module.get_registry(app)) == []
    assert calls == ["after_sales", "after_sales"]


def test_an_unreadable_file_is_left_to_its_reader() -> None:
    docset = package()
    docset.documents.append(Document("form", "broken", "forms/broken.json", None))
    assert check_documents(docset) == []


def test_validate_one_checks_a_draft_among_the_other_documents() -> None:
    body: dict[str, Any] = copy.deepcopy(load("after_sales/forms/work_order.json"))
    body["fields"][0]["form"] = "client"
    body["permissions"]["auditor"] = {"read": True}
    body["fields"][1]["label"] = ""
    problems = validate_one("form", body, app_key="after_sales", others=package())
    # The schema problem stops the static checks for this document, as at publishing.
    assert [(p.file, p.path) for p in problems] == [("forms/work_order.json", "$.fields[1].label")]
    body["fields"][1]["label"] = "Subject"
    problems = validate_one("form", body, app_key="after_sales", others=package())
    assert [p.path for p in problems] == ["$.fields[0].form", "$.permissions.auditor"]


def test_validate_one_replaces_the_stored_copy_and_ignores_other_files_problems() -> None:
    others = replaced(package(), "forms/customer.json", {"key": "customer"})
    body = load("after_sales/forms/work_order.json")
    assert validate_one("form", body, app_key="after_sales", others=others) == []
    new_customer = dict(load("after_sales/forms/customer.json"), label={"en": "Client"})
    assert validate_one("form", new_customer, app_key="after_sales", others=others) == []


def test_validate_one_of_nothing() -> None:
    problems = validate_one("app", None, app_key="x")
    assert [(p.file, p.path) for p in problems] == [("app.json", "$")]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["key", "label", "type", "fields", "options", "layout", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["manifest", "app", "form", "workflow", "sla"]), body=_json)
def test_any_json_gives_problems_not_crashes(kind: str, body: Any) -> None:
    problems = validate_one(kind, body, app_key="x", others=package())
    for problem in problems:
        assert problem.path.startswith("$")
        assert problem.message.endswith((".", "?"))
        assert problem.file is not None


_keys = st.sampled_from(["a", "b", "user", "id", "customer", "parts"])
_field = st.fixed_dictionaries(
    {"key": _keys, "label": st.just("L"), "type": st.sampled_from(["text", "integer", "lookup"])},
    optional={"form": st.sampled_from(["customer", "nowhere"]), "min": st.integers(-2, 2)},
)


@settings(max_examples=150, deadline=None)
@given(
    fields=st.lists(_field, min_size=1, max_size=5),
    rows=st.lists(st.lists(_keys, min_size=1, max_size=3), max_size=3),
    pattern=st.text(alphabet="{}seq:0123yd-", max_size=12),
)
def test_schema_valid_forms_never_crash_the_static_checks(
    fields: list[dict[str, Any]], rows: list[list[str]], pattern: str
) -> None:
    body: dict[str, Any] = {"key": "fuzz", "label": "F", "fields": fields}
    if rows:
        body["layout"] = {"sections": [{"key": "s", "rows": rows}]}
    if pattern:
        body["numbering"] = {"pattern": pattern, "reset": "daily"}
    for problem in validate_one("form", body, app_key="x", others=package()):
        assert problem.file == "forms/fuzz.json"
        assert problem.message.endswith((".", "?"))
