"""Type-check a syntax tree against a form: returns the types of every node or every problem.

The checker resolves names through :mod:`resolve`, reports every problem it finds (not
just the first), and records which field paths the rule reads. For :mod:`rule`, which
checks each rule once before either back end sees it.

The work is split by job: :mod:`check_nodes` (the type of each node kind),
:mod:`check_calls` and :mod:`check_aggregates` (functions), :mod:`check_operators`
(arithmetic types), :mod:`signatures` (the function table), :mod:`check_messages`
(problem wording) and :mod:`check_result` (what the back ends receive). The names they
export that other modules use are re-exported here.
"""

from __future__ import annotations

from typing import Any

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.check_nodes import Checker
from servicekit.runtime.rules.check_operators import arith
from servicekit.runtime.rules.check_result import Checked, Info
from servicekit.runtime.rules.errors import Problem
from servicekit.runtime.rules.resolve import Scope
from servicekit.runtime.rules.rtypes import OPAQUE, Type, unify
from servicekit.runtime.rules.signatures import (
    AGGREGATES,
    ARITY,
    FUNCTIONS,
    PYTHON_ONLY,
    UNITS,
)

__all__ = [
    "AGGREGATES",
    "ARITY",
    "FUNCTIONS",
    "PYTHON_ONLY",
    "UNITS",
    "Checked",
    "Info",
    "arith",
    "check",
]


def check(
    tree: n.Node,
    fields: list[dict[str, Any]],
    forms: dict[str, list[dict[str, Any]]] | None = None,
    expect: Type | None = None,
) -> tuple[Checked | None, list[Problem]]:
    """Check ``tree`` against ``fields``; return the result, or ``None`` and every problem."""
    scope = Scope(tuple(f for f in fields if isinstance(f, dict)), dict(forms or {}))
    checker = Checker(scope)
    result = checker.visit(tree, scope)
    if result.kind == "value":
        result = OPAQUE
    if expect is not None and not checker.problems and result.kind != "null":
        if unify(expect, result) != expect and not (
            expect.kind == "number" and result.kind == "number"
        ):
            checker.error(tree, f"the rule must give {expect}, but it gives {result}")
    if checker.problems:
        ordered = sorted(checker.problems, key=lambda p: (p.line, p.column))
        return None, ordered
    return Checked(tree, result, checker.info, checker.reads, checker.sql_problems), []
