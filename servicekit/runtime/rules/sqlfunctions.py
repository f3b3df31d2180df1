"""The SQL forms of the rule language's functions (those usable in list and report filters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    String,
    and_,
    case,
    cast,
    false,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules import pyback
from servicekit.runtime.rules.rtypes import Type
from servicekit.runtime.rules.sqlback import _TEMPLATES, _Moment, _Number, _unsupported, _Value, op

if TYPE_CHECKING:
    from servicekit.runtime.rules.sqlback import _SqlCompiler

SQL = ColumnElement[Any]
_PARTS = {"YEAR": "year", "MONTH": "month", "DAY": "day", "HOUR": "hour", "WEEKDAY": "isodow"}
_WHOLE = {"INT": "floor", "FLOOR": "floor", "CEILING": "ceiling"}
_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}


def compile_call(c: _SqlCompiler, node: n.Call) -> SQL:
    """The SQL of one function call, or a RuleError naming a function with no SQL form."""
    name, args = node.name, node.args
    if _is_strict(name) and any(c.type_of(a).kind == "null" for a in args):
        # A strict function of a null literal is null, typed as the function's result so
        # that PostgreSQL can still resolve operators around it (NULL + 0 would be integer).
        return _typed_null(c.type_of(node))
    if name in ("SUM", "COUNT", "COUNTIF", "SUMIF", "MIN", "MAX"):
        first = c.type_of(args[0])
        if first.is_list or name not in ("MIN", "MAX"):
            return _aggregate(c, node)
    if name == "IF":
        other = c.value(args[2]).sql if len(args) > 2 else null()
        return case((c.condition(args[0]), c.value(args[1]).sql), else_=other)
    if name in ("AND", "OR"):
        parts = [c.condition(a) for a in args]
        return and_(*parts) if name == "AND" else or_(*parts)
    if name == "NOT":
        return ~c.condition(args[0])
    if name == "ISBLANK":
        return c.is_empty(c.value(args[0]))
    if name in ("DATE", "DATETIME"):
        parts = [c.value(a).sql for a in args]
        if name == "DATE":
            return op("make_date", *parts, type_=Date())
        zero = c.param(pyback.v.to_decimal(0), Type("number"))
        parts += [zero] * (6 - len(parts))
        return op("make_moment", *parts, c.tz_param(), type_=_Moment())
    if name == "COALESCE":
        return func.coalesce(*[c.value(a).sql for a in args])
    if name == "CONCAT":
        return op("concat", *[c.text_of(c.value(a), a) for a in args], type_=String())
    if name in ("LEN", "UPPER", "LOWER", "TRIM"):
        return op(name.lower(), c.value(args[0]).sql, type_=String())
    if name in ("LEFT", "RIGHT"):
        count = (
            c.value(args[1]).sql
            if len(args) > 1
            else c.param(pyback.v.to_decimal(1), Type("number"))
        )
        return op(name.lower(), c.value(args[0]).sql, count, type_=String())
    if name in ("CONTAINS", "STARTSWITH", "ENDSWITH"):
        return op(name.lower(), c.value(args[0]).sql, c.value(args[1]).sql, type_=Boolean())
    if name == "ROUND":
        places = (
            c.value(args[1]).sql
            if len(args) > 1
            else c.param(pyback.v.to_decimal(0), Type("number"))
        )
        return op("round", c.value(args[0]).sql, places, type_=_Number())
    if name == "ABS":
        return op("abs", c.value(args[0]).sql, type_=_Number())
    if name == "MOD":
        return op("mod", c.value(args[0]).sql, c.value(args[1]).sql, type_=_Number())
    if name in ("MIN", "MAX"):
        values = [c.value(a) for a in args]
        if any(v.type.kind not in ("number", "null") for v in values):
            raise _unsupported(node, f"{name} of values other than numbers")
        return op(
            "least" if name == "MIN" else "greatest", *[v.sql for v in values], type_=_Number()
        )
    if name == "NOW":
        return c.param(c.now, Type("datetime"))
    if name == "TODAY":
        return c.param(c.now.date(), Type("date"))
    if name in _PARTS:
        value = c.value(args[0])
        part = _PARTS[name]
        template = "part_moment" if value.type.kind == "datetime" else "part_date"
        local = "weekday" if part == "isodow" else part
        return op(
            template,
            value.sql,
            c.tz_param(),
            _Raw(part),
            c.param(local, Type("text")),
            type_=_Number(),
        )
    if name in _WHOLE:
        return op(_WHOLE[name], c.value(args[0]).sql, type_=_Number())
    if name == "IFS":
        pairs = [(c.condition(args[i]), c.value(args[i + 1]).sql) for i in range(0, len(args), 2)]
        return case(*pairs, else_=null())
    if name == "SWITCH":
        subject = c.value(args[0])
        rest = args[1:]
        whens = [
            (c.equal(subject, c.value(rest[i])), c.value(rest[i + 1]).sql)
            for i in range(0, len(rest) - 1, 2)
        ]
        default = c.value(rest[-1]).sql if len(rest) % 2 else null()
        return case(*whens, else_=default)
    if name in _SECONDS:
        amount = c.value(args[0]).sql
        return op(
            "seconds",
            amount,
            c.param(pyback.v.to_decimal(_SECONDS[name]), Type("number")),
            type_=BigInteger(),
        )
    if name == "DATEADD":
        return _dateadd(c, node)
    if name == "IN_ROLE":
        role = args[0]
        if not isinstance(role, n.Literal):
            raise _unsupported(node, "IN_ROLE with a computed role")
        roles = {str(r) for r in (c.user.get("roles") or ())}
        return c.param(role.value in roles, Type("boolean"))
    raise _unsupported(node, name)


def _typed_null(result: Type) -> SQL:
    types = {
        "date": Date(),
        "datetime": _Moment(),
        "number": _Number(),
        "duration": BigInteger(),
        "text": String(),
        "boolean": Boolean(),
    }
    sql_type = None if result.is_list else types.get(result.kind)
    return null() if sql_type is None else cast(null(), sql_type)


def _is_strict(name: str) -> bool:
    from servicekit.runtime.rules.pyfunctions import _STRICT

    return name == "DATEADD" or (name in _STRICT and not _STRICT[name][1])


class _Raw(ColumnElement[Any]):
    """A fixed SQL keyword (an EXTRACT field), never user text."""

    inherit_cache = True

    def __init__(self, word: str) -> None:
        self.word = word


def _render_raw(element: _Raw, compiler: Any, **kw: Any) -> str:
    return element.word


compiles(_Raw)(_render_raw)


def _dateadd(c: _SqlCompiler, node: n.Call) -> SQL:
    base = c.value(node.args[0])
    amount = c.value(node.args[1]).sql
    unit = c.info[id(node)].unit or "day"
    unit_param = c.param(unit, Type("text"))
    if base.type.kind == "date" and unit not in ("hour", "minute"):
        return op(
            "dateadd_date", base.sql, amount, unit_param, c.tz_param(), type_=Date(), unit=unit
        )
    moment = c.moment(base)
    template = "dateadd_elapsed" if unit in ("hour", "minute") else "dateadd_local"
    return op(template, moment, amount, unit_param, c.tz_param(), type_=_Moment(), unit=unit)


def _aggregate(c: _SqlCompiler, node: n.Call) -> SQL:
    name, args = node.name, node.args
    first = c.type_of(args[0])
    if first.kind == "null":
        return (
            c.param(pyback.v.to_decimal(0), Type("number"))
            if name != "MIN" and name != "MAX"
            else null()
        )
    if not (first.item and first.item.kind == "row") or not isinstance(args[0], n.Name | n.Label):
        raise _unsupported(node, f"{name} over this list")
    info = c.info[id(args[0])]
    if info.level != 0:
        raise _unsupported(node, f"{name} inside another aggregate")
    child = c.scopes[0].child(info.key)
    table = child.table
    c.scopes.append(child)
    try:
        where = [table.c.parent_id == c.scopes[0].table.c.id]
        if name in ("COUNTIF", "SUMIF"):
            where.append(c.condition(args[1]))
        if name in ("COUNT", "COUNTIF"):
            return select(func.count()).select_from(table).where(*where).scalar_subquery()
        expr: _Value = c.value(args[2] if name == "SUMIF" else args[1])
    finally:
        c.scopes.pop()
    kind = expr.type.kind
    if kind == "null":
        zero = c.param(pyback.v.to_decimal(0), Type("number"))
        return zero if name in ("SUM", "SUMIF") else null()
    if (
        kind not in ("number", "null")
        and not (
            name in ("MIN", "MAX") and kind in ("text", "choice", "date", "datetime", "duration")
        )
        and kind != "duration"
    ):
        raise _unsupported(node, f"{name} of {kind}")
    # Tie the aggregated value to the child row (through an expression SQLite does not fold
    # away), so that an expression reading only the
    # record's own fields still aggregates in the subquery (not in the outer query).
    per_row = case(((table.c.id + 0).is_not(None), expr.sql), else_=null())
    if name in ("SUM", "SUMIF"):
        template = "int_sum" if kind == "duration" else "sum"
    elif kind in ("text", "choice"):
        template = "text_" + name.lower()
    elif kind == "number":
        template = name.lower()
    else:
        template = "min_native" if name == "MIN" else "max_native"
    aggregate = op(template, per_row, type_=_Number() if kind == "number" else None)
    return select(aggregate).select_from(table).where(*where).scalar_subquery()


_TEMPLATES.update(
    {
        "floor": ("floor({0})", "sk_round({0}, 0, 'FLOOR')"),
        "ceiling": ("ceiling({0})", "sk_round({0}, 0, 'CEILING')"),
    }
)
_TEMPLATES.update(
    {
        "min_native": ("min({0})", "min({0})"),
        "max_native": ("max({0})", "max({0})"),
        "int_sum": ("coalesce(sum({0}), 0)", "coalesce(sum({0}), 0)"),
    }
)

__all__ = ["compile_call", "false"]
