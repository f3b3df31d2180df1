"""SQL functions the SQLite back end calls: exact decimals on text, time zones, month arithmetic.

``install_sqlite_functions`` registers them on a DB-API connection; each wraps the same
helper the Python back end uses, so both back ends give the same answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from servicekit.runtime.rules import values as v
from servicekit.runtime.rules.errors import RuleError

_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _num(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bytes):
        return None
    if isinstance(value, float):
        value = repr(value)
    return v.to_decimal(value)


def _out(value: Decimal | None) -> str | None:
    return None if value is None else v.number_text(value)


def _moment(value: Any) -> datetime | None:
    return v.to_datetime(value) if isinstance(value, str) else None


def _store(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).strftime(_FORMAT)


def _safe(fn: Callable[..., Any]) -> Callable[..., Any]:
    # An exception inside a SQLite function aborts the whole query; a value error in one
    # row (an out-of-range date) gives null there instead, like IFERROR would.
    def wrapper(*args: Any) -> Any:
        try:
            return fn(*args)
        except (RuleError, ArithmeticError, ValueError, TypeError, OverflowError):
            return None

    return wrapper


def _binary(op: Callable[[Decimal, Decimal], Decimal | None]) -> Callable[..., Any]:
    def run(a: Any, b: Any) -> Any:
        x, y = _num(a), _num(b)
        return None if x is None or y is None else _out(op(x, y))

    return run


def _cmp(a: Any, b: Any) -> int | None:
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return None
    return (x > y) - (x < y)


def _eq(a: Any, b: Any) -> int:
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return int(x is None and y is None)
    return int(x == y)


def _round(value: Any, places: Any, how: str) -> Any:
    x, n = _num(value), _num(places)
    return None if x is None or n is None else _out(v.round_to(x, n, how))


def _seconds(amount: Any, unit: int) -> int | None:
    x = _num(amount)
    return None if x is None else int(v.seconds(v.mul(x, Decimal(unit))).total_seconds())


def _scale_seconds(amount: Any, factor: Any, divide: int) -> int | None:
    x, y = _num(amount), _num(factor)
    if x is None or y is None:
        return None
    scaled = v.div(x, y) if divide else v.mul(x, y)
    return None if scaled is None else int(v.seconds(scaled).total_seconds())


def _midnight(day: Any, tz: str) -> str | None:
    parsed = v.to_date(day)
    return None if parsed is None else _store(v.midnight(parsed, v.zone(tz)))


def _part(value: Any, part: str, tz: str | None) -> int | None:
    if value is None:
        return None
    when: date | None = _moment(value) if tz else v.to_date(value)
    if when is None:
        return None
    if tz and isinstance(when, datetime):
        when = when.astimezone(v.zone(tz))
    if part == "weekday":
        return when.isoweekday()
    return int(getattr(when, part))


def _dateadd(value: Any, amount: Any, unit: str, tz: str, is_moment: int) -> str | None:
    n = _num(amount)
    base: date | None = _moment(value) if is_moment else v.to_date(value)
    if base is None or n is None:
        return None
    moved = v.date_add(base, int(n), unit, v.zone(tz))
    return _store(moved) if isinstance(moved, datetime) else moved.isoformat()


def _diff(a: Any, b: Any, is_moment: int) -> int | None:
    if a is None or b is None:
        return None
    if is_moment:
        x, y = _moment(a), _moment(b)
        return None if x is None or y is None else int((x - y).total_seconds())
    p, q = v.to_date(a), v.to_date(b)
    return None if p is None or q is None else (p - q).days * 86400


def _shift(value: Any, secs: Any, is_moment: int) -> str | None:
    if value is None or secs is None:
        return None
    if is_moment:
        when = _moment(value)
        return None if when is None else _store(when + timedelta(seconds=int(secs)))
    day = v.to_date(value)
    return None if day is None else (day + timedelta(days=int(secs) // 86400)).isoformat()


def _local_text(value: Any, tz: str) -> str | None:
    when = _moment(value)
    return None if when is None else v.as_text(when, v.zone(tz))


def _make_date(year: Any, month: Any, day: Any) -> str | None:
    parts = [_num(x) for x in (year, month, day)]
    if any(x is None for x in parts):
        return None
    return date(*(int(x) for x in parts if x is not None)).isoformat()


def _make_moment(*args: Any) -> str | None:
    parts = [_num(x) for x in args[:6]]
    if any(x is None for x in parts):
        return None
    y, mo, d, h, mi, sec = (int(x) for x in parts if x is not None)
    return _store(datetime(y, mo, d, h, mi, sec, tzinfo=v.zone(args[6])))


def _json_has(document: Any, needle: Any) -> int:
    if document is None or needle is None:
        return 0
    try:
        items = json.loads(document)
    except (TypeError, ValueError):
        return 0
    return int(isinstance(items, list) and str(needle) in [str(i) for i in items])


def _left(text: Any, count: Any) -> str | None:
    n = _num(count)
    if text is None or n is None or n < 0:
        return None
    return str(text)[: int(n)] or None


def _right(text: Any, count: Any) -> str | None:
    n = _num(count)
    if text is None or n is None or n < 0:
        return None
    size = int(n)
    return (str(text)[-size:] if size else "") or None


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any) -> Any:
        found = [x for x in (_num(a) for a in args) if x is not None]
        return _out(pick(found)) if found else None

    return run


class _Sum:
    """``sk_sum``: an exact decimal sum that is 0 over no rows."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value: Any) -> None:
        x = _num(value)
        if x is not None:
            self.total = v.add(self.total, x)

    def finalize(self) -> str:
        return v.number_text(self.total)


