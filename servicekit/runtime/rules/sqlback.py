"""Compile a checked syntax tree into a SQLAlchemy boolean expression over a record source.

Lookups become correlated scalar subqueries (a record with an empty lookup is kept),
subform aggregates correlated subqueries on the child table; every value is a bound
parameter. The expression is dialect-neutral: each operation is a small construct that
renders native SQL on PostgreSQL and calls the functions of :mod:`sqlite_functions` on
SQLite, where decimals are stored as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Numeric,
    String,
    and_,
    bindparam,
    case,
    false,
    func,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from servicekit.runtime.rules import check_operators, pyback
from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules import values as v
from servicekit.runtime.rules.check_result import Checked
from servicekit.runtime.rules.errors import Problem, RuleError
from servicekit.runtime.rules.rtypes import Type

SQL = ColumnElement[Any]


class _Number(TypeDecorator[Decimal]):
    """A decimal parameter: canonical text on SQLite, NUMERIC on PostgreSQL."""

    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return v.number_text(value) if dialect.name == "sqlite" else value


class _Moment(TypeDecorator[datetime]):
    """An aware datetime parameter: naive UTC text on SQLite (as stored), timestamptz elsewhere."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return value.astimezone(v.zone("UTC")).replace(tzinfo=None)
        return value


