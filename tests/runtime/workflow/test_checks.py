"""Static checks of workflow graphs: every check has an invalid graph and its exact error."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from servicekit.platform.metadata import check_documents
from servicekit.platform.metadata.documents import Document, DocumentSet
from servicekit.runtime.workflow import check_workflows, graph_problems

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "sample_apps" / "after_sales"

FIELDS = [
    {"key": "title", "type": "text", "label": "Title"},
    {"key": "amount", "type": "decimal", "label": "Amount"},
    {"key": "owner", "type": "user", "label": "Owner"},
    {
        "key": "status",
        "type": "select",
        "label": "Status",
        "options": [{"value": "open", "label": "Open"}, {"value": "done", "label": "Done"}],
    },
]
FORMS = {"ticket": FIELDS}


def valid() -> dict[str, Any]:
    return {
        "key": "flow",
        "label": "Flow",
        "form": "ticket",
        "nodes": [
            {"key": "start", "kind": "start"},
            {
                "key": "work",
                "kind": "task",
                "assignment": {"strategy": "pool", "role": "agent"},
                "fields": {"title": "required"},
            },
            {"key": "gate", "kind": "exclusive"},
            {"key": "split", "kind": "parallel_split", "join": "join"},
            {"key": "a", "kind": "task", "assignment": {"strategy": "field", "field": "owner"}},
            {
                "key": "b",
                "kind": "approval",
                "mode": "all",
                "assignment": {"strategy": "pool", "role": "boss"},
            },
            {"key": "join", "kind": "parallel_join"},
            {"key": "done", "kind": "end", "outcome": "resolved"},
        ],
        "edges": [
            {"key": "go", "from": "start", "to": "work"},
            {"key": "submit", "from": "work", "to": "gate"},
            {"key": "big", "from": "gate", "to": "split", "guard": "amount > 100"},
            {"key": "small", "from": "gate", "to": "done", "default": True},
            {"key": "left", "from": "split", "to": "a"},
            {"key": "right", "from": "split", "to": "b"},
            {"key": "finish", "from": "a", "to": "join"},
            {"key": "approve", "from": "b", "to": "join"},
            {"key": "reject", "from": "b", "to": "work"},
            {"key": "out", "from": "join", "to": "done"},
        ],
    }


def problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    return graph_problems(body, FORMS)


def node(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(n for n in body["nodes"] if n["key"] == key)


def edge(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(e for e in body["edges"] if e["key"] == key)


def test_the_valid_graph_and_the_sample_workflow_have_no_problems() -> None:
    assert problems(valid()) == []
    sample = json.loads((SAMPLE / "workflows" / "work_order.json").read_text("utf-8"))
    forms = {
        path.stem: json.loads(path.read_text("utf-8"))["fields"]
        for path in (SAMPLE / "forms").glob("*.json")
    }
    assert graph_problems(sample, forms) == []


def test_exactly_one_start() -> None:
    body = valid()
    body["nodes"].append({"key": "start2", "kind": "start"})
    body["edges"].append({"key": "go", "from": "start2", "to": "work"})
    assert (
        "$.nodes",
        "The workflow needs exactly one start node; it has 2 (start, start2).",
    ) in problems(body)
    body = valid()
    node(body, "start")["kind"] = "task"
    node(body, "start")["assignment"] = {"strategy": "pool", "role": "agent"}
    assert ("$.nodes", "The workflow needs exactly one start node; it has 0.") in problems(body)


def test_every_node_reachable_from_start() -> None:
    body = valid()
    body["nodes"].append(
        {"key": "orphan", "kind": "task", "assignment": {"strategy": "pool", "role": "agent"}}
    )
    body["edges"].append({"key": "leave", "from": "orphan", "to": "done"})
    assert problems(body) == [
        ("$.nodes[8]", "Node 'orphan' cannot be reached from the start node.")
    ]


def test_every_node_can_reach_an_end() -> None:
    body = valid()
    body["nodes"].append(
        {"key": "trap", "kind": "task", "assignment": {"strategy": "pool", "role": "agent"}}
    )
    body["edges"].append({"key": "park", "from": "work", "to": "trap"})
    assert problems(body) == [("$.nodes[8]", "Node 'trap' has no path to an end node.")]


def test_exclusive_gateway_needs_one_default() -> None:
    body = valid()
    edge(body, "small")["default"] = False
    edge(body, "small")["guard"] = "amount <= 100"
    assert problems(body) == [
        (
            "$.nodes[2]",
            "Exclusive gateway 'gate' needs exactly one outgoing edge marked \"default\": true; "
            "it has 0.",
        )
    ]


def test_parallel_split_and_join_match() -> None:
    body = valid()
    node(body, "split")["join"] = "a"
    found = problems(body)
    assert (
        "$.nodes[3].join",
        "Parallel split 'split' names join 'a', which is not a parallel_join node.",
    ) in found
    assert ("$.nodes[6]", "Parallel join 'join' is not named by any parallel split.") in found

    body = valid()
    edge(body, "right")["to"] = "done"
    assert (
        "$.edges[5]",
        "Branch 'right' of parallel split 'split' never reaches its join 'join'.",
    ) in problems(body)

    body = valid()
    del node(body, "split")["join"]
    assert (
        "$.nodes[3]",
        "Parallel split 'split' names no join; set \"join\" to its parallel_join node.",
    ) in problems(body)


def test_a_loop_contains_a_task() -> None:
    body = valid()
    body["nodes"].append({"key": "spin", "kind": "exclusive"})
    edge(body, "small")["to"] = "spin"
    body["edges"] += [
        {"key": "again", "from": "spin", "to": "gate", "guard": "amount > 0"},
        {"key": "stop", "from": "spin", "to": "done", "default": True},
    ]
    assert problems(body) == [
        (
            "$.nodes[2]",
            "The loop through 'gate', 'spin' contains no task or approval node, so it would "
            "run forever.",
        )
    ]


def test_action_keys_unique_per_node() -> None:
    body = valid()
    body["edges"].append({"key": "submit", "from": "work", "to": "done"})
    assert problems(body) == [
        (
            "$.edges[10].key",
            "Node 'work' has two outgoing edges with key 'submit'; action keys must be unique "
            "per node.",
        )
    ]


def test_every_task_has_an_assignment_rule() -> None:
    body = valid()
    del node(body, "work")["assignment"]
    del node(body, "b")["assignment"]
    assert problems(body) == [
        ("$.nodes[1]", "Task node 'work' has no assignment rule."),
        ("$.nodes[5]", "Approval node 'b' has no assignment rule."),
    ]


def test_guards_and_expressions_type_check_against_the_form() -> None:
    body = valid()
    edge(body, "big")["guard"] = 'amount > "lots"'
    node(body, "work")["on_enter"] = [
        {"type": "set", "values": {"status": "nosuch + 1"}},
        {"type": "notify", "roles": ["agent"], "title": "{{ title + 1 }}"},
    ]
    found = problems(body)
    assert found == [
        (
            "$.edges[2].guard",
            "Guard of edge 'big' from node 'gate': line 1, column 1: cannot order number and "
            "text with >",
        ),
        (
            "$.nodes[1].on_enter[0].values.status",
            "Action 0 in on_enter of node 'work': line 1, column 1: unknown field nosuch",
        ),
        found[2],
    ]
    assert found[2][0] == "$.nodes[1].on_enter[1].title"
    assert found[2][1].startswith("Action 1 in on_enter of node 'work', title: line 1, column")


def test_a_guard_must_be_a_condition() -> None:
    body = valid()
    edge(body, "big")["guard"] = "amount + 1"
    found = problems(body)
    assert len(found) == 1 and found[0][0] == "$.edges[2].guard"
    assert found[0][1].startswith("Guard of edge 'big' from node 'gate': line 1, column 1:")


def test_field_permissions_name_real_fields() -> None:
    body = valid()
    node(body, "work")["fields"] = {"title": "required", "colour": "editable"}
    assert problems(body) == [
        (
            "$.nodes[1].fields.colour",
            "Node 'work' gives a right on 'colour', which is not a field of form 'ticket'.",
        )
    ]


def test_unknown_nodes_in_edges_are_named() -> None:
    body = valid()
    edge(body, "out")["to"] = "nowhere"
    found = problems(body)
    assert ("$.edges[9].to", "Edge 'out' enters unknown node 'nowhere'.") in found


def test_approvals_need_approve_and_reject_and_thresholds() -> None:
    body = valid()
    node(body, "b")["mode"] = "count"
    edge(body, "reject")["key"] = "deny"
    assert problems(body) == [
        ("$.nodes[5]", "Approval node 'b' needs outgoing edges with keys 'approve' and 'reject'."),
        ("$.nodes[5]", "Approval node 'b' in count mode needs a threshold."),
    ]


def test_field_assignment_must_name_a_user_field() -> None:
    body = valid()
    node(body, "a")["assignment"] = {"strategy": "field", "field": "title"}
    assert problems(body) == [
        (
            "$.nodes[4].assignment.field",
            "Node 'a' assigns to field 'title', which is not a user field of form 'ticket'.",
        )
    ]


def test_the_checks_run_as_the_workflow_validator_with_file_names() -> None:
    body = valid()
    del node(body, "work")["assignment"]
    docset = DocumentSet(
        "demo",
        [
            Document(
                "form",
                "ticket",
                "forms/ticket.json",
                {"key": "ticket", "label": "T", "fields": FIELDS},
            ),
            Document("workflow", "flow", "workflows/flow.json", body),
        ],
    )
    found = check_documents(docset, {"workflow": [check_workflows]})
    assert [str(p) for p in found] == [
        "workflows/flow.json: $.nodes[1]: Task node 'work' has no assignment rule."
    ]


@pytest.mark.parametrize("kind", ["start", "end"])
def test_start_and_end_edges(kind: str) -> None:
    body = copy.deepcopy(valid())
    if kind == "start":
        body["edges"].append({"key": "also", "from": "start", "to": "done"})
        assert problems(body) == [
            ("$.nodes[0]", "Start node 'start' needs exactly one outgoing edge; it has 2.")
        ]
    else:
        body["edges"].append({"key": "more", "from": "done", "to": "work"})
        assert problems(body) == [("$.nodes[7]", "End node 'done' cannot have outgoing edges.")]
