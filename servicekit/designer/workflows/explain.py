"""Why a guard holds or not: its value, the values of the fields it read, each operand's value.

Used by the simulation to report a blocked guard the way a builder can act on it: the
expression, ``false``, and e.g. ``parts.qty = [1, 2]``, ``parts.unit_price = ["300.00", ...]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from servicekit.runtime.rules import RuleError, compile_rule


def guard_report(sc: Any, source: str, path: str) -> dict[str, Any]:
    """``{"expression", "path", "holds", "value", "reads", "explain"}`` or with an ``error``.

    ``sc`` is a simulation ``Scenario`` (its form's fields, the values, actor and clock).
    A guard that does not compile or evaluate does not hold, as in the engine.
    """
    report: dict[str, Any] = {"expression": source, "path": path, "holds": False}
    try:
        rule = compile_rule(source, sc.fields, forms=sc.forms, expect="boolean")
        context = {"now": sc.now, "user": dict(sc.actor.rule_user), "tz": sc.tz}
        value = rule.evaluate(sc.values, **context)
        explained = rule.explain(sc.values, **context)
    except RuleError as exc:
        report["error"] = exc.message
        return report
    report["holds"] = value is True
    report["value"] = plain(value)
    report["reads"] = {p: plain(value_at_path(sc.values, p)) for p in leaf_paths(rule.fields)}
    report["explain"] = [{"text": e["text"], "value": plain(e["value"])} for e in explained]
    return report


def leaf_paths(paths: frozenset[str] | set[str]) -> list[str]:
    """The paths no other path extends (``parts.qty`` rather than ``parts``), sorted."""
    return sorted(p for p in paths if not any(o.startswith(p + ".") for o in paths))


def value_at_path(values: Mapping[str, Any], path: str) -> Any:
    """The value at ``customer.region``; through a subform, the list of its rows' values."""
    current: Any = values
    for part in path.split("."):
        if isinstance(current, list):
            current = [row.get(part) if isinstance(row, Mapping) else None for row in current]
        elif isinstance(current, Mapping):
            current = current.get(part)
        else:
            return None
    return current


def plain(value: Any) -> Any:
    """``value`` as JSON: decimals as strings (exact), dates as ISO text, durations as minutes."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{int(value.total_seconds() // 60)}m"
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)
