"""What a successful check hands to the back ends: the tree, its type and per-node facts.

For :mod:`pyback` and :mod:`sqlback`, which read ``Info`` by node id while evaluating or
compiling, and for :mod:`rule`, which keeps the ``Checked`` of every compiled rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.errors import Problem
from servicekit.runtime.rules.rtypes import Type


@dataclass(frozen=True)
class Info:
    """What the checker learned about one node: its type and, for fields, where they live.

    ``level`` is the scope level of a field reference (0 the record, 1 the rows of the
    innermost aggregate...); ``key`` the field key; ``unit`` a date unit argument.
    """

    type: Type
    key: str | None = None
    level: int = 0
    unit: str | None = None


@dataclass
class Checked:
    """The result of a successful check: the tree, its type and per-node information."""

    tree: n.Node
    type: Type
    info: dict[int, Info]
    reads: set[str] = field(default_factory=set)
    sql_problems: list[Problem] = field(default_factory=list)
