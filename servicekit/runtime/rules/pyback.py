"""Compile a checked syntax tree once into Python closures that evaluate a record's values.

Each node becomes one closure taking an :class:`Env`; ``IF``, ``and``, ``or``, ``IFS``,
``SWITCH``, ``COALESCE`` and ``IFERROR`` evaluate only the operands they need. Work that
grows with the data (rows, list items, long text) is charged to the evaluation's step budget.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from servicekit.runtime.rules import check_operators
from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules import values as v
from servicekit.runtime.rules.check_result import Checked, Info
from servicekit.runtime.rules.errors import LimitError, RuleError
from servicekit.runtime.rules.limits import MAX_LIST_ITEMS, MAX_STEPS, MAX_TEXT_LENGTH
from servicekit.runtime.rules.resolve import find_in
from servicekit.runtime.rules.rtypes import Type

Fn = Callable[["Env"], Any]


class EvalError(Exception):
    """A value-level error inside an evaluation (``IFERROR`` turns it into its fallback)."""


class Env:
    """The state of one evaluation: values, rows in scope, clock, user and step count.

    ``now`` is fixed once per evaluation, on first use, so every ``NOW()`` agrees.
    """

    __slots__ = (
        "values",
        "rows",
        "_now",
        "_local",
        "tz",
        "user",
        "previous",
        "steps",
        "max_steps",
    )

    def __init__(
        self,
        values: Mapping[str, Any],
        now: datetime | None,
        tz: tzinfo,
        user: Mapping[str, Any] | None,
        previous: Mapping[str, Any] | None,
        max_steps: int,
    ) -> None:
        self.values = values
        self.rows: list[Mapping[str, Any]] = []
        self._now = now
        self._local: datetime | None = None
        self.tz = tz
        self.user = user or {}
        self.previous = previous
        self.steps = 0
        self.max_steps = max_steps

    @property
    def now(self) -> datetime:
        if self._local is None:
            moment = self._now or datetime.now(UTC)
            self._local = moment.astimezone(self.tz)
        return self._local

    @property
    def today(self) -> date:
        return self.now.date()

    def charge(self, amount: int) -> None:
        """Spend ``amount`` steps; past the budget the evaluation stops with a RuleError."""
        self.steps += amount
        if self.steps > self.max_steps:
            raise LimitError(f"the rule did too much work (more than {self.max_steps} steps)")


# -- equality and order, shared by operators and functions ---------------------------------
def _align(a: Any, b: Any, tz: tzinfo) -> tuple[Any, Any]:
    if isinstance(a, datetime) and not isinstance(b, datetime) and isinstance(b, date):
        return a, v.midnight(b, tz)
    if isinstance(b, datetime) and not isinstance(a, datetime) and isinstance(a, date):
        return v.midnight(a, tz), b
    return a, b


def equal(a: Any, b: Any, tz: tzinfo) -> bool:
    """Null-safe equality: null equals only null."""
    if a is None or b is None:
        return a is None and b is None
    a, b = _align(a, b, tz)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, tz) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b) and not (isinstance(a, date) and isinstance(b, date)):
        return False
    return bool(a == b)


def order(a: Any, b: Any, tz: tzinfo) -> int | None:
    """-1, 0 or 1, or ``None`` when either side is null."""
    if a is None or b is None:
        return None
    a, b = _align(a, b, tz)
    return (a > b) - (a < b)


def truth(value: Any) -> bool:
    """Null (and anything but true) counts as false in a boolean position."""
    return value is True


# -- input coercion ----------------------------------------------------------------------------
def coerce(item: Mapping[str, Any] | None, raw: Any, tz: tzinfo, forms: Mapping[str, Any]) -> Any:
    """A JSON value of field ``item`` as the language's value; ``''`` and ``[]`` become null."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return None
    kind = str(item.get("type")) if item else "text"
    if kind == "formula" and item:
        kind = str(item.get("result_type", "text"))
    if kind in ("integer", "decimal", "number"):
        number = v.to_decimal(raw)
        if number is None:
            raise RuleError(f"field {item and item.get('key')}: {raw!r} is not a number")
        return number
    if kind == "boolean":
        if isinstance(raw, str):
            return {"true": True, "false": False}.get(raw.lower())
        return bool(raw)
    if kind == "date":
        return v.to_date(raw)
    if kind == "datetime":
        return v.to_datetime(raw)
    if kind == "duration":
        return v.to_duration(raw)
    if kind == "user":
        ident = raw.get("id") if isinstance(raw, Mapping) else raw
        return v.to_decimal(ident)
    if kind == "multi_select":
        items = raw if isinstance(raw, list) else [raw]
        return v.check_list([str(x) for x in items if x not in (None, "")]) or None
    if kind == "lookup":
        return raw if isinstance(raw, Mapping) else {"id": raw}
    if kind == "subform":
        rows = raw if isinstance(raw, list) else []
        return v.check_list([r for r in rows if isinstance(r, Mapping)]) or None
    if kind in ("attachment", "image", "signature", "location"):
        return raw
    if isinstance(raw, Decimal):
        return v.text_value(v.number_text(raw))
    return v.text_value(raw if isinstance(raw, str) else str(raw))


