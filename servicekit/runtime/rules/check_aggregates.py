"""Type-check an aggregate call (SUM, COUNT, COUNTIF, SUMIF, AVERAGE, MIN, MAX, JOIN).

For the checker: an aggregate runs over a subform's rows (its later arguments are checked
once per row, in the rows' scope) or over a plain list; MIN and MAX of plain values are
left to :mod:`check_calls`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.check_result import Info
from servicekit.runtime.rules.resolve import Scope
from servicekit.runtime.rules.rtypes import DURATION, NULL, NUMBER, TEXT, Type

if TYPE_CHECKING:
    from servicekit.runtime.rules.check_nodes import Checker

_TEXT_KINDS = ("text", "choice")
# Position (among the per-row arguments) of the condition of the conditional aggregates.
_CONDITIONS = {"COUNTIF": [0], "SUMIF": [0]}
_NEED_VALUE = ("SUM", "AVERAGE", "SUMIF", "MIN", "MAX", "JOIN")
_COMPARABLE = ("number", "text", "choice", "date", "datetime", "duration", "null")


def check_aggregate(c: Checker, node: n.Call, scope: Scope) -> Type | None:
    """The type of the aggregate ``node``, or ``None`` for MIN/MAX of plain values."""
    name, args = node.name, node.args
    first = c.visit(args[0], scope)
    # MIN/MAX of plain values compare them; any other first argument must be a list.
    if name in ("MIN", "MAX") and not first.is_list:
        return None
    if not first.is_list:
        if first.kind == "null":
            return NUMBER if name != "JOIN" else TEXT
        return c.error(
            args[0], f"{name} needs a subform or a list as its first argument, not {first}"
        )
    item = first.item or NULL
    rows = item.kind == "row"
    # In SQL an aggregate is a subquery over a subform's child table of the record.
    if not rows or scope.level > 0 or not isinstance(args[0], n.Name | n.Label):
        c.not_in_sql(node, f"{name} over this list cannot be used in a filter")
    if rows:
        prefix = (c.path_of(args[0]) or "") + "."
        inner = scope.child(item.fields, scope.prefix + prefix if prefix != "." else "")
        c.note(node, NUMBER, level=inner.level)
    body = list(args[1:])
    if name == "JOIN" and not rows:
        # JOIN(list, separator): the list's own items are joined.
        for extra in body[:1]:
            c.expect(extra, scope, _TEXT_KINDS, "the separator of JOIN")
        if len(body) > 1:
            return c.error(node, "JOIN over a list takes the list and a separator")
        if item.kind not in ("text", "choice", "number", "null"):
            c.error(args[0], f"JOIN needs a list of text or numbers, not {first}")
        return _result(c, node, TEXT, rows)
    if rows:
        conditions = _CONDITIONS.get(name, [])
        values: list[Type] = []
        for position, expr in enumerate(body):
            if name == "JOIN" and position == 1:
                c.expect(expr, scope, _TEXT_KINDS, "the separator of JOIN")
            elif position in conditions:
                c.boolean(expr, inner, f"the condition of {name}")
            else:
                values.append(c.visit(expr, inner))
        if name in _NEED_VALUE and not values:
            return c.error(
                node, f"{name} over rows needs an expression per row, as in {name}(rows, qty)"
            )
    else:
        if name in ("COUNTIF", "SUMIF") or (len(body) > 0 and name != "JOIN"):
            return c.error(node, f"{name} with a per-row expression needs a subform")
        values = [item]
    return _result(c, node, _value_type(c, node, name, values), rows)


def _result(c: Checker, node: n.Call, result: Type, rows: bool) -> Type:
    # Over rows, keep the level noted above: the back ends read the rows' scope from it.
    old = c.info.get(id(node))
    c.info[id(node)] = Info(result, level=old.level if old and rows else 0)
    return result


def _value_type(c: Checker, node: n.Call, name: str, values: list[Type]) -> Type:
    if name in ("COUNT", "COUNTIF"):
        return NUMBER
    if name == "JOIN":
        return TEXT
    value = values[0] if values else NULL
    if name in ("MIN", "MAX"):
        if value.kind not in _COMPARABLE:
            return c.error(node, f"{name} cannot compare {value}")
        return value
    if value.kind == "duration" and name in ("SUM", "SUMIF"):
        return DURATION
    if value.kind not in ("number", "null"):
        return c.error(node, f"{name} adds numbers, not {value}")
    return NUMBER