# -- dialect templates ----------------------------------------------------------------------
_TEMPLATES: dict[str, tuple[str, str]] = {
    # name: (PostgreSQL, SQLite); {0}, {1}... are the rendered arguments.
    "add": ("({0} + {1})", "sk_add({0}, {1})"),
    "sub": ("({0} - {1})", "sk_sub({0}, {1})"),
    "mul": ("({0} * {1})", "sk_mul({0}, {1})"),
    "div": (
        "trim_scale(round(({0}) * 1.00000000000000000000 / NULLIF({1}, 0), 10))",
        "sk_div({0}, {1})",
    ),
    "mod": (
        "CASE WHEN {1} = 0 THEN NULL ELSE mod(mod({0}, {1}) + {1}, {1}) END",
        "sk_mod({0}, {1})",
    ),
    "neg": ("(-{0})", "sk_neg({0})"),
    "abs": ("abs({0})", "sk_abs({0})"),
    "num_eq": ("({0} IS NOT DISTINCT FROM {1})", "(sk_eq({0}, {1}) = 1)"),
    "num_cmp": (
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
        "sk_cmp({0}, {1})",
    ),
    "eq": ("({0} IS NOT DISTINCT FROM {1})", "({0} IS {1})"),
    "text_cmp": (
        'CASE WHEN {0} < {1} COLLATE "C" THEN -1 WHEN {0} > {1} COLLATE "C" '
        "THEN 1 WHEN {0} = {1} THEN 0 END",
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
    ),
    "round": ("round({0}, trunc({1})::int)", "sk_round({0}, {1}, 'ROUND')"),
    "p_text": ("CAST({0} AS TEXT)", "{0}"),
    "p_num": ("CAST({0} AS NUMERIC)", "{0}"),
    "p_date": ("CAST({0} AS DATE)", "{0}"),
    "p_moment": ("CAST({0} AS TIMESTAMPTZ)", "{0}"),
    "p_int": ("CAST({0} AS BIGINT)", "{0}"),
    "num_text": ("CAST({0} AS TEXT)", "CAST({0} AS TEXT)"),
    "date_text": ("to_char({0}, 'YYYY-MM-DD')", "{0}"),
    "moment_text": (
        "to_char({0} AT TIME ZONE {1}, 'YYYY-MM-DD HH24:MI:SS')",
        "sk_local_text({0}, {1})",
    ),
    "concat": ("NULLIF(concat({args}), '')", "NULLIF({concat_sqlite}, '')"),
    "len": ("coalesce(char_length({0}), 0)", "coalesce(length({0}), 0)"),
    "left": (
        "CASE WHEN {1} < 0 THEN NULL ELSE NULLIF(left({0}, trunc({1})::int), '') END",
        "sk_left({0}, {1})",
    ),
    "right": (
        "CASE WHEN {1} < 0 THEN NULL ELSE NULLIF(right({0}, trunc({1})::int), '') END",
        "sk_right({0}, {1})",
    ),
    "upper": (
        "translate({0}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')",
        "upper({0})",
    ),
    "lower": (
        "translate({0}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')",
        "lower({0})",
    ),
    "trim": ("NULLIF(btrim({0}, ' \u3000'), '')", "sk_trim({0})"),
    "contains": ("coalesce(strpos({0}, {1}) > 0, false)", "coalesce(instr({0}, {1}) > 0, 0)"),
    "startswith": (
        "coalesce(left({0}, char_length({1})) = {1}, false)",
        "coalesce(substr({0}, 1, length({1})) = {1}, 0)",
    ),
    "endswith": (
        "coalesce(right({0}, char_length({1})) = {1}, false)",
        "coalesce(substr({0}, -length({1})) = {1}, 0)",
    ),
    "midnight": ("(CAST({0} AS TIMESTAMP) AT TIME ZONE {1})", "sk_midnight({0}, {1})"),
    "part_date": ("EXTRACT({2} FROM {0})", "sk_part({0}, {3}, NULL)"),
    "part_moment": ("EXTRACT({2} FROM {0} AT TIME ZONE {1})", "sk_part({0}, {3}, {1})"),
    "seconds": ("CAST(round({0} * {1}) AS BIGINT)", "sk_seconds({0}, {1})"),
    "scale_seconds": ("CAST(round({0} * {1}) AS BIGINT)", "sk_scale_seconds({0}, {1}, 0)"),
    "divide_seconds": (
        "CAST(round(trim_scale(round({0} * 1.00000000000000000000 / "
        "NULLIF({1}, 0), 10))) AS BIGINT)",
        "sk_scale_seconds({0}, {1}, 1)",
    ),
    "date_diff": ("(({0} - {1}) * 86400)", "sk_diff({0}, {1}, 0)"),
    "moment_diff": (
        "CAST(trunc(EXTRACT(EPOCH FROM ({0} - {1}))) AS BIGINT)",
        "sk_diff({0}, {1}, 1)",
    ),
    "date_shift": ("({0} + CAST(floor({1} / 86400.0) AS INTEGER))", "sk_shift({0}, {1}, 0)"),
    "moment_shift": ("({0} + make_interval(secs => {1}))", "sk_shift({0}, {1}, 1)"),
    "dateadd_date": (
        "CAST({0} + make_interval({unit} => trunc({1})::int) AS DATE)",
        "sk_dateadd({0}, {1}, {2}, {3}, 0)",
    ),
    "dateadd_local": (
        "((({0} AT TIME ZONE {3}) + make_interval({unit} => trunc({1})::int)) AT TIME ZONE {3})",
        "sk_dateadd({0}, {1}, {2}, {3}, 1)",
    ),
    "dateadd_elapsed": (
        "({0} + make_interval({unit} => trunc({1})::int))",
        "sk_dateadd({0}, {1}, {2}, {3}, 1)",
    ),
    "json_has": (
        "coalesce(CAST({0} AS JSONB) @> jsonb_build_array(CAST({1} AS TEXT)), false)",
        "(sk_json_has({0}, {1}) = 1)",
    ),
    "sum": ("coalesce(sum({0}), 0)", "coalesce(sk_sum({0}), '0')"),
    "min": ("min({0})", "sk_min({0})"),
    "max": ("max({0})", "sk_max({0})"),
    "text_min": ('min({0} COLLATE "C")', "min({0})"),
    "text_max": ('max({0} COLLATE "C")', "max({0})"),
    "least": ("LEAST({args})", "sk_least({args})"),
    "greatest": ("GREATEST({args})", "sk_greatest({args})"),
    "truth": ("coalesce({0}, false)", "coalesce({0}, 0)"),
    "json_empty": (
        "({0} IS NULL OR CAST({0} AS TEXT) IN ('null', '[]', '{{}}', '\"\"'))",
        "({0} IS NULL OR {0} IN ('null', '[]', '{{}}', '\"\"'))",
    ),
    "make_date": (
        "make_date(trunc({0})::int, trunc({1})::int, trunc({2})::int)",
        "sk_date({0}, {1}, {2})",
    ),
    "make_moment": (
        "make_timestamptz(trunc({0})::int, trunc({1})::int, trunc({2})::int, "
        "trunc({3})::int, trunc({4})::int, trunc({5})::int, {6})",
        "sk_datetime({0}, {1}, {2}, {3}, {4}, {5}, {6})",
    ),
}
_INTERVAL_UNIT = {
    "year": "years",
    "month": "months",
    "week": "weeks",
    "day": "days",
    "hour": "hours",
    "minute": "mins",
}
_CLASSES: dict[str, type[FunctionElement[Any]]] = {}
_NUMERIC_ARGS = frozenset(
    {
        "add",
        "sub",
        "mul",
        "div",
        "mod",
        "neg",
        "abs",
        "round",
        "least",
        "greatest",
        "floor",
        "ceiling",
        "seconds",
        "scale_seconds",
        "divide_seconds",
    }
)