_NUMBER_KINDS = ("integer", "decimal", "number")
_TEXT_KINDS = ("text", "long_text", "rich_text", "auto_number", "select")


def coercer(item: Mapping[str, Any] | None, forms: Mapping[str, Any]) -> Callable[[Any], Any]:
    """A converter for one field's non-null JSON values, with fast paths for common types."""
    kind = str(item.get("type")) if item else "text"
    if kind == "formula" and item:
        kind = str(item.get("result_type", "text"))
    utc = v.zone("UTC")

    def general(raw: Any) -> Any:
        return coerce(item, raw, utc, forms)

    if kind in _NUMBER_KINDS:

        def number(raw: Any) -> Any:
            kind_of = type(raw)
            if kind_of is Decimal and raw.is_finite():
                return v.checked(raw)
            if kind_of is int and -(10**30) < raw < 10**30:
                return Decimal(raw)
            return general(raw)

        return number
    if kind in _TEXT_KINDS:

        def text(raw: Any) -> Any:
            if type(raw) is str and 0 < len(raw) <= MAX_TEXT_LENGTH:
                return raw
            return general(raw)

        return text
    if kind == "boolean":
        return lambda raw: raw if type(raw) is bool else general(raw)
    if kind == "date":
        return lambda raw: raw if type(raw) is date else general(raw)
    if kind == "lookup":
        return lambda raw: raw if type(raw) is dict else general(raw)
    return general


def user_value(user: Mapping[str, Any], name: str) -> Any:
    raw = user.get(name)
    if name == "id":
        return v.to_decimal(raw)
    if name in ("roles", "skills"):
        items = raw if isinstance(raw, list | tuple | set | frozenset) else []
        return v.check_list([str(x) for x in items if x not in (None, "")]) or None
    return v.text_value(str(raw)) if raw not in (None, "") else None


