"""The result type of an arithmetic operator on two operand types, or ``None`` if illegal.

For the checker (which reports the illegal ones) and the Python and SQL back ends (which
pick date or duration arithmetic from the same table).
"""

from __future__ import annotations

from servicekit.runtime.rules.rtypes import DATE, DATETIME, DURATION, NUMBER, Type

_PLUS = {
    ("date", "duration"): DATE,
    ("duration", "date"): DATE,
    ("datetime", "duration"): DATETIME,
    ("duration", "datetime"): DATETIME,
    ("duration", "duration"): DURATION,
}
_MINUS = {
    ("date", "duration"): DATE,
    ("datetime", "duration"): DATETIME,
    ("duration", "duration"): DURATION,
    ("date", "date"): DURATION,
    ("datetime", "datetime"): DURATION,
    ("date", "datetime"): DURATION,
    ("datetime", "date"): DURATION,
}


def arith(op: str, a: Type, b: Type) -> Type | None:
    """The type of ``a op b`` for ``op`` one of ``+ - * /``; ``None`` when it has none."""
    kinds = (a.kind, b.kind)
    if "null" in kinds:
        other = b if a.kind == "null" else a
        if other.kind in ("number", "date", "datetime", "duration", "null"):
            return other if op in "+-" or other.kind in ("number", "null") else NUMBER
        return None
    if kinds == ("number", "number"):
        return NUMBER
    if op == "+":
        return _PLUS.get(kinds)
    if op == "-":
        return _MINUS.get(kinds)
    if op == "*" and kinds in (("duration", "number"), ("number", "duration")):
        return DURATION
    if op == "/" and kinds == ("duration", "number"):
        return DURATION
    return None
