"""The checker's walk over a syntax tree: the type of each node kind, and its problems.

For :func:`check.check`, which runs one :class:`Checker` per rule. Function calls are
handed to :mod:`check_calls` (one rule per function) and :mod:`check_aggregates`.
"""

from __future__ import annotations

from typing import Any

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.check_aggregates import check_aggregate
from servicekit.runtime.rules.check_calls import CALLS
from servicekit.runtime.rules.check_messages import problem, unknown_function, wrong_arity
from servicekit.runtime.rules.check_operators import arith
from servicekit.runtime.rules.check_result import Info
from servicekit.runtime.rules.errors import Problem
from servicekit.runtime.rules.resolve import USER_ATTRIBUTES, Scope, find_in, label_texts
from servicekit.runtime.rules.rtypes import (
    BOOLEAN,
    NULL,
    NUMBER,
    TEXT,
    Type,
    comparable,
    field_type,
    list_of,
    orderable,
    unify,
)
from servicekit.runtime.rules.signatures import AGGREGATES, ARITY, FUNCTIONS, PYTHON_ONLY

_USER_ATTRIBUTE_TYPES = {"id": NUMBER, "roles": list_of(TEXT), "skills": list_of(TEXT)}


class Checker:
    """One pass over the tree; the tree is at most 64 levels deep, so recursion is safe.

    Collects every problem (not just the first), the ``Info`` of each node, the field paths
    the rule reads, and the problems that only keep the rule out of SQL filters.
    """

    def __init__(self, scope: Scope) -> None:
        self.root_scope = scope
        self.info: dict[int, Info] = {}
        self.problems: list[Problem] = []
        self.sql_problems: list[Problem] = []
        self.reads: set[str] = set()

    # -- what the node rules use ------------------------------------------------------
    def error(self, node: n.Node, message: str) -> Type:
        """Record a problem on ``node``; the node's type becomes null so checking goes on."""
        self.problems.append(problem(node, message))
        return NULL

    def not_in_sql(self, node: n.Node, message: str) -> None:
        """Record that ``node`` keeps the rule out of list and report filters."""
        self.sql_problems.append(problem(node, message))

    def note(self, node: n.Node, type_: Type, **kwargs: Any) -> Type:
        self.info[id(node)] = Info(type_, **kwargs)
        return type_

    def visit(self, node: n.Node, scope: Scope) -> Type:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        result: Type = method(node, scope)
        if id(node) not in self.info:
            self.info[id(node)] = Info(result)
        return result

    def boolean(self, node: n.Node, scope: Scope, what: str) -> None:
        found = self.visit(node, scope)
        if found.kind not in ("boolean", "null"):
            self.error(node, f"{what} must be true or false, not {found}")

    def expect(self, node: n.Node, scope: Scope, kinds: tuple[str, ...], what: str) -> Type:
        found = self.visit(node, scope)
        if found.kind not in kinds and found.kind != "null":
            self.error(node, f"{what} must be {' or '.join(kinds)}, not {found}")
        return found

    def path_of(self, node: n.Node) -> str | None:
        """The dotted field path a name or a chain of lookups reads, if it is one."""
        info = self.info.get(id(node))
        if isinstance(node, n.Name | n.Label) and info and info.key:
            return info.key
        if isinstance(node, n.Attr):
            base = self.path_of(node.target)
            return f"{base}.{info.key if info and info.key else node.name}" if base else None
        return None

    # -- leaves ---------------------------------------------------------------------
    def _literal(self, node: n.Literal, scope: Scope) -> Type:
        return {"number": NUMBER, "text": TEXT, "boolean": BOOLEAN}.get(node.kind, NULL)

    def _listliteral(self, node: n.ListLiteral, scope: Scope) -> Type:
        item = NULL
        for child in node.items:
            found = self.visit(child, scope)
            if found.is_list:
                self.error(child, "a list cannot contain lists")
                continue
            merged = unify(item, found)
            if merged is None:
                self.error(child, f"list items must have one type: {found} after {item}")
            else:
                item = merged
        return list_of(item)

    def _name(self, node: n.Name, scope: Scope) -> Type:
        return self._field(node, node.name, scope, by_label=False)

    def _label(self, node: n.Label, scope: Scope) -> Type:
        return self._field(node, node.text, scope, by_label=True)

    def _field(self, node: n.Node, name: str, scope: Scope, *, by_label: bool) -> Type:
        if not by_label and name.upper() in FUNCTIONS:
            return self.error(node, f"{name.upper()} is a function: write {name.upper()}(...)")
        found = scope.find(name, by_label=by_label)
        if found is None:
            shown = f"{{{name}}}" if by_label else name
            return self.error(node, f"unknown field {shown}{scope.suggestion(name)}")
        owner, key, type_ = found
        self.reads.add(owner.prefix + key)
        return self.note(node, type_, key=key, level=owner.level)

    def _userref(self, node: n.UserRef, scope: Scope) -> Type:
        return Type("user")

    # -- access ---------------------------------------------------------------------
    def _attr(self, node: n.Attr, scope: Scope) -> Type:
        target = self.visit(node.target, scope)
        if isinstance(node.target, n.UserRef):
            if node.name not in USER_ATTRIBUTES:
                return self.error(
                    node,
                    f"user has no attribute {node.name} (use one of {', '.join(USER_ATTRIBUTES)})",
                )
            return _USER_ATTRIBUTE_TYPES.get(node.name, TEXT)
        if target.kind not in ("record", "row"):
            if target.kind == "null":
                return NULL
            return self.error(node, f"'.{node.name}' needs a lookup field or a row, not {target}")
        item = find_in(target.fields, node.name)
        if item is None and node.label:
            item = next(
                (
                    f
                    for f in target.fields
                    if isinstance(f, dict) and node.name in label_texts(f.get("label"))
                ),
                None,
            )
        if item is None:
            what = f"form {target.form}" if target.form else "the row"
            shown = f"{{{node.name}}}" if node.label else node.name
            return self.error(node, f"{what} has no field {shown}")
        key = str(item["key"])
        base = self.info.get(id(node.target))
        if base is not None and base.key is not None and target.kind == "record":
            prefix = self.path_of(node.target)
            if prefix:
                self.reads.add(f"{prefix}.{key}")
        return self.note(node, field_type(item, scope.forms), key=key)

    def _index(self, node: n.Index, scope: Scope) -> Type:
        target = self.visit(node.target, scope)
        index = self.visit(node.index, scope)
        if index.kind not in ("number", "null"):
            self.error(node.index, f"a position must be a number, not {index}")
        if not target.is_list:
            return self.error(node, f"[...] needs a list, not {target}")
        self.not_in_sql(node, "[...] cannot be used in a filter")
        return target.item or NULL

    # -- operators --------------------------------------------------------------------
    def _unary(self, node: n.Unary, scope: Scope) -> Type:
        if node.op == "not":
            self.boolean(node.operand, scope, "the operand of not")
            return BOOLEAN
        found = self.visit(node.operand, scope)
        if found.kind not in ("number", "duration", "null"):
            return self.error(node, f"cannot negate {found}")
        return found

    def _chain(self, node: n.Chain, scope: Scope) -> Type:
        op = node.ops[0]
        if op in ("and", "or"):
            for operand in node.operands:
                self.boolean(operand, scope, f"each side of {op}")
            return BOOLEAN
        if op == "&":
            for operand in node.operands:
                found = self.visit(operand, scope)
                if found.is_list or found.kind in ("record", "row", "value"):
                    self.error(operand, f"& joins text, numbers and dates, not {found}")
            return TEXT
        result = self.visit(node.operands[0], scope)
        for symbol, operand in zip(node.ops, node.operands[1:], strict=True):
            right = self.visit(operand, scope)
            combined = arith(symbol, result, right)
            if combined is None:
                hint = " (use & to join text)" if "text" in (result.kind, right.kind) else ""
                self.error(operand, f"cannot apply {symbol} to {result} and {right}{hint}")
                return NULL
            result = combined
        return result

    def _compare(self, node: n.Compare, scope: Scope) -> Type:
        left = self.visit(node.left, scope)
        right = self.visit(node.right, scope)
        if node.op in ("in", "not in"):
            if right.kind == "null":
                return BOOLEAN
            if not right.is_list:
                self.error(node.right, f"'{node.op}' needs a list on its right, not {right}")
            elif left.is_list or not comparable(left, right.item or NULL):
                self.error(node, f"cannot look for {left} in {right}")
            return BOOLEAN
        if node.op in ("=", "!="):
            if not comparable(left, right):
                self.error(node, f"cannot compare {left} with {right}")
            return BOOLEAN
        if not orderable(left, right):
            self.error(node, f"cannot order {left} and {right} with {node.op}")
        return BOOLEAN

    def _isnull(self, node: n.IsNull, scope: Scope) -> Type:
        self.visit(node.operand, scope)
        return BOOLEAN

    # -- calls ------------------------------------------------------------------------
    def _call(self, node: n.Call, scope: Scope) -> Type:
        name = node.name
        if name not in ARITY:
            return self.error(node, unknown_function(name))
        arity_problem = wrong_arity(name, len(node.args))
        if arity_problem is not None:
            return self.error(node, arity_problem)
        if name in PYTHON_ONLY:
            self.not_in_sql(node, f"{name} cannot be used in a filter")
        if name in AGGREGATES:
            handled = check_aggregate(self, node, scope)
            if handled is not None:
                return handled
        return CALLS[name](self, node, scope)
