"""The rule language's syntax tree: frozen dataclasses that carry their source position.

Every node knows its ``size`` (nodes beneath and including it) and ``depth`` (nesting
levels, a flattened operator chain counting as one) so that limits are enforced while the
tree is built bottom-up, before any recursive pass can run.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """Base of every syntax node: 1-based line and column, exclusive end column."""

    line: int = field(kw_only=True)
    column: int = field(kw_only=True)
    end_column: int = field(kw_only=True)
    size: int = field(kw_only=True, default=1, compare=False, repr=False)
    depth: int = field(kw_only=True, default=1, compare=False, repr=False)


@dataclass(frozen=True)
class Literal(Node):
    """A number (``Decimal``), text, boolean or null written in the rule."""

    value: object
    kind: str  # "number", "text", "boolean", "null"


@dataclass(frozen=True)
class ListLiteral(Node):
    """``[a, b, c]``."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Name(Node):
    """A bare identifier: a field key (resolved by the checker)."""

    name: str


@dataclass(frozen=True)
class Label(Node):
    """A field written by its label in braces, ``{优先级}``."""

    text: str


@dataclass(frozen=True)
class UserRef(Node):
    """The acting user, ``user``."""


@dataclass(frozen=True)
class Attr(Node):
    """Dot access: ``customer.level``, ``user.region``, ``{客户}.{客户等级}``."""

    target: Node
    name: str
    label: bool = False


@dataclass(frozen=True)
class Index(Node):
    """``items[1]``: 1-based, like every position in the language."""

    target: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    """A function call; ``name`` is upper-cased."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    """``-x`` or ``not x``."""

    op: str
    operand: Node


@dataclass(frozen=True)
class Chain(Node):
    """A flattened chain of one precedence level: ``a + b - c``, ``a and b and c``, ``a & b``.

    ``ops[i]`` sits between ``operands[i]`` and ``operands[i + 1]``.
    """

    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    """One comparison: ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in``, ``not in``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class IsNull(Node):
    """``x is null`` or ``x is not null``."""

    operand: Node
    negated: bool


def children(node: Node) -> tuple[Node, ...]:
    """The direct children of ``node`` in source order."""
    if isinstance(node, ListLiteral):
        return node.items
    if isinstance(node, Attr):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Chain):
        return node.operands
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, IsNull):
        return (node.operand,)
    return ()


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children, without recursion."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(reversed(children(current)))
    return out
