"""The list page's filter builder: rows of field, operator and value turned into a rule.

The result is an expression in the rule language, so it runs through the same compiler
(and bound SQL parameters) as a typed filter; a value that does not fit its field is
reported instead of being guessed at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.storage.messages import N_

OPERATORS: dict[str, str] = {
    "eq": "=",
    "ne": "!=",
    "gt": ">",
    "ge": ">=",
    "lt": "<",
    "le": "<=",
    "contains": "contains",
    "empty": "is null",
    "filled": "is not null",
}
NUMBERS = frozenset({"integer", "decimal"})
FILTERABLE = frozenset(
    {"text", "long_text", "integer", "decimal", "boolean", "date", "select", "user", "auto_number"}
)
MAX_ROWS = 10


@dataclass(frozen=True)
class FilterRow:
    """One row of the builder as the user set it."""

    field: str
    op: str
    value: str


class FilterProblem(ValueError):
    """A builder row that cannot become a rule; ``template`` is translated by the view."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


def filter_fields(form: FormDef, hidden: frozenset[str]) -> list[FieldDef]:
    """Fields the builder offers (the user may see them and their type compares simply)."""
    return [f for f in form.stored_fields if f.value_type in FILTERABLE and f.key not in hidden]


def _literal(item: FieldDef, value: str) -> str:
    kind = item.value_type
    text = value.strip()
    if kind in NUMBERS or kind == "user":
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise FilterProblem(N_("'%(value)s' is not a number."), value=text[:40]) from None
        if not number.is_finite():
            raise FilterProblem(N_("'%(value)s' is not a number."), value=text[:40])
        return str(number)
    if kind == "boolean":
        return "true" if text.lower() in ("true", "1", "yes", "是") else "false"
    if kind == "date":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise FilterProblem(N_("Enter a date such as 2026-01-31.")) from None
        return f"DATE({day.year}, {day.month}, {day.day})"
    # json.dumps gives a double-quoted string with backslash escapes, as the rule language reads it.
    return json.dumps(text[:200], ensure_ascii=False)


def row_expression(item: FieldDef, row: FilterRow) -> str:
    """The rule for one builder row."""
    if row.op not in OPERATORS:
        raise FilterProblem(N_("Unknown operator."))
    if row.op == "empty":
        return f"{item.key} is null"
    if row.op == "filled":
        return f"{item.key} is not null"
    if row.op == "contains":
        return f"CONTAINS({item.key}, {json.dumps(row.value.strip()[:200], ensure_ascii=False)})"
    return f"{item.key} {OPERATORS[row.op]} {_literal(item, row.value)}"


def build_filter(
    form: FormDef, rows: list[FilterRow], typed: str | None, hidden: frozenset[str]
) -> str | None:
    """All builder rows and the typed expression joined with ``and`` (``None`` when empty)."""
    allowed = {f.key: f for f in filter_fields(form, hidden)}
    parts = []
    for row in rows[:MAX_ROWS]:
        if not row.field:
            continue
        if row.field not in allowed:
            raise FilterProblem(N_("This field cannot be filtered on."))
        if row.op not in ("empty", "filled") and not row.value.strip():
            continue
        parts.append(row_expression(allowed[row.field], row))
    if typed and typed.strip():
        parts.append(f"({typed.strip()})")
    return " and ".join(parts) or None
