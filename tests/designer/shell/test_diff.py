"""The version diff: readable changes by JSON path, keyed lists matched by key."""

from __future__ import annotations

from servicekit.designer.shell.diff import diff


def test_changes_are_listed_by_json_path() -> None:
    old = {
        "key": "f",
        "label": {"zh": "表", "en": "Form"},
        "fields": [{"key": "a", "type": "text"}],
    }
    new = {
        "key": "f",
        "label": {"zh": "表", "en": "Sheet"},
        "fields": [{"key": "a", "type": "integer"}],
    }
    assert [(c.path, c.op, c.old, c.new) for c in diff(old, new)] == [
        ("$.label.en", "changed", "Form", "Sheet"),
        ("$.fields[0].type", "changed", "text", "integer"),
    ]


def test_keyed_lists_are_matched_by_key() -> None:
    a, b, c = ({"key": k, "type": "text"} for k in "abc")
    changes = diff({"fields": [a, b, c]}, {"fields": [b, c, a, {"key": "d", "type": "date"}]})
    assert [(c.path, c.op) for c in changes] == [
        ("$.fields[2]", "moved"),
        ("$.fields[3]", "added"),
    ]
    removed = diff({"fields": [a, b]}, {"fields": [b]})
    assert [(c.path, c.op, c.old) for c in removed] == [("$.fields[0]", "removed", a)]


def test_same_documents_have_no_difference() -> None:
    assert diff({"x": [1, 2]}, {"x": [1, 2]}) == []
    assert [(c.path, c.op) for c in diff({"x": [1, 2]}, {"x": [1]})] == [("$.x[1]", "removed")]
