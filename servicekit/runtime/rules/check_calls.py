"""Per-function type rules: what each built-in function accepts and what type it gives.

For the checker, which has already checked the argument count (:mod:`signatures`) and
handed aggregates over lists to :mod:`check_aggregates`; ``CALLS`` maps each function
name to its rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.resolve import Scope
from servicekit.runtime.rules.rtypes import (
    BOOLEAN,
    DATE,
    DATETIME,
    DURATION,
    NULL,
    NUMBER,
    TEXT,
    Type,
    comparable,
    unify,
)
from servicekit.runtime.rules.signatures import UNITS

if TYPE_CHECKING:
    from servicekit.runtime.rules.check_nodes import Checker

CallRule = Callable[["Checker", n.Call, Scope], Type]
_TEXT_KINDS = ("text", "choice")
_DATE_KINDS = ("date", "datetime")


def _text_fn(result: Type) -> CallRule:
    def rule(c: Checker, node: n.Call, scope: Scope) -> Type:
        c.expect(node.args[0], scope, _TEXT_KINDS, f"the text of {node.name}")
        for arg in node.args[1:]:
            c.expect(arg, scope, _TEXT_KINDS, f"the argument of {node.name}")
        return result

    return rule


def _text_count_fn(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.expect(node.args[0], scope, _TEXT_KINDS, f"the text of {node.name}")
    for arg in node.args[1:]:
        c.expect(arg, scope, ("number",), f"the count of {node.name}")
    return TEXT


def _number_fn(result: Type = NUMBER) -> CallRule:
    def rule(c: Checker, node: n.Call, scope: Scope) -> Type:
        for arg in node.args:
            c.expect(arg, scope, ("number",), f"the argument of {node.name}")
        return result

    return rule


def _date_part(kinds: tuple[str, ...]) -> CallRule:
    def rule(c: Checker, node: n.Call, scope: Scope) -> Type:
        c.expect(node.args[0], scope, kinds, f"the argument of {node.name}")
        return NUMBER

    return rule


def _unify_all(c: Checker, node: n.Call, args: Sequence[n.Node], scope: Scope) -> Type:
    """Visit ``args`` and give their common type (the results of IF, IFS, COALESCE...)."""
    types = [c.visit(a, scope) for a in args]
    result = NULL
    for found, arg in zip(types, args, strict=True):
        merged = unify(result, found)
        if merged is None:
            return c.error(
                arg, f"the results of {node.name} must have one type: {found} after {result}"
            )
        result = merged
    return result


def _if(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.boolean(node.args[0], scope, "the condition of IF")
    return _unify_all(c, node, node.args[1:], scope)


def _ifs(c: Checker, node: n.Call, scope: Scope) -> Type:
    if len(node.args) % 2:
        return c.error(node, "IFS takes pairs of condition and value")
    for cond in node.args[0::2]:
        c.boolean(cond, scope, "each condition of IFS")
    return _unify_all(c, node, node.args[1::2], scope)


def _switch(c: Checker, node: n.Call, scope: Scope) -> Type:
    subject = c.visit(node.args[0], scope)
    rest = node.args[1:]
    pairs = len(rest) // 2
    for match in rest[0 : 2 * pairs : 2]:
        found = c.visit(match, scope)
        if not comparable(subject, found):
            c.error(match, f"SWITCH compares {subject} with {found}")
    values = list(rest[1 : 2 * pairs : 2]) + ([rest[-1]] if len(rest) % 2 else [])
    return _unify_all(c, node, values, scope)


def _logic(c: Checker, node: n.Call, scope: Scope) -> Type:
    for arg in node.args:
        c.boolean(arg, scope, f"each argument of {node.name}")
    return BOOLEAN


def _isblank(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.visit(node.args[0], scope)
    return BOOLEAN


def _coalesce(c: Checker, node: n.Call, scope: Scope) -> Type:
    return _unify_all(c, node, node.args, scope)


def _shown(c: Checker, node: n.Node, scope: Scope) -> Type | None:
    """Visit ``node``; return its type if it cannot be shown as text, else ``None``."""
    found = c.visit(node, scope)
    return found if found.is_list or found.kind in ("record", "row", "value") else None


def _concat(c: Checker, node: n.Call, scope: Scope) -> Type:
    for arg in node.args:
        bad = _shown(c, arg, scope)
        if bad is not None:
            c.error(arg, f"CONCAT joins text, numbers and dates, not {bad}")
    return TEXT


def _text(c: Checker, node: n.Call, scope: Scope) -> Type:
    bad = _shown(c, node.args[0], scope)
    if bad is not None:
        c.error(node.args[0], f"TEXT cannot show {bad}")
    return TEXT


def _len(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.expect(node.args[0], scope, _TEXT_KINDS, "the text of LEN")
    return NUMBER


def _mid(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.expect(node.args[0], scope, _TEXT_KINDS, "the text of MID")
    c.expect(node.args[1], scope, ("number",), "the start of MID")
    c.expect(node.args[2], scope, ("number",), "the count of MID")
    return TEXT


def _date(c: Checker, node: n.Call, scope: Scope) -> Type:
    _number_fn()(c, node, scope)
    return DATE if node.name == "DATE" else DATETIME


def _dateadd(c: Checker, node: n.Call, scope: Scope) -> Type:
    base = c.expect(node.args[0], scope, _DATE_KINDS, "the date of DATEADD")
    c.expect(node.args[1], scope, ("number",), "the amount of DATEADD")
    unit = _unit(c, node.args[2], scope)
    if base.kind == "date" and unit in ("hour", "minute"):
        base = DATETIME
    return c.note(node, base if base.kind != "null" else DATE, unit=unit)


def _datedif(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.expect(node.args[0], scope, _DATE_KINDS, "the start of DATEDIF")
    c.expect(node.args[1], scope, _DATE_KINDS, "the end of DATEDIF")
    return c.note(node, NUMBER, unit=_unit(c, node.args[2], scope))


def _unit(c: Checker, node: n.Node, scope: Scope) -> str | None:
    c.visit(node, scope)
    if isinstance(node, n.Literal) and isinstance(node.value, str):
        unit = UNITS.get(node.value.lower())
        if unit:
            return unit
    c.error(
        node, 'the unit must be written as text: "year", "month", "week", "day", "hour" or "minute"'
    )
    return None


def _in_role(c: Checker, node: n.Call, scope: Scope) -> Type:
    c.expect(node.args[0], scope, ("text",), "the role of IN_ROLE")
    return BOOLEAN


def _previous(c: Checker, node: n.Call, scope: Scope) -> Type:
    arg = node.args[0]
    found = c.visit(arg, scope)
    info = c.info.get(id(arg))
    if not isinstance(arg, n.Name | n.Label) or info is None or info.key is None:
        return c.error(arg, f"{node.name} needs a field of the form")
    if info.level != 0:
        return c.error(arg, f"{node.name} needs a field of the form, not of a row")
    return BOOLEAN if node.name == "CHANGED" else found


def _extreme(c: Checker, node: n.Call, scope: Scope) -> Type:
    result = _coalesce(c, node, scope)
    if result.kind not in ("number", "null"):
        c.not_in_sql(node, f"{node.name} of {result} cannot be used in a filter")
    return result


def _constant(result: Type) -> CallRule:
    return lambda c, node, scope: result


_NUMBER = _number_fn()
_DATE_PART = _date_part(_DATE_KINDS)
_TEXT_TO_TEXT = _text_fn(TEXT)
_TEXT_TO_BOOLEAN = _text_fn(BOOLEAN)

CALLS: dict[str, CallRule] = {
    "IF": _if,
    "IFS": _ifs,
    "SWITCH": _switch,
    "AND": _logic,
    "OR": _logic,
    "NOT": _logic,
    "ISBLANK": _isblank,
    "COALESCE": _coalesce,
    "IFERROR": _coalesce,
    "CONCAT": _concat,
    "LEN": _len,
    "LEFT": _text_count_fn,
    "RIGHT": _text_count_fn,
    "MID": _mid,
    "UPPER": _TEXT_TO_TEXT,
    "LOWER": _TEXT_TO_TEXT,
    "TRIM": _TEXT_TO_TEXT,
    "SUBSTITUTE": _TEXT_TO_TEXT,
    "CONTAINS": _TEXT_TO_BOOLEAN,
    "STARTSWITH": _TEXT_TO_BOOLEAN,
    "ENDSWITH": _TEXT_TO_BOOLEAN,
    "TEXT": _text,
    "VALUE": _text_fn(NUMBER),
    "ROUND": _NUMBER,
    "ROUNDUP": _NUMBER,
    "ROUNDDOWN": _NUMBER,
    "INT": _NUMBER,
    "CEILING": _NUMBER,
    "FLOOR": _NUMBER,
    "ABS": _NUMBER,
    "MOD": _NUMBER,
    "POWER": _NUMBER,
    "MIN": _extreme,
    "MAX": _extreme,
    "NOW": _constant(DATETIME),
    "TODAY": _constant(DATE),
    "DATE": _date,
    "DATETIME": _date,
    "YEAR": _DATE_PART,
    "MONTH": _DATE_PART,
    "DAY": _DATE_PART,
    "HOUR": _date_part(("datetime",)),
    "WEEKDAY": _DATE_PART,
    "DATEADD": _dateadd,
    "DATEDIF": _datedif,
    "MINUTES": _number_fn(DURATION),
    "HOURS": _number_fn(DURATION),
    "DAYS": _number_fn(DURATION),
    "IN_ROLE": _in_role,
    "CHANGED": _previous,
    "PREVIOUS": _previous,
}
