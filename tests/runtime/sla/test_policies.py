"""SLA policy documents: the after-sales policies pass, and each kind of mistake is named by path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from servicekit.platform.metadata import Document, validate_one
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.runtime.sla import check_policies

SAMPLE = Path(__file__).resolve().parents[3] / "sample_apps" / "after_sales"


def _load(relative: str) -> Any:
    return json.loads((SAMPLE / relative).read_text(encoding="utf-8"))


FORMS = {p.stem: _load(f"forms/{p.name}") for p in (SAMPLE / "forms").glob("*.json")}
WORKFLOWS = {"work_order": _load("workflows/work_order.json")}
ROLES = {role["key"] for role in _load("app.json")["roles"]}


def _check(policy: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (path, message)
        for _, path, message in check_policies({"p": policy}, FORMS, WORKFLOWS, ROLES)
    ]


@pytest.mark.parametrize("key", ["urgent", "normal"])
def test_the_sample_policies_pass_schema_and_checks(key: str) -> None:
    policy = _load(f"sla/{key}.json")
    assert schema_problems("sla", policy) == []
    assert _check(policy) == []


def test_the_sample_package_documents_check_clean_together(app: Any) -> None:
    from servicekit.platform.registry import get_registry

    others = [
        Document(kind, path.stem, f"{folder}/{path.name}", json.loads(path.read_text("utf-8")))
        for kind, folder in (
            ("form", "forms"),
            ("workflow", "workflows"),
            ("calendar", "calendars"),
        )
        for path in (SAMPLE / folder).glob("*.json")
    ]
    others.append(Document("app", "after_sales", "app.json", _load("app.json")))
    for key in ("urgent", "normal"):
        body = _load(f"sla/{key}.json")
        assert (
            validate_one(
                "sla", body, app_key="after_sales", others=others, validators=get_registry(app)
            )
            == []
        )
    broken = copy.deepcopy(_load("sla/urgent.json"))
    broken["condition"] = 'priority == "asap" and nonsense > 1'
    problems = validate_one(
        "sla", broken, app_key="after_sales", others=others, validators=get_registry(app)
    )
    assert [p.path for p in problems] == ["$.condition"]
    assert problems[0].file == "sla/urgent.json" and "nonsense" in problems[0].message


def _urgent() -> dict[str, Any]:
    return copy.deepcopy(_load("sla/urgent.json"))


def _mistake(edit: Any) -> list[tuple[str, str]]:
    policy = _urgent()
    edit(policy)
    return _check(policy)


def test_a_condition_that_is_not_boolean_is_refused() -> None:
    found = _mistake(lambda p: p.update(condition="labor_cost + 1"))
    assert [path for path, _ in found] == ["$.condition"]


def test_unknown_nodes_name_the_workflows_nodes() -> None:
    found = _mistake(lambda p: p["targets"]["nodes"].update(repair={"within": "1h"}))
    assert found[0][0] == "$.targets.nodes.repair" and "dispatch" in found[0][1]
    found = _mistake(lambda p: p.update(pause={"nodes": ["waiting_for_parts"]}))
    assert [path for path, _ in found] == ["$.pause.nodes[0]"]


def test_steps_out_of_firing_order_and_doubled_keys() -> None:
    def swap(policy: dict[str, Any]) -> None:
        ladder = policy["targets"]["response"]["ladder"]
        ladder[0], ladder[1] = ladder[1], ladder[0]

    assert [path for path, _ in _mistake(swap)] == ["$.targets.response.ladder[1]"]

    def double(policy: dict[str, Any]) -> None:
        policy["targets"]["response"]["ladder"][2]["key"] = "warn"

    assert [path for path, _ in _mistake(double)] == ["$.targets.response.ladder[2].key"]


def test_a_warning_before_the_clock_starts_is_refused() -> None:
    def early(policy: dict[str, Any]) -> None:
        policy["targets"]["response"]["ladder"] = [
            {
                "key": "warn",
                "minutes_before_due": 45,
                "actions": [{"type": "notify", "roles": ["supervisor"]}],
            }
        ]

    assert [path for path, _ in _mistake(early)] == [
        "$.targets.response.ladder[0].minutes_before_due"
    ]


def test_actions_name_declared_roles_and_real_fields() -> None:
    def bad_actions(policy: dict[str, Any]) -> None:
        policy["targets"]["resolution"]["ladder"][1]["actions"] = [
            {"type": "notify", "roles": ["ceo"]},
            {"type": "reassign", "role": "dispatcher", "user": "admin"},
            {"type": "raise_priority", "to": "critical"},
            {"type": "set_field", "field": "colour", "to": "red"},
            {"type": "notify", "assignee_field": "description"},
            {"type": "notify", "roles": ["supervisor"], "message": "{{ number }} {{ colour }}"},
        ]

    paths = [path for path, _ in _mistake(bad_actions)]
    base = "$.targets.resolution.ladder[1].actions"
    assert paths == [
        f"{base}[0].roles",
        f"{base}[1]",
        f"{base}[2].to",
        f"{base}[3].field",
        f"{base}[4].assignee_field",
        f"{base}[5].message",
    ]


def test_counts_only_on_response_and_no_zero_targets() -> None:
    found = _mistake(lambda p: p["targets"]["resolution"].update(counts="accept"))
    assert [path for path, _ in found] == ["$.targets.resolution.counts"]
    found = _mistake(lambda p: p["targets"]["response"].update(within="0m"))
    assert [path for path, _ in found] == ["$.targets.response.within"]


def test_the_action_that_counts_as_response_must_exist() -> None:
    assert _mistake(lambda p: p["targets"]["response"].update(counts="dispatch")) == []
    found = _mistake(lambda p: p["targets"]["response"].update(counts="acept"))
    assert found == [
        (
            "$.targets.response.counts",
            "The workflow has no action 'acept'; its actions are accept, approve, begin, cancel, "
            "close, complete, dispatch, needs_review, no_review, reject.",
        )
    ]


def test_two_policies_of_one_form_may_not_share_an_order() -> None:
    urgent, normal = _urgent(), _load("sla/normal.json")
    normal["order"] = urgent["order"]
    found = check_policies({"urgent": urgent, "normal": normal}, FORMS, WORKFLOWS, ROLES)
    assert [(key, path) for key, path, _ in found] == [("urgent", "$.order")]


def test_the_schema_wants_exactly_one_firing_time_per_step() -> None:
    policy = _urgent()
    policy["targets"]["response"]["ladder"][0]["minutes_after_due"] = 5
    assert [p.path for p in schema_problems("sla", policy)] == ["$.targets.response.ladder[0]"]
