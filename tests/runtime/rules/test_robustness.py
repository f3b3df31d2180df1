"""Robustness: hostile or huge input only ever raises RuleError, and work is bounded by steps."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicekit.runtime.rules import LimitError, RuleError, compile_rule
from servicekit.runtime.rules.limits import MAX_STEPS
from tests.runtime.rules.support import golden_form

FORM = golden_form()
ALPHABET = st.sampled_from(
    list("()[]{}\"'.,+-*/%&=<>!ab1 0\n_\\")
    + [
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "SUM(",
        "IF(",
        "parts",
        "qty",
        "{数量}",
        "LEN(",
        "\u3000",
        "9" * 50,
    ]
)


def _run(source: str, values: dict[str, Any] | None = None) -> None:
    """Compile and evaluate; anything but RuleError propagates and fails the test."""
    try:
        rule = compile_rule(source, FORM["fields"], forms=FORM["forms"])
        rule.evaluate(values if values is not None else FORM["values"])
    except RuleError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_rule_error(source: str) -> None:
    _run(source)


@settings(max_examples=500, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_random_token_soup_only_raises_rule_error(source: str) -> None:
    _run(source)


def test_four_thousand_nested_parentheses_are_fine() -> None:
    rule = compile_rule("(" * 4000 + "1" + ")" * 4000, [])
    assert rule.evaluate({}) == 1


def test_deep_nesting_is_refused_before_any_recursion() -> None:
    with pytest.raises(RuleError, match="nested too deeply"):
        compile_rule("-" * 4000 + "1", [])
    with pytest.raises(RuleError, match="nested too deeply"):
        compile_rule("ABS(" * 1000 + "1" + ")" * 1000, [])


def test_a_2000_term_chain_is_refused_and_a_100_term_chain_accepted() -> None:
    with pytest.raises(RuleError, match="too large"):
        compile_rule("+".join(["1"] * 2000), [])
    assert compile_rule("+".join(["1"] * 100), []).evaluate({}) == 100


def test_oversized_source_and_literals_are_refused() -> None:
    with pytest.raises(RuleError, match="longer than 8 KiB"):
        compile_rule('"' + "a" * 9000 + '"', [])
    with pytest.raises(RuleError, match="more than 40 digits"):
        compile_rule("9" * 41, [])
    with pytest.raises(RuleError, match="past 40 digits"):
        compile_rule("9" * 40 + " * " + "9" * 40, []).evaluate({})


def test_long_text_values_are_bounded() -> None:
    rule = compile_rule("title & title & title", FORM["fields"])
    with pytest.raises(LimitError, match="longer than 100000"):
        rule.evaluate({"title": "x" * 40_000})
    assert rule.evaluate({"title": "x" * 1000}) == "x" * 3000


def test_oversized_lists_are_refused() -> None:
    rule = compile_rule("COUNT(parts)", FORM["fields"])
    with pytest.raises(LimitError, match="more than 10000 items"):
        rule.evaluate({"parts": [{"amount": 1}] * 10_001})


def test_step_budget_stops_quadratic_work() -> None:
    rule = compile_rule("SUM(parts, SUM(parts, amount))", FORM["fields"])
    rows = [{"amount": 1}] * 3000
    with pytest.raises(LimitError, match="too much work"):
        rule.evaluate({"parts": rows})
    small, steps = rule.evaluate_with_steps({"parts": rows[:30]})
    assert small == 900
    assert 900 <= steps < MAX_STEPS


def test_iferror_does_not_hide_a_limit() -> None:
    rule = compile_rule("IFERROR(SUM(parts, SUM(parts, amount)), 0)", FORM["fields"])
    with pytest.raises(LimitError):
        rule.evaluate({"parts": [{"amount": 1}] * 3000}, max_steps=10_000)


def test_bad_inputs_to_evaluate_are_rule_errors() -> None:
    rule = compile_rule("qty + 1", FORM["fields"])
    with pytest.raises(RuleError, match="not a number"):
        rule.evaluate({"qty": "many"})
    with pytest.raises(RuleError, match="mapping"):
        rule.evaluate(["qty"])  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="time zone"):
        rule.evaluate({}, tz="Mars/Olympus")


def test_no_eval_or_exec_in_the_package() -> None:
    from pathlib import Path

    import servicekit.runtime.rules as package

    for path in Path(package.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "eval(" not in text.replace(".evaluate(", "").replace("_eval(", ""), path
        assert "exec(" not in text, path
