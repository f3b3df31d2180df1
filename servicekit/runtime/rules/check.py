"""Type-check a syntax tree against a form: returns the types of every node or every problem.

The checker resolves names through :mod:`resolve`, reports every problem it finds (not
just the first), and records which field paths the rule reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.errors import Problem
from servicekit.runtime.rules.resolve import USER_ATTRIBUTES, Scope, find_in, label_texts
from servicekit.runtime.rules.rtypes import (
    BOOLEAN,
    DATE,
    DATETIME,
    DURATION,
    NULL,
    NUMBER,
    OPAQUE,
    TEXT,
    Type,
    comparable,
    field_type,
    list_of,
    orderable,
    unify,
)

UNITS = {
    "year": "year",
    "years": "year",
    "month": "month",
    "months": "month",
    "week": "week",
    "weeks": "week",
    "day": "day",
    "days": "day",
    "hour": "hour",
    "hours": "hour",
    "minute": "minute",
    "minutes": "minute",
}
AGGREGATES = ("SUM", "COUNT", "COUNTIF", "SUMIF", "AVERAGE", "MIN", "MAX", "JOIN")
# Functions without a SQL form: they cannot be used in list or report filters.
PYTHON_ONLY = frozenset(
    {
        "CHANGED",
        "PREVIOUS",
        "IFERROR",
        "VALUE",
        "JOIN",
        "TEXT",
        "SUBSTITUTE",
        "MID",
        "POWER",
        "DATEDIF",
        "ROUNDUP",
        "ROUNDDOWN",
        "AVERAGE",
    }
)

# name -> (minimum, maximum or None) argument counts, for the "wrong argument count" message.
ARITY: dict[str, tuple[int, int | None]] = {
    "IF": (2, 3),
    "IFS": (2, None),
    "SWITCH": (3, None),
    "AND": (1, None),
    "OR": (1, None),
    "NOT": (1, 1),
    "ISBLANK": (1, 1),
    "COALESCE": (1, None),
    "IFERROR": (2, 2),
    "CONCAT": (1, None),
    "LEN": (1, 1),
    "LEFT": (1, 2),
    "RIGHT": (1, 2),
    "MID": (3, 3),
    "UPPER": (1, 1),
    "LOWER": (1, 1),
    "TRIM": (1, 1),
    "SUBSTITUTE": (3, 3),
    "CONTAINS": (2, 2),
    "STARTSWITH": (2, 2),
    "ENDSWITH": (2, 2),
    "TEXT": (1, 1),
    "VALUE": (1, 1),
    "ROUND": (1, 2),
    "ROUNDUP": (1, 2),
    "ROUNDDOWN": (1, 2),
    "INT": (1, 1),
    "CEILING": (1, 1),
    "FLOOR": (1, 1),
    "ABS": (1, 1),
    "MOD": (2, 2),
    "MIN": (1, None),
    "MAX": (1, None),
    "POWER": (2, 2),
    "NOW": (0, 0),
    "TODAY": (0, 0),
    "DATE": (3, 3),
    "DATETIME": (3, 6),
    "YEAR": (1, 1),
    "MONTH": (1, 1),
    "DAY": (1, 1),
    "HOUR": (1, 1),
    "WEEKDAY": (1, 1),
    "DATEADD": (3, 3),
    "DATEDIF": (3, 3),
    "MINUTES": (1, 1),
    "HOURS": (1, 1),
    "DAYS": (1, 1),
    "SUM": (1, 2),
    "COUNT": (1, 1),
    "COUNTIF": (2, 2),
    "SUMIF": (3, 3),
    "AVERAGE": (1, 2),
    "JOIN": (1, 3),
    "IN_ROLE": (1, 1),
    "CHANGED": (1, 1),
    "PREVIOUS": (1, 1),
}
FUNCTIONS = frozenset(ARITY)


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


def _problem(node: n.Node, message: str) -> Problem:
    return Problem(message, line=node.line, column=node.column, end_column=node.end_column)


class _Checker:
    """One pass over the tree; the tree is at most 64 levels deep, so recursion is safe."""

    def __init__(self, scope: Scope) -> None:
        self.root_scope = scope
        self.info: dict[int, Info] = {}
        self.problems: list[Problem] = []
        self.sql_problems: list[Problem] = []
        self.reads: set[str] = set()

    def error(self, node: n.Node, message: str) -> Type:
        self.problems.append(_problem(node, message))
        return NULL

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
            kind = {"id": NUMBER, "roles": list_of(TEXT), "skills": list_of(TEXT)}
            return kind.get(node.name, TEXT)
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
            prefix = self._path_of(node.target, scope)
            if prefix:
                self.reads.add(f"{prefix}.{key}")
        return self.note(node, field_type(item, scope.forms), key=key)

    def _path_of(self, node: n.Node, scope: Scope) -> str | None:
        info = self.info.get(id(node))
        if isinstance(node, n.Name | n.Label) and info and info.key:
            return info.key
        if isinstance(node, n.Attr):
            base = self._path_of(node.target, scope)
            return f"{base}.{info.key if info and info.key else node.name}" if base else None
        return None

    def _index(self, node: n.Index, scope: Scope) -> Type:
        target = self.visit(node.target, scope)
        index = self.visit(node.index, scope)
        if index.kind not in ("number", "null"):
            self.error(node.index, f"a position must be a number, not {index}")
        if not target.is_list:
            return self.error(node, f"[...] needs a list, not {target}")
        self.sql_problems.append(_problem(node, "[...] cannot be used in a filter"))
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
            combined = _arith(symbol, result, right)
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
            from difflib import get_close_matches

            close = get_close_matches(name, list(ARITY), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return self.error(node, f"unknown function {name}{hint}")
        low, high = ARITY[name]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            expected = (
                f"{low}"
                if low == high
                else f"at least {low}"
                if high is None
                else f"{low} to {high}"
            )
            return self.error(
                node,
                f"{name} takes {expected} argument{'' if expected == '1' else 's'}, not {count}",
            )
        if name in PYTHON_ONLY:
            self.sql_problems.append(_problem(node, f"{name} cannot be used in a filter"))
        if name in AGGREGATES:
            handled = self._aggregate(node, scope)
            if handled is not None:
                return handled
        return _CALLS[name](self, node, scope)

    def _aggregate(self, node: n.Call, scope: Scope) -> Type | None:
        name, args = node.name, node.args
        first = self.visit(args[0], scope)
        # MIN/MAX of plain values compare them; any other first argument must be a list.
        if name in ("MIN", "MAX") and not first.is_list:
            return None
        if not first.is_list:
            if first.kind == "null":
                return NUMBER if name != "JOIN" else TEXT
            return self.error(
                args[0], f"{name} needs a subform or a list as its first argument, not {first}"
            )
        item = first.item or NULL
        rows = item.kind == "row"
        # In SQL an aggregate is a subquery over a subform's child table of the record.
        if not rows or scope.level > 0 or not isinstance(args[0], n.Name | n.Label):
            self.sql_problems.append(
                _problem(node, f"{name} over this list cannot be used in a filter")
            )
        if rows:
            prefix = (self._path_of(args[0], scope) or "") + "."
            inner = scope.child(item.fields, scope.prefix + prefix if prefix != "." else "")
            self.note(node, NUMBER, level=inner.level)
        body = list(args[1:])
        if name == "JOIN" and not rows:
            # JOIN(list, separator): the list's own items are joined.
            for extra in body[:1]:
                self._expect(extra, scope, ("text", "choice"), "the separator of JOIN")
            if len(body) > 1:
                return self.error(node, "JOIN over a list takes the list and a separator")
            if item.kind not in ("text", "choice", "number", "null"):
                self.error(args[0], f"JOIN needs a list of text or numbers, not {first}")
            return self._aggregate_result(node, TEXT, rows)
        if rows:
            conditions = {"COUNTIF": [0], "SUMIF": [0]}.get(name, [])
            values: list[Type] = []
            for position, expr in enumerate(body):
                if name == "JOIN" and position == 1:
                    self._expect(expr, scope, ("text", "choice"), "the separator of JOIN")
                elif position in conditions:
                    self.boolean(expr, inner, f"the condition of {name}")
                else:
                    values.append(self.visit(expr, inner))
            if name in ("SUM", "AVERAGE", "SUMIF", "MIN", "MAX", "JOIN") and not values:
                return self.error(
                    node, f"{name} over rows needs an expression per row, as in {name}(rows, qty)"
                )
        else:
            if name in ("COUNTIF", "SUMIF") or (len(body) > 0 and name != "JOIN"):
                return self.error(node, f"{name} with a per-row expression needs a subform")
            values = [item]
        return self._aggregate_result(node, _aggregate_type(self, node, name, values), rows)

    def _aggregate_result(self, node: n.Call, result: Type, rows: bool) -> Type:
        old = self.info.get(id(node))
        self.info[id(node)] = Info(result, level=old.level if old and rows else 0)
        return result

    def _expect(self, node: n.Node, scope: Scope, kinds: tuple[str, ...], what: str) -> Type:
        found = self.visit(node, scope)
        if found.kind not in kinds and found.kind != "null":
            self.error(node, f"{what} must be {' or '.join(kinds)}, not {found}")
        return found


def _aggregate_type(checker: _Checker, node: n.Call, name: str, values: list[Type]) -> Type:
    if name in ("COUNT", "COUNTIF"):
        return NUMBER
    if name == "JOIN":
        return TEXT
    value = values[0] if values else NULL
    if name in ("MIN", "MAX"):
        if value.kind not in ("number", "text", "choice", "date", "datetime", "duration", "null"):
            return checker.error(node, f"{name} cannot compare {value}")
        return value
    if value.kind == "duration" and name in ("SUM", "SUMIF"):
        return DURATION
    if value.kind not in ("number", "null"):
        return checker.error(node, f"{name} adds numbers, not {value}")
    return NUMBER


def _arith(op: str, a: Type, b: Type) -> Type | None:
    kinds = (a.kind, b.kind)
    if "null" in kinds:
        other = b if a.kind == "null" else a
        if other.kind in ("number", "date", "datetime", "duration", "null"):
            return other if op in "+-" or other.kind in ("number", "null") else NUMBER
        return None
    if kinds == ("number", "number"):
        return NUMBER
    if op == "+":
        table = {
            ("date", "duration"): DATE,
            ("duration", "date"): DATE,
            ("datetime", "duration"): DATETIME,
            ("duration", "datetime"): DATETIME,
            ("duration", "duration"): DURATION,
        }
        return table.get(kinds)
    if op == "-":
        table = {
            ("date", "duration"): DATE,
            ("datetime", "duration"): DATETIME,
            ("duration", "duration"): DURATION,
            ("date", "date"): DURATION,
            ("datetime", "datetime"): DURATION,
            ("date", "datetime"): DURATION,
            ("datetime", "date"): DURATION,
        }
        return table.get(kinds)
    if op == "*" and kinds in (("duration", "number"), ("number", "duration")):
        return DURATION
    if op == "/" and kinds == ("duration", "number"):
        return DURATION
    return None


# -- per-function type rules ------------------------------------------------------------
_Rule = Any


def _args(c: _Checker, node: n.Call, scope: Scope, kinds: tuple[str, ...], what: str) -> None:
    for arg in node.args:
        c._expect(arg, scope, kinds, f"the argument of {node.name}")


def _text_fn(result: Type) -> _Rule:
    def rule(c: _Checker, node: n.Call, scope: Scope) -> Type:
        c._expect(node.args[0], scope, ("text", "choice"), f"the text of {node.name}")
        for arg in node.args[1:]:
            c._expect(arg, scope, ("text", "choice"), f"the argument of {node.name}")
        return result

    return rule


def _text_count_fn(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c._expect(node.args[0], scope, ("text", "choice"), f"the text of {node.name}")
    for arg in node.args[1:]:
        c._expect(arg, scope, ("number",), f"the count of {node.name}")
    return TEXT


def _number_fn(result: Type = NUMBER) -> _Rule:
    def rule(c: _Checker, node: n.Call, scope: Scope) -> Type:
        _args(c, node, scope, ("number",), node.name)
        return result

    return rule


def _date_part(kinds: tuple[str, ...]) -> _Rule:
    def rule(c: _Checker, node: n.Call, scope: Scope) -> Type:
        c._expect(node.args[0], scope, kinds, f"the argument of {node.name}")
        return NUMBER

    return rule


def _if(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c.boolean(node.args[0], scope, "the condition of IF")
    return _unify_all(c, node, [c.visit(a, scope) for a in node.args[1:]], node.args[1:])


def _unify_all(c: _Checker, node: n.Call, types: list[Type], args: Any) -> Type:
    result = NULL
    for found, arg in zip(types, args, strict=True):
        merged = unify(result, found)
        if merged is None:
            return c.error(
                arg, f"the results of {node.name} must have one type: {found} after {result}"
            )
        result = merged
    return result


def _ifs(c: _Checker, node: n.Call, scope: Scope) -> Type:
    if len(node.args) % 2:
        return c.error(node, "IFS takes pairs of condition and value")
    for cond in node.args[0::2]:
        c.boolean(cond, scope, "each condition of IFS")
    values = node.args[1::2]
    return _unify_all(c, node, [c.visit(a, scope) for a in values], values)


def _switch(c: _Checker, node: n.Call, scope: Scope) -> Type:
    subject = c.visit(node.args[0], scope)
    rest = node.args[1:]
    pairs = len(rest) // 2
    for match in rest[0 : 2 * pairs : 2]:
        found = c.visit(match, scope)
        if not comparable(subject, found):
            c.error(match, f"SWITCH compares {subject} with {found}")
    values = list(rest[1 : 2 * pairs : 2]) + ([rest[-1]] if len(rest) % 2 else [])
    return _unify_all(c, node, [c.visit(a, scope) for a in values], values)


def _logic(c: _Checker, node: n.Call, scope: Scope) -> Type:
    for arg in node.args:
        c.boolean(arg, scope, f"each argument of {node.name}")
    return BOOLEAN


def _isblank(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c.visit(node.args[0], scope)
    return BOOLEAN


def _coalesce(c: _Checker, node: n.Call, scope: Scope) -> Type:
    return _unify_all(c, node, [c.visit(a, scope) for a in node.args], node.args)


def _concat(c: _Checker, node: n.Call, scope: Scope) -> Type:
    for arg in node.args:
        found = c.visit(arg, scope)
        if found.is_list or found.kind in ("record", "row", "value"):
            c.error(arg, f"CONCAT joins text, numbers and dates, not {found}")
    return TEXT


def _len(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c._expect(node.args[0], scope, ("text", "choice"), "the text of LEN")
    return NUMBER


def _mid(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c._expect(node.args[0], scope, ("text", "choice"), "the text of MID")
    c._expect(node.args[1], scope, ("number",), "the start of MID")
    c._expect(node.args[2], scope, ("number",), "the count of MID")
    return TEXT


def _text(c: _Checker, node: n.Call, scope: Scope) -> Type:
    found = c.visit(node.args[0], scope)
    if found.is_list or found.kind in ("record", "row", "value"):
        c.error(node.args[0], f"TEXT cannot show {found}")
    return TEXT


def _round(c: _Checker, node: n.Call, scope: Scope) -> Type:
    _args(c, node, scope, ("number",), node.name)
    return NUMBER


def _date(c: _Checker, node: n.Call, scope: Scope) -> Type:
    _args(c, node, scope, ("number",), node.name)
    return DATE if node.name == "DATE" else DATETIME


def _dateadd(c: _Checker, node: n.Call, scope: Scope) -> Type:
    base = c._expect(node.args[0], scope, ("date", "datetime"), "the date of DATEADD")
    c._expect(node.args[1], scope, ("number",), "the amount of DATEADD")
    unit = _unit(c, node.args[2], scope)
    if base.kind == "date" and unit in ("hour", "minute"):
        base = DATETIME
    return c.note(node, base if base.kind != "null" else DATE, unit=unit)


def _datedif(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c._expect(node.args[0], scope, ("date", "datetime"), "the start of DATEDIF")
    c._expect(node.args[1], scope, ("date", "datetime"), "the end of DATEDIF")
    return c.note(node, NUMBER, unit=_unit(c, node.args[2], scope))


def _unit(c: _Checker, node: n.Node, scope: Scope) -> str | None:
    c.visit(node, scope)
    if isinstance(node, n.Literal) and isinstance(node.value, str):
        unit = UNITS.get(node.value.lower())
        if unit:
            return unit
    c.error(
        node, 'the unit must be written as text: "year", "month", "week", "day", "hour" or "minute"'
    )
    return None


def _in_role(c: _Checker, node: n.Call, scope: Scope) -> Type:
    c._expect(node.args[0], scope, ("text",), "the role of IN_ROLE")
    return BOOLEAN


def _previous(c: _Checker, node: n.Call, scope: Scope) -> Type:
    arg = node.args[0]
    found = c.visit(arg, scope)
    info = c.info.get(id(arg))
    if not isinstance(arg, n.Name | n.Label) or info is None or info.key is None:
        return c.error(arg, f"{node.name} needs a field of the form")
    if info.level != 0:
        return c.error(arg, f"{node.name} needs a field of the form, not of a row")
    return BOOLEAN if node.name == "CHANGED" else found


def _extreme(c: _Checker, node: n.Call, scope: Scope) -> Type:
    result = _coalesce(c, node, scope)
    if result.kind not in ("number", "null"):
        c.sql_problems.append(_problem(node, f"{node.name} of {result} cannot be used in a filter"))
    return result


def _iferror(c: _Checker, node: n.Call, scope: Scope) -> Type:
    return _coalesce(c, node, scope)


_CALLS: dict[str, _Rule] = {
    "IF": _if,
    "IFS": _ifs,
    "SWITCH": _switch,
    "AND": _logic,
    "OR": _logic,
    "NOT": _logic,
    "ISBLANK": _isblank,
    "COALESCE": _coalesce,
    "IFERROR": _iferror,
    "CONCAT": _concat,
    "LEN": _len,
    "LEFT": _text_count_fn,
    "RIGHT": _text_count_fn,
    "MID": _mid,
    "UPPER": _text_fn(TEXT),
    "LOWER": _text_fn(TEXT),
    "TRIM": _text_fn(TEXT),
    "SUBSTITUTE": _text_fn(TEXT),
    "CONTAINS": _text_fn(BOOLEAN),
    "STARTSWITH": _text_fn(BOOLEAN),
    "ENDSWITH": _text_fn(BOOLEAN),
    "TEXT": _text,
    "VALUE": _text_fn(NUMBER),
    "ROUND": _round,
    "ROUNDUP": _round,
    "ROUNDDOWN": _round,
    "INT": _number_fn(),
    "CEILING": _number_fn(),
    "FLOOR": _number_fn(),
    "ABS": _number_fn(),
    "MOD": _number_fn(),
    "POWER": _number_fn(),
    "MIN": _extreme,
    "MAX": _extreme,
    "NOW": lambda c, node, scope: DATETIME,
    "TODAY": lambda c, node, scope: DATE,
    "DATE": _date,
    "DATETIME": _date,
    "YEAR": _date_part(("date", "datetime")),
    "MONTH": _date_part(("date", "datetime")),
    "DAY": _date_part(("date", "datetime")),
    "HOUR": _date_part(("datetime",)),
    "WEEKDAY": _date_part(("date", "datetime")),
    "DATEADD": _dateadd,
    "DATEDIF": _datedif,
    "MINUTES": _number_fn(DURATION),
    "HOURS": _number_fn(DURATION),
    "DAYS": _number_fn(DURATION),
    "IN_ROLE": _in_role,
    "CHANGED": _previous,
    "PREVIOUS": _previous,
}


def check(
    tree: n.Node,
    fields: list[dict[str, Any]],
    forms: dict[str, list[dict[str, Any]]] | None = None,
    expect: Type | None = None,
) -> tuple[Checked | None, list[Problem]]:
    """Check ``tree`` against ``fields``; return the result, or ``None`` and every problem."""
    scope = Scope(tuple(f for f in fields if isinstance(f, dict)), dict(forms or {}))
    checker = _Checker(scope)
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
