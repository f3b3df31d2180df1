"""Turn what the checker found into :class:`Problem` messages a rule author can act on.

For the checker modules: each returns the text (or the positioned problem) so the wording
of a kind of mistake lives in one place.
"""

from __future__ import annotations

from difflib import get_close_matches

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.errors import Problem
from servicekit.runtime.rules.signatures import ARITY


def problem(node: n.Node, message: str) -> Problem:
    """A problem positioned on ``node``."""
    return Problem(message, line=node.line, column=node.column, end_column=node.end_column)


def unknown_function(name: str) -> str:
    """The message for a call of a name that is not a function, with the closest one."""
    close = get_close_matches(name, list(ARITY), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown function {name}{hint}"


def wrong_arity(name: str, count: int) -> str | None:
    """The message when ``name`` (a known function) is called with ``count`` arguments it
    does not take, or ``None`` when the count is right."""
    low, high = ARITY[name]
    if low <= count and (high is None or count <= high):
        return None
    expected = (
        f"{low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
    )
    return f"{name} takes {expected} argument{'' if expected == '1' else 's'}, not {count}"