def _construct(name: str, unit: str | None = None) -> type[FunctionElement[Any]]:
    # One class per template and unit: SQLAlchemy's statement cache keys on the class and
    # the arguments, so anything that changes the rendered SQL must live in the class.
    key = f"{name}|{unit or ''}"
    cls = _CLASSES.get(key)
    if cls is None:
        cls = type(
            f"sk_{name}_{unit or 'x'}",
            (FunctionElement,),
            {"inherit_cache": True, "_sk": name, "_unit": unit},
        )
        _CLASSES[key] = cls

        @compiles(cls)
        def _render(element: Any, compiler: Any, **kw: Any) -> str:
            args = [compiler.process(c, **kw) for c in element.clauses]
            pg, lite = _TEMPLATES[element._sk]
            template = lite if compiler.dialect.name == "sqlite" else pg
            if compiler.dialect.name != "sqlite" and element._sk in _NUMERIC_ARGS:
                # Integer columns and untyped nulls would pick integer or float overloads.
                args = [f"CAST({a} AS NUMERIC)" for a in args]
            unit = _INTERVAL_UNIT.get(element._unit or "", "days")
            return template.format(
                *args,
                args=", ".join(args),
                unit=unit,
                concat_sqlite=" || ".join(f"coalesce({a}, '')" for a in args),
            )

    return cls


def op(name: str, *args: Any, type_: TypeEngine[Any] | None = None, unit: str | None = None) -> SQL:
    """One templated operation; ``unit`` picks the interval unit of date templates."""
    element = _construct(name, unit)(*args)
    if type_ is not None:
        element.type = type_
    return element  # type: ignore[return-value]


# -- compiling ----------------------------------------------------------------------------------
@dataclass
class _Value:
    """A compiled operand: its SQL and its rule type."""

    sql: SQL
    type: Type


def _unsupported(node: n.Node, what: str) -> RuleError:
    return RuleError(
        [Problem(f"{what} cannot be used in a filter", node.line, node.column, node.end_column)]
    )


