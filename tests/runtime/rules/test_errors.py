"""Error quality: the messages, positions and caret excerpts authors see for common mistakes."""

from __future__ import annotations

import pytest

from servicekit.runtime.rules import RuleError, compile_rule
from tests.runtime.rules.support import golden_form

FORM = golden_form()


def _problems(source: str) -> list[tuple[str, int, int, int]]:
    with pytest.raises(RuleError) as caught:
        compile_rule(source, FORM["fields"], forms=FORM["forms"])
    return [(p.message, p.line, p.column, p.end_column) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('priorty = "urgent"', ("unknown field priorty (did you mean priority?)", 1, 1, 8)),
        ('{故障等} = "urgent"', ("unknown field {故障等} (did you mean 故障等级?)", 1, 1, 6)),
        ("priority > 3", ("cannot order choice and number with >", 1, 1, 13)),
        ("LEFT(title, 1, 2)", ("LEFT takes 1 to 2 arguments, not 3", 1, 1, 18)),
        ("MOD(7)", ("MOD takes 2 arguments, not 1", 1, 1, 7)),
        ('title = "abc', ('unclosed text: add the closing " on the same line', 1, 9, 10)),
        ("qty +", ("the rule ends too early: an operand is missing", 1, 6, 7)),
        ("qty * / 2", ("unexpected '/': an operand is missing or misplaced", 1, 7, 8)),
        (
            "qty < price < 3",
            (
                "comparisons cannot be chained; combine them with 'and' (write a < b and b < c)",
                1,
                13,
                14,
            ),
        ),
        (
            "SUM(qty, 1) > 2",
            ("SUM needs a subform or a list as its first argument, not number", 1, 5, 8),
        ),
    ],
)
def test_error_message_and_position(source: str, expected: tuple[str, int, int, int]) -> None:
    assert _problems(source)[0] == expected


def test_every_problem_is_reported_at_once() -> None:
    problems = _problems("qty > 1 and\n  prise > 2 and nope = 1 and LEN(qty) = 1")
    assert [(m.split(" (")[0], line, col) for m, line, col, _ in problems] == [
        ("unknown field prise", 2, 3),
        ("unknown field nope", 2, 17),
        ("the text of LEN must be text or choice, not number", 2, 34),
    ]


def test_error_renders_a_caret_under_the_problem() -> None:
    with pytest.raises(RuleError) as caught:
        compile_rule("qty > 1 and\n  prise > 2", FORM["fields"])
    assert caught.value.render() == (
        "line 2, column 3: unknown field prise (did you mean price?)\n  prise > 2\n  ^^^^^"
    )


def test_expected_type_is_enforced() -> None:
    with pytest.raises(RuleError) as caught:
        compile_rule("qty + 1", FORM["fields"], expect="boolean")
    assert caught.value.problems[0].message == "the rule must give boolean, but it gives number"
