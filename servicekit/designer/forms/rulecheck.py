"""Check one rule for an editor: its type, or every problem with character offsets and a
"did you mean" fix; optionally its value on a sample record.

Used by the rule-check API that the form, workflow and report designers call as the
builder types. Takes plain data (source text, field lists) and returns JSON-ready dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.runtime.rules import Problem, RuleError, compile_rule, normalize
from servicekit.runtime.rules.values import to_json

Fields = list[dict[str, Any]]
EXPECTED = ("boolean", "number", "text", "date", "datetime", "duration")
# The checker words unknown names as "unknown field NAME (did you mean X?)" (resolve.py).
_UNKNOWN = re.compile(
    r"^unknown (?P<what>field|function) (?P<name>.+?) \(did you mean (?P<hint>.+)\?\)$"
)
_BARE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _offsets(source: str, problem: Problem) -> tuple[int, int]:
    """0-based ``[start, end)`` character offsets of a problem in ``source``."""
    starts = _line_starts(source)
    base = starts[min(max(problem.line, 1), len(starts)) - 1]
    start = min(base + max(problem.column, 1) - 1, len(source))
    end = min(base + max(problem.end_column, problem.column + 1) - 1, len(source))
    return start, max(end, start)


def _fix(problem: Problem, start: int, end: int, source: str, fields: Fields) -> dict[str, Any]:
    """The suggested name and the text that would replace ``[start, end)``, if any."""
    match = _UNKNOWN.match(problem.message)
    if match is None:
        return {}
    hint, name = match["hint"], match["name"]
    if match["what"] == "function":
        # The problem spans the whole call; only the function's name is replaced.
        return {
            "suggestion": hint,
            "replace_start": start,
            "replace_end": start + len(name),
            "replacement": hint,
        }
    keys = {item.get("key") for item in fields}
    written_as_label = name.startswith("{") or source[start : start + 1] == "{"
    needs_braces = written_as_label or hint not in keys or not _BARE_NAME.match(hint)
    replacement = "{" + hint + "}" if needs_braces else hint
    return {
        "suggestion": hint,
        "replace_start": start,
        "replace_end": end,
        "replacement": replacement,
    }


def rule_scope(fields: Fields, subform: str | None) -> Fields:
    """The names a rule sees: a subform row's columns first (then the record's), or the form's."""
    if not subform:
        return fields
    for item in fields:
        if item.get("key") == subform and item.get("type") == "subform":
            rows = [f for f in item.get("fields") or [] if isinstance(f, dict)]
            row_keys = {f.get("key") for f in rows}
            return rows + [f for f in fields if f.get("key") not in row_keys]
    raise KeyError(subform)


def check_rule(
    source: str,
    fields: Fields,
    forms: Mapping[str, Fields],
    *,
    expect: str | None = None,
    values: Mapping[str, Any] | None = None,
    now: datetime,
    tz: ZoneInfo,
    user: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The editor's answer for ``source``: ``ok``, ``type``, ``errors`` and, when it compiles,
    the fields it reads, its key-based form (``normalized``) and the value on ``values``."""
    try:
        rule = compile_rule(source, fields, forms=dict(forms), expect=expect)
    except RuleError as exc:
        errors = []
        for problem in exc.problems:
            start, end = _offsets(source, problem)
            errors.append(
                {
                    "message": problem.message,
                    "line": problem.line,
                    "column": problem.column,
                    "start": start,
                    "end": end,
                    "suggestion": None,
                    **_fix(problem, start, end, source, fields),
                }
            )
        return {"ok": False, "type": None, "errors": errors}
    answer: dict[str, Any] = {
        "ok": True,
        "type": rule.type,
        "errors": [],
        "fields": sorted(rule.fields),
        "normalized": normalize(source, fields, forms=dict(forms)),
        "can_filter": rule.can_filter,
    }
    if values is not None:
        try:
            value = rule.evaluate(values, now=now, user=user, tz=tz)
            answer["value"] = to_json(value, tz)
        except RuleError as exc:
            answer["value_error"] = exc.message
    return answer
