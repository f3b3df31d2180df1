"""Check every rule in a set of form documents; returns metadata problems with JSON paths.

Used by the platform when forms are published or packages installed (registered by
``init_app``); it never raises for bad input, it reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from servicekit.runtime.rules.errors import RuleError
from servicekit.runtime.rules.rule import Rule, compile_rule
from servicekit.runtime.rules.signatures import FUNCTIONS
from servicekit.runtime.rules.template import compile_template

CONDITIONS = ("visible_if", "required_if", "readonly_if")
_RESULT_TYPES = {
    "integer": "number",
    "decimal": "number",
    "number": "number",
    "text": "text",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "duration": "duration",
}

# (message, JSON path) pairs; the caller wraps them into its own problem type.
Found = tuple[str, str]
# (form key, message, JSON path) for a whole set of forms.
FormFound = tuple[str, str, str]


def _fields(body: Any) -> list[dict[str, Any]]:
    fields = body.get("fields") if isinstance(body, dict) else None
    return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def check_forms(forms: dict[str, Any]) -> list[FormFound]:
    """Every rule problem of every form in ``forms`` (form key → form document)."""
    catalog = {key: _fields(body) for key, body in forms.items()}
    found: list[FormFound] = []
    for key, body in forms.items():
        found.extend((key, message, path) for message, path in _function_names(body))
        found.extend((key, message, path) for message, path in _check_form(key, body, catalog))
    return found


def _function_names(body: Any) -> list[Found]:
    """Field keys that are function names: rules could never read them (``count`` is COUNT)."""
    found: list[Found] = []

    def visit(fields: list[dict[str, Any]], path: str) -> None:
        for index, item in enumerate(fields):
            key = item.get("key")
            if isinstance(key, str) and key.upper() in FUNCTIONS:
                found.append(
                    (
                        f"'{key}' is the name of the rule function {key.upper()}; rules could not "
                        "read a field with this key, so choose another (for example "
                        f"'{key}_value')",
                        f"{path}[{index}].key",
                    )
                )
            if isinstance(item.get("fields"), list):
                visit(item["fields"], f"{path}[{index}].fields")

    visit(_fields(body), "$.fields")
    return found


def _rules_of(fields: list[dict[str, Any]], path: str) -> Iterator[tuple[str, str, str | None]]:
    for index, item in enumerate(fields):
        where = f"{path}[{index}]"
        for name in CONDITIONS:
            if isinstance(item.get(name), str):
                yield f"{where}.{name}", item[name], "boolean"
        if isinstance(item.get("default_rule"), str):
            yield f"{where}.default_rule", item["default_rule"], None
        if item.get("type") == "formula" and isinstance(item.get("expr"), str):
            yield f"{where}.expr", item["expr"], _RESULT_TYPES.get(str(item.get("result_type")))


def _check_form(key: str, body: Any, catalog: dict[str, list[dict[str, Any]]]) -> list[Found]:
    fields = _fields(body)
    found: list[Found] = []

    def attempt(
        path: str,
        source: str,
        scope: list[dict[str, Any]],
        expect: str | None,
        template: bool = False,
    ) -> Rule | None:
        try:
            if template:
                compile_template(source, scope, catalog)
                return None
            return compile_rule(source, scope, forms=catalog, expect=expect)
        except RuleError as exc:
            for problem in exc.problems:
                found.append(
                    (f"line {problem.line}, column {problem.column}: {problem.message}", path)
                )
        return None

    reads: dict[str, frozenset[str]] = {}
    for path, source, expect in _rules_of(fields, "$.fields"):
        rule = attempt(path, source, fields, expect)
        if rule is not None and path.endswith(".expr"):
            index = int(path.split("[")[1].split("]")[0])
            reads[str(fields[index].get("key"))] = rule.fields
    for index, item in enumerate(fields):
        if item.get("type") != "subform":
            continue
        rows = _fields(item)
        # Inside a row, the row's own fields come first and the record's stay visible.
        scope = rows + [f for f in fields if f.get("key") not in {r.get("key") for r in rows}]
        for path, source, expect in _rules_of(rows, f"$.fields[{index}].fields"):
            attempt(path, source, scope, expect)
    validations = body.get("validations") if isinstance(body, dict) else None
    for index, item in enumerate(validations if isinstance(validations, list) else []):
        if isinstance(item, dict) and isinstance(item.get("rule"), str):
            attempt(f"$.validations[{index}].rule", item["rule"], fields, "boolean")
    title = body.get("title") if isinstance(body, dict) else None
    if isinstance(title, str):
        attempt("$.title", title, fields, None, template=True)
    found.extend(_cycles(reads, fields))
    return found


def _cycles(reads: dict[str, frozenset[str]], fields: list[dict[str, Any]]) -> list[Found]:
    """Formulas that depend on themselves, directly or through other formulas."""
    positions = {str(f.get("key")): i for i, f in enumerate(fields)}
    found: list[Found] = []
    for start in reads:
        stack, seen = [start], set()
        while stack:
            current = stack.pop()
            for name in reads.get(current, ()):
                if name == start:
                    found.append(
                        (f"formula {start} depends on itself", f"$.fields[{positions[start]}].expr")
                    )
                    stack.clear()
                    break
                if name not in seen:
                    seen.add(name)
                    stack.append(name)
    return found