class _Compiler:
    """Turns checked nodes into closures; ``fields`` and ``forms`` give coercion rules."""

    def __init__(
        self,
        checked: Checked,
        fields: list[dict[str, Any]],
        forms: Mapping[str, list[dict[str, Any]]],
    ) -> None:
        self.info = checked.info
        self.fields = tuple(fields)
        self.forms = forms
        # Field definitions of the rows at each aggregate level (index 0 is the record).
        self.scopes: list[tuple[dict[str, Any], ...]] = [self.fields]
        # Values of calls folded at compile time (pure functions of literals), by node id.
        self.constants: dict[int, Any] = {}

    def info_of(self, node: n.Node) -> Info:
        return self.info[id(node)]

    def compile(self, node: n.Node) -> Fn:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        fn: Fn = method(node)
        return fn

    # -- leaves -----------------------------------------------------------------------------
    def _literal(self, node: n.Literal) -> Fn:
        value = node.value
        return lambda env: value

    def _listliteral(self, node: n.ListLiteral) -> Fn:
        items = [self.compile(i) for i in node.items]
        return lambda env: [f(env) for f in items] or None

    def _name(self, node: n.Node) -> Fn:
        info = self.info_of(node)
        key, level = info.key or "", info.level
        defs = self.scopes[level] if level < len(self.scopes) else ()
        convert = coercer(find_in(defs, key) or _system_field(key), self.forms)
        if level == 0:

            def read(env: Env) -> Any:
                raw = env.values.get(key)
                return None if raw is None else convert(raw)

            return read
        index = level - 1

        def read_row(env: Env) -> Any:
            raw = env.rows[index].get(key)
            return None if raw is None else convert(raw)

        return read_row

    _label = _name

    def _userref(self, node: n.UserRef) -> Fn:
        return lambda env: user_value(env.user, "id")

    # -- access -----------------------------------------------------------------------------
    def _attr(self, node: n.Attr) -> Fn:
        name = node.name
        if isinstance(node.target, n.UserRef):
            return lambda env: user_value(env.user, name)
        target_type: Type = self.info_of(node.target).type
        name = self.info_of(node).key or name
        convert = coercer(find_in(target_type.fields, name), self.forms)
        target = self.compile(node.target)

        def read(env: Env) -> Any:
            record = target(env)
            if type(record) is not dict and not isinstance(record, Mapping):
                return None
            raw = record.get(name)
            return None if raw is None else convert(raw)

        return read

    def _index(self, node: n.Index) -> Fn:
        target, index = self.compile(node.target), self.compile(node.index)
        item_type = self.info_of(node.target).type.item
        row_fields = item_type.fields if item_type is not None else ()

        def read(env: Env) -> Any:
            items, position = target(env), index(env)
            if items is None or position is None or position != int(position):
                return None
            at = int(position)
            if not 1 <= at <= len(items):
                return None
            return items[at - 1] if not row_fields else dict(items[at - 1])

        return read

    # -- operators --------------------------------------------------------------------------
    def _unary(self, node: n.Unary) -> Fn:
        operand = self.compile(node.operand)
        if node.op == "not":
            return lambda env: operand(env) is not True

        def negate(env: Env) -> Any:
            value = operand(env)
            return None if value is None else -value

        return negate

    def _chain(self, node: n.Chain) -> Fn:
        parts = [self.compile(o) for o in node.operands]
        op = node.ops[0]
        if op == "and":
            if len(parts) == 2:
                a, b = parts
                return lambda env: a(env) is True and b(env) is True
            return lambda env: all(p(env) is True for p in parts)
        if op == "or":
            if len(parts) == 2:
                a, b = parts
                return lambda env: a(env) is True or b(env) is True
            return lambda env: any(p(env) is True for p in parts)
        if op == "&":
            return self._concat(parts)
        fn = parts[0]
        types = [self.info_of(o).type for o in node.operands]
        left_type = types[0]
        for symbol, part, right_type in zip(node.ops, parts[1:], types[1:], strict=True):
            fn = _binary(symbol, fn, part, left_type, right_type)
            left_type = _result_kind(symbol, left_type, right_type)
        return fn

    def _concat(self, parts: list[Fn]) -> Fn:
        def join(env: Env) -> Any:
            pieces = [v.as_text(p(env), env.tz) or "" for p in parts]
            total = sum(len(x) for x in pieces)
            env.charge(total // 1000)
            return v.text_value("".join(pieces))

        return join

    def _compare(self, node: n.Compare) -> Fn:
        left, right, op = self.compile(node.left), self.compile(node.right), node.op
        fast = self._compare_literal(node, left)
        if fast is not None:
            return fast
        if op in ("in", "not in"):
            negate = op == "not in"

            def member(env: Env) -> bool:
                needle, items = left(env), right(env)
                env.charge(len(items) if items else 0)
                found = items is not None and any(equal(needle, x, env.tz) for x in items)
                return found != negate

            return member
        if op == "=":
            return lambda env: equal(left(env), right(env), env.tz)
        if op == "!=":
            return lambda env: not equal(left(env), right(env), env.tz)
        accept = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[op]
        return lambda env: order(left(env), right(env), env.tz) in accept

    def _compare_literal(self, node: n.Compare, left: Fn) -> Fn | None:
        """Fast forms for ``field <op> literal`` of one plain type (the common guard)."""
        kind = self.info_of(node.left).type.kind
        if kind not in ("number", "text", "choice", "boolean", "date", "duration"):
            return None
        op, right = node.op, node.right
        if id(right) in self.constants and self.info_of(right).type.kind == kind:
            constant = self.constants[id(right)]
            if constant is not None and op not in ("in", "not in"):
                right = n.Literal(constant, kind, line=1, column=1, end_column=1)
        if kind in ("date", "duration") and not (
            isinstance(right, n.Literal) and right.kind == kind
        ):
            return None
        if op in ("in", "not in") and isinstance(right, n.ListLiteral):
            if not all(isinstance(i, n.Literal) for i in right.items):
                return None
            items = frozenset(i.value for i in right.items)  # type: ignore[attr-defined]
            if op == "in":
                return lambda env: left(env) in items
            return lambda env: left(env) not in items
        if not isinstance(right, n.Literal) or right.value is None:
            return None
        if (
            kind == "number"
            and right.kind != "number"
            or kind == "boolean"
            and op
            not in (
                "=",
                "!=",
            )
        ):
            return None
        value = right.value
        if kind == "number" and op in _ORDER and isinstance(node.left, n.Name | n.Label):
            return self._number_field_order(node.left, left, op, value)
        if op == "=":
            return lambda env: left(env) == value
        if op == "!=":
            return lambda env: left(env) != value
        return _ORDER[op](left, value)

    def _number_field_order(self, field: n.Node, left: Fn, op: str, value: Any) -> Fn:
        """``qty > 2``: compare a stored int or Decimal without converting it first."""
        info = self.info_of(field)
        if info.level != 0:
            return _ORDER[op](left, value)
        key = info.key or ""
        compare = _ORDER_OPS[op]

        def order_field(env: Env) -> bool:
            raw: Any = env.values.get(key)
            kind = type(raw)
            if kind is not int and (kind is not Decimal or not raw.is_finite()):
                raw = left(env)
                if raw is None:
                    return False
            return bool(compare(raw, value))

        return order_field

    def _isnull(self, node: n.IsNull) -> Fn:
        operand = self.compile(node.operand)
        if node.negated:
            return lambda env: operand(env) is not None
        return lambda env: operand(env) is None

    # -- calls ------------------------------------------------------------------------------
    def _call(self, node: n.Call) -> Fn:
        from servicekit.runtime.rules import pyfunctions

        return pyfunctions.compile_call(self, node)


_ORDER_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _order_with_literal(compare: Callable[[Any, Any], Any]) -> Callable[[Fn, Any], Fn]:
    def build(left: Fn, value: Any) -> Fn:
        return lambda env: (x := left(env)) is not None and bool(compare(x, value))

    return build


_ORDER = {op: _order_with_literal(fn) for op, fn in _ORDER_OPS.items()}


def _system_field(key: str) -> dict[str, Any] | None:
    kinds = {
        "number": "text",
        "created_at": "datetime",
        "updated_at": "datetime",
        "created_by": "user",
    }
    return {"key": key, "type": kinds[key]} if key in kinds else None


def _result_kind(symbol: str, left: Type, right: Type) -> Type:
    return check_operators.arith(symbol, left, right) or left


def _binary(symbol: str, left: Fn, right: Fn, lt: Type, rt: Type) -> Fn:
    kinds = (lt.kind, rt.kind)
    if kinds == ("number", "number"):
        # The shared context makes + - * exact and overflow past 40 digits by itself.
        op = {
            "+": v.CONTEXT.add,
            "-": v.CONTEXT.subtract,
            "*": v.CONTEXT.multiply,
            "/": v.div,
            "%": v.mod,
        }[symbol]

        def numeric(env: Env) -> Any:
            a = left(env)
            if a is None:
                return None
            b = right(env)
            return None if b is None else op(a, b)

        return numeric

    def general(env: Env) -> Any:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        return arith(symbol, a, b, env.tz)

    return general


def arith(symbol: str, a: Any, b: Any, tz: tzinfo) -> Any:
    """Arithmetic on non-null values of any type pair the checker accepts."""
    try:
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return {"+": v.add, "-": v.sub, "*": v.mul, "/": v.div, "%": v.mod}[symbol](a, b)
        if isinstance(a, timedelta) and isinstance(b, Decimal):
            seconds = Decimal(int(a.total_seconds()))
            scaled = v.mul(seconds, b) if symbol == "*" else v.div(seconds, b)
            return None if scaled is None else v.seconds(scaled)
        if isinstance(a, Decimal) and isinstance(b, timedelta):
            return v.seconds(v.mul(a, Decimal(int(b.total_seconds()))))
        if symbol == "-" and isinstance(a, date) and isinstance(b, date):
            a, b = _align(a, b, tz)
            return timedelta(seconds=int((a - b).total_seconds()))
        if isinstance(b, timedelta) and isinstance(a, date) and not isinstance(a, datetime):
            days = int(b.total_seconds()) // 86400
            return a + timedelta(days=days if symbol == "+" else -days)
        if isinstance(a, timedelta) and isinstance(b, date) and not isinstance(b, datetime):
            return b + timedelta(days=int(a.total_seconds()) // 86400)
        if symbol == "+":
            return a + b
        return a - b
    except (OverflowError, ValueError) as exc:
        raise RuleError("a date or duration is out of range") from exc


def compile_tree(
    checked: Checked, fields: list[dict[str, Any]], forms: Mapping[str, list[dict[str, Any]]]
) -> Fn:
    """One closure evaluating the whole checked tree."""
    return _Compiler(checked, fields, forms).compile(checked.tree)


def compiler(
    checked: Checked, fields: list[dict[str, Any]], forms: Mapping[str, list[dict[str, Any]]]
) -> _Compiler:
    return _Compiler(checked, fields, forms)


__all__ = ["Env", "EvalError", "MAX_LIST_ITEMS", "MAX_STEPS", "compile_tree", "equal", "order"]