class _Pick:
    """Base of ``sk_min`` and ``sk_max``: the extreme of the non-null numbers, or null."""

    prefer = 1

    def __init__(self) -> None:
        self.best: Decimal | None = None

    def step(self, value: Any) -> None:
        x = _num(value)
        if x is not None and (self.best is None or (x - self.best) * self.prefer > 0):
            self.best = x

    def finalize(self) -> str | None:
        return _out(self.best)


class _Min(_Pick):
    prefer = -1


class _Max(_Pick):
    prefer = 1


_SCALAR: dict[str, tuple[int, Callable[..., Any]]] = {
    "sk_add": (2, _binary(v.add)),
    "sk_sub": (2, _binary(v.sub)),
    "sk_mul": (2, _binary(v.mul)),
    "sk_div": (2, _binary(v.div)),
    "sk_mod": (2, _binary(v.mod)),
    "sk_neg": (1, lambda a: _out(-x) if (x := _num(a)) is not None else None),
    "sk_abs": (1, lambda a: _out(abs(x)) if (x := _num(a)) is not None else None),
    "sk_num": (1, lambda a: _out(_num(a))),
    "sk_cmp": (2, _cmp),
    "sk_eq": (2, _eq),
    "sk_round": (3, _round),
    "sk_seconds": (2, _seconds),
    "sk_scale_seconds": (3, _scale_seconds),
    "sk_midnight": (2, _midnight),
    "sk_part": (3, _part),
    "sk_dateadd": (5, _dateadd),
    "sk_diff": (3, _diff),
    "sk_shift": (3, _shift),
    "sk_local_text": (2, _local_text),
    "sk_json_has": (2, _json_has),
    "sk_date": (3, _make_date),
    "sk_datetime": (7, _make_moment),
    "sk_left": (2, _left),
    "sk_right": (2, _right),
    "sk_trim": (1, lambda t: None if t is None else (str(t).strip(v.TRIM_CHARS) or None)),
    "sk_least": (-1, _extreme(min)),
    "sk_greatest": (-1, _extreme(max)),
}
_AGGREGATE: dict[str, type[Any]] = {"sk_sum": _Sum, "sk_min": _Min, "sk_max": _Max}


def install_sqlite_functions(dbapi_connection: Any) -> None:
    """Register every function the SQLite back end uses on one ``sqlite3`` connection."""
    for name, (arity, fn) in _SCALAR.items():
        dbapi_connection.create_function(name, arity, _safe(fn), deterministic=True)
    for name, cls in _AGGREGATE.items():
        dbapi_connection.create_aggregate(name, 1, cls)