class _SqlCompiler:
    """Walks a checked tree; ``scopes[level]`` is the record source visible at each level."""

    def __init__(
        self, checked: Checked, source: Any, now: datetime, user: Mapping[str, Any], tz: tzinfo
    ) -> None:
        self.info = checked.info
        self.scopes: list[Any] = [source]
        self.now = now.astimezone(tz)
        self.user = user
        self.tz = tz
        self.tz_name = str(getattr(tz, "key", None) or "UTC")

    def type_of(self, node: n.Node) -> Type:
        return self.info[id(node)].type

    # -- parameters --------------------------------------------------------------------------
    def param(self, value: Any, type_: Type) -> SQL:
        if value is None:
            return null()
        if isinstance(value, bool):
            return true() if value else false()
        if isinstance(value, Decimal):
            return op("p_num", bindparam(None, value, type_=_Number()), type_=_Number())
        if isinstance(value, datetime):
            return op("p_moment", bindparam(None, value, type_=_Moment()), type_=_Moment())
        if isinstance(value, date):
            return op("p_date", bindparam(None, value, type_=Date()), type_=Date())
        if isinstance(value, timedelta):
            seconds = int(value.total_seconds())
            return op("p_int", bindparam(None, seconds, type_=BigInteger()), type_=BigInteger())
        if isinstance(value, list):
            raise RuleError("a list cannot be compared in a filter")
        return op("p_text", bindparam(None, str(value), type_=String()), type_=String())

    def tz_param(self) -> SQL:
        return self.param(self.tz_name, Type("text"))

    # -- entry points ---------------------------------------------------------------------------
    def value(self, node: n.Node) -> _Value:
        if self.type_of(node).kind == "null":
            # Only null literals and expressions built from them have the null type.
            return _Value(null(), self.type_of(node))
        method = getattr(self, f"_{type(node).__name__.lower()}")
        sql: SQL = method(node)
        return _Value(sql, self.type_of(node))

    def condition(self, node: n.Node) -> SQL:
        """A boolean that is never null: null counts as false."""
        sql = self.value(node).sql
        if (
            isinstance(node, n.Compare | n.IsNull | n.Unary | n.Chain)
            and self.type_of(node).kind == "boolean"
        ):
            return sql
        return op("truth", sql, type_=Boolean())

    def where(self, node: n.Node) -> SQL:
        """The whole rule as a WHERE condition.

        There, and in an ``and`` there, a null result rejects the row just as false does, so
        ``field = "literal"`` on a text or option field may be plain SQL ``=`` (which an
        index can serve) instead of the null-safe comparison that conditions need elsewhere.
        """
        if isinstance(node, n.Chain) and node.ops[0] == "and":
            return and_(*[self.where(o) for o in node.operands])
        if isinstance(node, n.Compare) and node.op == "=":
            for field, other in ((node.left, node.right), (node.right, node.left)):
                if (
                    isinstance(field, n.Name | n.Label)
                    and self.info[id(field)].level == 0
                    and self.type_of(field).kind in ("text", "choice")
                    and isinstance(other, n.Literal)
                    and isinstance(other.value, str)
                ):
                    return self._name(field) == self.param(other.value, self.type_of(other))
        return self.condition(node)

    # -- leaves -------------------------------------------------------------------------------
    def _literal(self, node: n.Literal) -> SQL:
        return self.param(node.value, self.type_of(node))

    def _listliteral(self, node: n.ListLiteral) -> SQL:
        raise _unsupported(node, "a list on its own")

    def _name(self, node: n.Node) -> SQL:
        info = self.info[id(node)]
        source = self.scopes[info.level]
        key = info.key or ""
        table = source.table
        if key not in table.c:
            raise _unsupported(node, f"field {key}")
        return table.c[key]  # type: ignore[no-any-return]

    _label = _name

    def _userref(self, node: n.UserRef) -> SQL:
        return self.param(pyback.user_value(self.user, "id"), Type("number"))

    def _attr(self, node: n.Attr) -> SQL:
        if isinstance(node.target, n.UserRef):
            value = pyback.user_value(self.user, node.name)
            if isinstance(value, list):
                raise _unsupported(node, f"user.{node.name} outside 'in'")
            return self.param(value, self.type_of(node))
        target_source, id_sql = self.record(node.target)
        table = target_source.table
        key = self.info[id(node)].key or node.name
        if key not in table.c:
            raise _unsupported(node, f"field {key}")
        subquery = select(table.c[key]).where(table.c.id == id_sql).limit(1)
        return subquery.scalar_subquery()

    def record(self, node: n.Node) -> tuple[Any, SQL]:
        """The target source and id expression of a lookup-valued node."""
        if isinstance(node, n.Name | n.Label):
            info = self.info[id(node)]
            source = self.scopes[info.level]
            return source.lookup(info.key), self._name(node)
        if isinstance(node, n.Attr):
            inner_source, inner_id = self.record(node.target)
            table = inner_source.table
            key = self.info[id(node)].key or node.name
            sub = select(table.c[key]).where(table.c.id == inner_id).limit(1)
            return inner_source.lookup(key), sub.scalar_subquery()
        raise _unsupported(node, "this record expression")

    def _index(self, node: n.Index) -> SQL:
        raise _unsupported(node, "[...]")

    # -- operators ------------------------------------------------------------------------------
    def _unary(self, node: n.Unary) -> SQL:
        if node.op == "not":
            return not_(self.condition(node.operand))
        operand = self.value(node.operand)
        return op("neg", operand.sql, type_=operand.sql.type)

    def _chain(self, node: n.Chain) -> SQL:
        first = node.ops[0]
        if first in ("and", "or"):
            parts = [self.condition(o) for o in node.operands]
            return and_(*parts) if first == "and" else or_(*parts)
        if first == "&":
            return op(
                "concat", *[self.text_of(self.value(o), o) for o in node.operands], type_=String()
            )
        left = self.value(node.operands[0])
        for symbol, operand in zip(node.ops, node.operands[1:], strict=True):
            right = self.value(operand)
            left = self.arith(symbol, left, right, operand)
        return left.sql

    def arith(self, symbol: str, a: _Value, b: _Value, node: n.Node) -> _Value:
        result = check_operators.arith(symbol, a.type, b.type) or a.type
        kinds = (a.type.kind, b.type.kind)
        names = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}
        if "null" in kinds:
            return _Value(null(), result)
        if kinds == ("number", "number"):
            return _Value(op(names[symbol], a.sql, b.sql, type_=_Number()), result)
        if kinds == ("duration", "duration"):
            return _Value(op(names[symbol], a.sql, b.sql, type_=BigInteger()), result)
        if kinds == ("duration", "number"):
            name = "scale_seconds" if symbol == "*" else "divide_seconds"
            return _Value(op(name, a.sql, b.sql, type_=BigInteger()), result)
        if kinds == ("number", "duration"):
            return _Value(op("scale_seconds", b.sql, a.sql, type_=BigInteger()), result)
        if symbol == "-" and result.kind == "duration":
            if kinds == ("date", "date"):
                return _Value(op("date_diff", a.sql, b.sql, type_=BigInteger()), result)
            return _Value(
                op("moment_diff", self.moment(a), self.moment(b), type_=BigInteger()), result
            )
        if kinds == ("duration", "date") or kinds == ("duration", "datetime"):
            a, b = b, a
        seconds = b.sql if symbol == "+" else op("neg", b.sql, type_=BigInteger())
        if a.type.kind == "date":
            return _Value(op("date_shift", a.sql, seconds, type_=Date()), result)
        return _Value(op("moment_shift", a.sql, seconds, type_=_Moment()), result)

    def moment(self, value: _Value) -> SQL:
        """A date promoted to the start of its day in the app's zone; datetimes unchanged."""
        if value.type.kind == "date":
            return op("midnight", value.sql, self.tz_param(), type_=_Moment())
        return value.sql

    def text_of(self, value: _Value, node: n.Node) -> SQL:
        kind = value.type.kind
        if kind in ("text", "choice", "null"):
            return value.sql
        if kind in ("number", "user"):
            return op("num_text", value.sql, type_=String())
        if kind == "date":
            return op("date_text", value.sql, type_=String())
        if kind == "datetime":
            return op("moment_text", value.sql, self.tz_param(), type_=String())
        if kind == "boolean":
            return case(
                (value.sql == true(), "true"), (value.sql == false(), "false"), else_=null()
            )
        raise _unsupported(node, f"{kind} as text")

    def _compare(self, node: n.Compare) -> SQL:
        if node.op in ("in", "not in"):
            found = self.member(node)
            return not_(found) if node.op == "not in" else found
        left, right = self.value(node.left), self.value(node.right)
        if node.op in ("=", "!="):
            same = self.equal(left, right)
            return not_(same) if node.op == "!=" else same
        cmp = self.compare(left, right)
        accept = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[node.op]
        return op("truth", cmp.in_(accept), type_=Boolean())

    def equal(self, a: _Value, b: _Value) -> SQL:
        kinds = {a.type.kind, b.type.kind} - {"null"}
        if kinds & {"number", "user"}:
            return op("num_eq", a.sql, b.sql, type_=Boolean())
        if kinds & {"datetime"} and "date" in kinds:
            return op("eq", self.moment(a), self.moment(b), type_=Boolean())
        if kinds & {"list"}:
            raise RuleError("lists cannot be compared in a filter")
        return op("eq", a.sql, b.sql, type_=Boolean())

    def compare(self, a: _Value, b: _Value) -> SQL:
        kinds = {a.type.kind, b.type.kind} - {"null"}
        if "null" in (a.type.kind, b.type.kind):
            return null()
        if kinds & {"number"}:
            return op("num_cmp", a.sql, b.sql, type_=BigInteger())
        if kinds & {"text", "choice"}:
            return op("text_cmp", a.sql, b.sql, type_=BigInteger())
        if kinds == {"date", "datetime"}:
            return op("num_cmp_native", self.moment(a), self.moment(b))
        return op("native_cmp", a.sql, b.sql, type_=BigInteger())

    def member(self, node: n.Compare) -> SQL:
        left = self.value(node.left)
        right_node = node.right
        if isinstance(right_node, n.ListLiteral):
            items = [self.value(i) for i in right_node.items]
            return or_(false(), *[self.equal(left, i) for i in items])
        if isinstance(right_node, n.Attr) and isinstance(right_node.target, n.UserRef):
            values = pyback.user_value(self.user, right_node.name) or []
            items = [_Value(self.param(x, Type("text")), Type("text")) for x in values]
            return or_(false(), *[self.equal(left, i) for i in items])
        right = self.value(right_node)
        if right.type.kind == "null":
            return false()
        if right.type.is_list and right.type.item and right.type.item.kind in ("choice", "text"):
            return op("json_has", right.sql, left.sql, type_=Boolean())
        raise _unsupported(node, "'in' on this list")

    def _isnull(self, node: n.IsNull) -> SQL:
        value = self.value(node.operand)
        empty = self.is_empty(value)
        return not_(empty) if node.negated else empty

    def is_empty(self, value: _Value) -> SQL:
        """Null, including JSON ``null`` and ``[]`` in structured columns."""
        if value.type.is_list or value.type.kind == "value":
            return op("json_empty", value.sql, type_=Boolean())
        return value.sql.is_(None)

    # -- calls ------------------------------------------------------------------------------------
    def _call(self, node: n.Call) -> SQL:
        from servicekit.runtime.rules import sqlfunctions

        return sqlfunctions.compile_call(self, node)


_CMP_EXTRA = {
    "num_cmp_native": (
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
    ),
    "native_cmp": (
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
        "CASE WHEN {0} < {1} THEN -1 WHEN {0} > {1} THEN 1 WHEN {0} = {1} THEN 0 END",
    ),
}
_TEMPLATES.update(_CMP_EXTRA)


def compile_filter(
    checked: Checked, source: Any, *, now: datetime, user: Mapping[str, Any], tz: tzinfo
) -> SQL:
    """The rule as a WHERE condition over ``source.table`` (never null)."""
    compiler = _SqlCompiler(checked, source, now, user, tz)
    try:
        return compiler.where(checked.tree)
    except (KeyError, AttributeError) as exc:
        raise RuleError(f"the rule does not fit this record source ({exc})") from exc


__all__ = ["compile_filter", "op", "func", "Boolean", "Numeric"]
