"""Golden cases: every stored expression gives its stored result or error, in Python and SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from servicekit.runtime.rules import RuleError, compile_rule
from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.check import ARITY
from servicekit.runtime.rules.parser import parse
from tests.runtime.rules.support import (
    RecordStore,
    as_json,
    case_values,
    evaluate,
    golden_cases,
    golden_form,
)

FORM = golden_form()
CASES = list(golden_cases())
OPERATORS = (
    "or",
    "and",
    "not",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "in",
    "not in",
    "is null",
    "is not null",
    "&",
    "+",
    "-",
    "*",
    "/",
    "%",
    "negate",
    ".",
    "[]",
)


def _compile(case: dict[str, Any]) -> Any:
    return compile_rule(case["expr"], FORM["fields"], forms=FORM["forms"])


@pytest.mark.parametrize(("case_id", "case"), CASES, ids=[c[0] for c in CASES])
def test_golden_case(case_id: str, case: dict[str, Any]) -> None:
    values = case_values(FORM, case)
    if "error" in case:
        with pytest.raises(RuleError) as caught:
            evaluate(_compile(case), FORM, values, case.get("previous"))
        problem = caught.value.problems[0]
        assert case["error"]["message"] in problem.message
        assert (problem.line, problem.column) == (case["error"]["line"], case["error"]["column"])
        return
    result = evaluate(_compile(case), FORM, values, case.get("previous"))
    assert as_json(result, FORM) == case["expect"]


FILTER_CASES = [
    (cid, c) for cid, c in CASES if isinstance(c.get("expect"), bool) and "previous" not in c
]


@pytest.mark.parametrize(("case_id", "case"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_golden_filter_matches_python(
    store: RecordStore, case_id: str, case: dict[str, Any]
) -> None:
    rule = _compile(case)
    if not rule.can_filter:
        pytest.skip(f"not a filter: {rule.sql_problems[0].message}")
    values = case_values(FORM, case)
    found = store.matches(
        rule, values, now=datetime.fromisoformat(FORM["now"]), user=FORM["user"], tz=FORM["tz"]
    )
    assert found is case["expect"]


def _uses(case: dict[str, Any]) -> list[tuple[str, bool]]:
    """``(operator or function, has a null argument)`` for each use in a case."""
    values = case_values(FORM, case)
    try:
        tree = parse(case["expr"])
    except RuleError:
        return []

    def is_null(node: n.Node) -> bool:
        if isinstance(node, n.Literal):
            return node.value is None
        if isinstance(node, n.Name):
            return values.get(node.name) in (None, "", [])
        return False

    out = []
    for node in n.walk(tree):
        if isinstance(node, n.Call):
            out.append((node.name, any(is_null(a) for a in node.args)))
        elif isinstance(node, n.Chain):
            for op in set(node.ops):
                out.append((op, any(is_null(o) for o in node.operands)))
        elif isinstance(node, n.Compare):
            out.append((node.op, is_null(node.left) or is_null(node.right)))
        elif isinstance(node, n.IsNull):
            out.append(("is not null" if node.negated else "is null", is_null(node.operand)))
        elif isinstance(node, n.Unary):
            # NOT(x) is the keyword not applied to a parenthesised operand.
            names = ["negate"] if node.op == "-" else ["not", "NOT"]
            out.extend((name, is_null(node.operand)) for name in names)
        elif isinstance(node, n.Attr):
            out.append((".", is_null(node.target)))
        elif isinstance(node, n.Index):
            out.append(("[]", is_null(node.target) or is_null(node.index)))
    return out


def test_every_operator_and_function_has_three_cases_one_with_null() -> None:
    counts: dict[str, int] = {}
    with_null: set[str] = set()
    for _, case in CASES:
        for name, null_arg in set(_uses(case)):
            counts[name] = counts.get(name, 0) + 1
            if null_arg:
                with_null.add(name)
    wanted = set(OPERATORS) | set(ARITY)
    thin = sorted(name for name in wanted if counts.get(name, 0) < 3)
    assert not thin, f"fewer than three golden cases: {thin}"
    no_null = sorted(wanted - with_null - {"NOW", "TODAY"})
    assert not no_null, f"no golden case with a null argument: {no_null}"


def test_there_are_at_least_300_golden_cases() -> None:
    assert len(CASES) >= 300


def _literal(expected: str, kind: str) -> str | None:
    """The expected value written in the rule language, for ``(expr) = literal`` filters."""
    if kind == "number":
        return expected
    if kind in ("text", "choice"):
        return '"' + expected.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if kind == "date":
        year, month, day = expected.split("-")
        return f"DATE({int(year)}, {int(month)}, {int(day)})"
    return None


VALUE_CASES = [
    (cid, c) for cid, c in CASES if isinstance(c.get("expect"), str) and "previous" not in c
]


@pytest.mark.parametrize(("case_id", "case"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_golden_value_in_sql(store: RecordStore, case_id: str, case: dict[str, Any]) -> None:
    """A case with a value result also holds in SQL as the filter ``(expr) = expected``."""
    kind = _compile(case).type
    literal = _literal(case["expect"], kind)
    if literal is None:
        pytest.skip(f"{kind} results are compared in Python only")
    rule = compile_rule(f"({case['expr']}) = {literal}", FORM["fields"], forms=FORM["forms"])
    if not rule.can_filter:
        pytest.skip(f"not a filter: {rule.sql_problems[0].message}")
    assert evaluate(rule, FORM, case_values(FORM, case)) is True
    found = store.matches(
        rule,
        case_values(FORM, case),
        now=datetime.fromisoformat(FORM["now"]),
        user=FORM["user"],
        tz=FORM["tz"],
    )
    assert found is True
