"""The Python forms of the rule language's functions, compiled to closures per call site."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules import values as v
from servicekit.runtime.rules.errors import LimitError, RuleError
from servicekit.runtime.rules.pyback import Env, coerce, equal, order

if TYPE_CHECKING:
    from servicekit.runtime.rules.pyback import _Compiler

Fn = Callable[[Env], Any]


# Functions whose value depends only on their arguments (not the clock, zone or user);
# a call of one with literal arguments is computed once, when the rule is compiled.
_PURE = frozenset(
    {
        "DATE",
        "ROUND",
        "ROUNDUP",
        "ROUNDDOWN",
        "INT",
        "CEILING",
        "FLOOR",
        "ABS",
        "MOD",
        "POWER",
        "UPPER",
        "LOWER",
        "TRIM",
        "LEN",
        "LEFT",
        "RIGHT",
        "MID",
        "VALUE",
        "MINUTES",
        "HOURS",
        "DAYS",
    }
)
_NOT_FOLDED = object()


def compile_call(c: _Compiler, node: n.Call) -> Fn:
    """The closure for one call of a function."""
    name = node.name
    if name in _LAZY:
        return _LAZY[name](c, node)
    if name in ("SUM", "COUNT", "COUNTIF", "SUMIF", "AVERAGE", "MIN", "MAX", "JOIN"):
        first_type = c.info_of(node.args[0]).type
        if first_type.is_list or name not in ("MIN", "MAX"):
            return _aggregate(c, node)
    args = [c.compile(a) for a in node.args]
    if name == "DATEADD" or name == "DATEDIF":
        unit = c.info_of(node).unit or "day"
        return _date_unit(name, args, unit)
    if name == "CHANGED" or name == "PREVIOUS":
        return _previous(c, node)
    impl, null_ok = _STRICT[name]
    if name in _PURE and all(isinstance(a, n.Literal) for a in node.args):
        literals = [a(None) for a in args]  # type: ignore[arg-type]
        try:
            if not null_ok and any(x is None for x in literals):
                folded = None
            else:
                folded = impl(None, *literals)
        except Exception:  # noqa: BLE001 - the same call raises again, guarded, when evaluated
            folded = _NOT_FOLDED
        if folded is not _NOT_FOLDED:
            c.constants[id(node)] = folded
            return lambda env: folded
    # One- and two-argument calls are the common case; spare them the argument list.
    if len(args) == 1:
        (one,) = args
        if null_ok:
            return lambda env: impl(env, one(env))
        return lambda env: None if (x := one(env)) is None else impl(env, x)
    if len(args) == 2:
        first, second = args
        if null_ok:
            return lambda env: impl(env, first(env), second(env))

        def pair(env: Env) -> Any:
            x = first(env)
            if x is None:
                return None
            y = second(env)
            return None if y is None else impl(env, x, y)

        return pair
    if null_ok:
        return lambda env: impl(env, *[a(env) for a in args])

    def strict(env: Env) -> Any:
        values = [a(env) for a in args]
        if any(x is None for x in values):
            return None
        return impl(env, *values)

    return strict


# -- lazy logic ------------------------------------------------------------------------------
def _if(c: _Compiler, node: n.Call) -> Fn:
    cond, then = c.compile(node.args[0]), c.compile(node.args[1])
    other = c.compile(node.args[2]) if len(node.args) > 2 else (lambda env: None)
    return lambda env: then(env) if cond(env) is True else other(env)


def _ifs(c: _Compiler, node: n.Call) -> Fn:
    pairs = [
        (c.compile(node.args[i]), c.compile(node.args[i + 1])) for i in range(0, len(node.args), 2)
    ]

    def ifs(env: Env) -> Any:
        for cond, value in pairs:
            if cond(env) is True:
                return value(env)
        return None

    return ifs


def _switch(c: _Compiler, node: n.Call) -> Fn:
    subject = c.compile(node.args[0])
    rest = [c.compile(a) for a in node.args[1:]]
    pairs = [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
    default = rest[-1] if len(rest) % 2 else (lambda env: None)

    def switch(env: Env) -> Any:
        value = subject(env)
        for match, result in pairs:
            if equal(value, match(env), env.tz):
                return result(env)
        return default(env)

    return switch


def _and(c: _Compiler, node: n.Call) -> Fn:
    parts = [c.compile(a) for a in node.args]
    return lambda env: all(p(env) is True for p in parts)


def _or(c: _Compiler, node: n.Call) -> Fn:
    parts = [c.compile(a) for a in node.args]
    return lambda env: any(p(env) is True for p in parts)


def _coalesce(c: _Compiler, node: n.Call) -> Fn:
    parts = [c.compile(a) for a in node.args]

    def coalesce(env: Env) -> Any:
        for part in parts:
            value = part(env)
            if value is not None:
                return value
        return None

    return coalesce


def _iferror(c: _Compiler, node: n.Call) -> Fn:
    value, fallback = c.compile(node.args[0]), c.compile(node.args[1])

    def iferror(env: Env) -> Any:
        try:
            result = value(env)
        except LimitError:
            raise
        except (RuleError, ArithmeticError):
            result = None
        return fallback(env) if result is None else result

    return iferror


_LAZY: dict[str, Callable[[_Compiler, n.Call], Fn]] = {
    "IF": _if,
    "IFS": _ifs,
    "SWITCH": _switch,
    "AND": _and,
    "OR": _or,
    "COALESCE": _coalesce,
    "IFERROR": _iferror,
}


# -- aggregates --------------------------------------------------------------------------------
def _aggregate(c: _Compiler, node: n.Call) -> Fn:
    name = node.name
    source = c.compile(node.args[0])
    item_type = c.info_of(node.args[0]).type.item
    rows = item_type is not None and item_type.kind == "row"
    body: list[Fn] = []
    separator: Fn = lambda env: None  # noqa: E731
    if rows and item_type is not None:
        c.scopes.append(item_type.fields)
        level = len(c.scopes) - 1
        try:
            exprs = node.args[1:3] if name != "JOIN" else node.args[1:2]
            body = [c.compile(a) for a in exprs]
        finally:
            c.scopes.pop()
        cost = sum(a.size for a in node.args[1:]) + 1
        if name == "JOIN" and len(node.args) > 2:
            separator = c.compile(node.args[2])
    else:
        level, cost = 0, 1
        if name == "JOIN" and len(node.args) > 1:
            separator = c.compile(node.args[1])

    def items_of(env: Env) -> list[Any]:
        data = source(env)
        if not data:
            return []
        env.charge(len(data) * cost)
        if not rows:
            return [x for x in data if x is not None]
        out = []
        env.rows.append({})
        try:
            for row in data:
                env.rows[level - 1] = row
                out.append([f(env) for f in body])
        finally:
            env.rows.pop()
        return out

    if name == "COUNT":
        return lambda env: Decimal(len(items_of(env)))
    if name == "COUNTIF":
        return lambda env: Decimal(sum(1 for r in items_of(env) if r[0] is True))
    if name == "SUMIF":
        return lambda env: _total([r[1] for r in items_of(env) if r[0] is True])
    if name == "JOIN":

        def join(env: Env) -> Any:
            values = [r[0] if rows else r for r in items_of(env)]
            sep = v.as_text(separator(env), env.tz) or ""
            texts = [v.as_text(x, env.tz) for x in values]
            return v.text_value(sep.join(t for t in texts if t))

        return join

    def values_of(env: Env) -> list[Any]:
        return [
            x for x in ((r[0] for r in items_of(env)) if rows else items_of(env)) if x is not None
        ]

    if name == "SUM" and rows and len(body) == 1:
        return _row_sum(source, body[0], level, cost, c.info_of(node).type.kind == "duration")
    if name == "SUM":
        return lambda env: _total(values_of(env))
    if name == "AVERAGE":

        def average(env: Env) -> Any:
            found = values_of(env)
            return v.div(_total(found), Decimal(len(found))) if found else None

        return average
    pick = min if name == "MIN" else max

    def extreme(env: Env) -> Any:
        found = values_of(env)
        return pick(found) if found else None

    return extreme


def _row_sum(source: Fn, expr: Fn, level: int, cost: int, duration: bool) -> Fn:
    """``SUM(rows, expr)`` without intermediate lists: the most common aggregate."""
    index = level - 1

    def row_sum(env: Env) -> Any:
        data = source(env)
        total: Any = timedelta() if duration else Decimal(0)
        if not data:
            return total
        env.charge(len(data) * cost)
        scopes = env.rows
        scopes.append({})
        try:
            for row in data:
                scopes[index] = row
                value = expr(env)
                if value is not None:
                    total = total + value if duration else v.add(total, value)
        finally:
            scopes.pop()
        return total

    return row_sum


def _total(values: list[Any]) -> Any:
    found = [x for x in values if x is not None]
    if found and isinstance(found[0], timedelta):
        return sum(found, timedelta())
    total = Decimal(0)
    for x in found:
        total = v.add(total, x)
    return total


# -- dates with units, previous state ---------------------------------------------------------
def _date_unit(name: str, args: list[Fn], unit: str) -> Fn:
    first, second = args[0], args[1]
    if name == "DATEADD":

        def dateadd(env: Env) -> Any:
            base, amount = first(env), second(env)
            if base is None or amount is None:
                return None
            return v.date_add(base, int(amount), unit, env.tz)

        return dateadd

    def datedif(env: Env) -> Any:
        a, b = first(env), second(env)
        if a is None or b is None:
            return None
        return Decimal(v.date_diff(a, b, unit, env.tz))

    return datedif


def _previous(c: _Compiler, node: n.Call) -> Fn:
    info = c.info_of(node.args[0])
    key = info.key or ""
    current = c.compile(node.args[0])
    item = next((f for f in c.fields if f.get("key") == key), {"key": key, "type": "text"})
    forms = c.forms

    def previous_value(env: Env) -> Any:
        if env.previous is None:
            return None
        raw = env.previous.get(key)
        return None if raw is None else coerce(item, raw, env.tz, forms)

    if node.name == "PREVIOUS":
        return previous_value

    def changed(env: Env) -> bool:
        if env.previous is None:
            return False
        return not equal(current(env), previous_value(env), env.tz)

    return changed


# -- strict and null-tolerant functions ---------------------------------------------------------
def _text_len(env: Env, text: Any) -> Decimal:
    return Decimal(len(text)) if text else Decimal(0)


def _left(env: Env, text: str, count: Decimal = Decimal(1)) -> Any:
    if count < 0:
        return None
    return v.text_value(text[: int(count)])


def _right(env: Env, text: str, count: Decimal = Decimal(1)) -> Any:
    if count < 0:
        return None
    size = int(count)
    return v.text_value(text[-size:] if size else "")


def _mid(env: Env, text: str, start: Decimal, count: Decimal) -> Any:
    if start < 1 or count < 0:
        return None
    begin = int(start) - 1
    return v.text_value(text[begin : begin + int(count)])


def _substitute(env: Env, text: str, old: Any, new: Any) -> Any:
    if old is None:
        return text
    env.charge(len(text) // 1000)
    return v.text_value(text.replace(old, new or ""))


def _concat_fn(env: Env, *values: Any) -> Any:
    pieces = [v.as_text(x, env.tz) or "" for x in values]
    return v.text_value("".join(pieces))


def _text(env: Env, value: Any) -> Any:
    return v.text_value(v.as_text(value, env.tz))


def _isblank(env: Env, value: Any) -> bool:
    return value is None


def _round_fn(how: str) -> Callable[..., Any]:
    def rounded(env: Env, value: Decimal, places: Decimal = Decimal(0)) -> Any:
        return v.round_to(value, places, how)

    return rounded


def _whole(how: str) -> Callable[..., Any]:
    def whole(env: Env, value: Decimal) -> Any:
        return v.round_to(value, 0, how)

    return whole


def _minmax(pick: Callable[..., Any]) -> Callable[..., Any]:
    def extreme(env: Env, *values: Any) -> Any:
        found = [x for x in values if x is not None]
        if not found:
            return None
        best = found[0]
        for x in found[1:]:
            cmp = order(x, best, env.tz)
            if (cmp or 0) * (1 if pick is max else -1) > 0:
                best = x
        return best

    return extreme


def _make_date(env: Env, year: Decimal, month: Decimal, day: Decimal) -> Any:
    try:
        return date(int(year), int(month), int(day))
    except (ValueError, OverflowError) as exc:
        raise RuleError("DATE was given a day that does not exist") from exc


def _make_datetime(
    env: Env,
    year: Decimal,
    month: Decimal,
    day: Decimal,
    hour: Decimal = Decimal(0),
    minute: Decimal = Decimal(0),
    second: Decimal = Decimal(0),
) -> Any:
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=env.tz
        )
    except (ValueError, OverflowError) as exc:
        raise RuleError("DATETIME was given a moment that does not exist") from exc


def _local(env: Env, value: Any) -> Any:
    return value.astimezone(env.tz) if isinstance(value, datetime) else value


def _in_role(env: Env, role: Any) -> bool:
    roles = env.user.get("roles") or ()
    return role is not None and str(role) in {str(r) for r in roles}


def _contains(env: Env, text: Any, part: Any) -> bool:
    return text is not None and part is not None and part in text


def _starts(env: Env, text: Any, part: Any) -> bool:
    return text is not None and part is not None and text.startswith(part)


def _ends(env: Env, text: Any, part: Any) -> bool:
    return text is not None and part is not None and text.endswith(part)


def _duration(seconds: int) -> Callable[..., Any]:
    return lambda env, amount: v.seconds(v.mul(amount, Decimal(seconds)))


_STRICT: dict[str, tuple[Callable[..., Any], bool]] = {
    "NOT": (lambda env, x: x is not True, True),
    "ISBLANK": (_isblank, True),
    "CONCAT": (_concat_fn, True),
    "LEN": (_text_len, True),
    "LEFT": (_left, False),
    "RIGHT": (_right, False),
    "MID": (_mid, False),
    "UPPER": (lambda env, t: v.upper(t), False),
    "LOWER": (lambda env, t: v.lower(t), False),
    "TRIM": (lambda env, t: v.text_value(t.strip(v.TRIM_CHARS)), False),
    "SUBSTITUTE": (lambda env, t, o, w: None if t is None else _substitute(env, t, o, w), True),
    "CONTAINS": (_contains, True),
    "STARTSWITH": (_starts, True),
    "ENDSWITH": (_ends, True),
    "TEXT": (_text, False),
    "VALUE": (lambda env, t: v.value_of(t), False),
    "ROUND": (_round_fn("ROUND"), False),
    "ROUNDUP": (_round_fn("ROUNDUP"), False),
    "ROUNDDOWN": (_round_fn("ROUNDDOWN"), False),
    "INT": (_whole("INT"), False),
    "CEILING": (_whole("CEILING"), False),
    "FLOOR": (_whole("FLOOR"), False),
    "ABS": (lambda env, x: abs(x), False),
    "MOD": (lambda env, a, b: v.mod(a, b), False),
    "POWER": (lambda env, a, b: v.power(a, b), False),
    "MIN": (_minmax(min), True),
    "MAX": (_minmax(max), True),
    "NOW": (lambda env: env.now, True),
    "TODAY": (lambda env: env.today, True),
    "DATE": (_make_date, False),
    "DATETIME": (_make_datetime, False),
    "YEAR": (lambda env, d: Decimal(_local(env, d).year), False),
    "MONTH": (lambda env, d: Decimal(_local(env, d).month), False),
    "DAY": (lambda env, d: Decimal(_local(env, d).day), False),
    "HOUR": (lambda env, d: Decimal(_local(env, d).hour), False),
    "WEEKDAY": (lambda env, d: Decimal(_local(env, d).isoweekday()), False),
    "MINUTES": (_duration(60), False),
    "HOURS": (_duration(3600), False),
    "DAYS": (_duration(86400), False),
    "IN_ROLE": (_in_role, True),
}

__all__ = ["compile_call", "Mapping"]
