"""Checks a record's values against its form: required, lengths, patterns, ranges, rows.

Every problem is returned at once, each tied to its field (and subform row), so a page can
show them all beside the inputs while keeping what the user typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import re2

from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.storage.messages import N_, FieldError
from servicekit.runtime.forms.logic import FieldState

DEFAULT_TEXT_LENGTH = 255
_ORDERED = ("integer", "decimal", "date", "datetime")


def _bound(item: FieldDef, name: str) -> Any:
    value = item.get(name)
    if value is None:
        return None
    kind = item.value_type
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def check_value(item: FieldDef, value: Any) -> str | None:
    """The message template for one value that breaks its field's limits, or ``None``."""
    kind = item.value_type
    if kind in ("text", "long_text", "rich_text") and isinstance(value, str):
        limit = item.get("max_length") or (DEFAULT_TEXT_LENGTH if kind == "text" else None)
        if limit and len(value) > int(limit):
            return N_("Enter at most %(max)s characters (now %(length)s).")
        pattern = item.get("pattern")
        if pattern and not re2.fullmatch(pattern, value):
            return N_("The value does not have the expected format.")
    if kind in _ORDERED:
        low, high = _bound(item, "min"), _bound(item, "max")
        try:
            if low is not None and value < low:
                return N_("Enter %(min)s or more.")
            if high is not None and value > high:
                return N_("Enter %(max)s or less.")
        except TypeError:
            return None  # a mistyped bound is reported at publish, not to the person typing
    return None


def _params(item: FieldDef, value: Any) -> dict[str, Any]:
    return {
        "max": item.get("max_length") or item.get("max") or DEFAULT_TEXT_LENGTH,
        "min": item.get("min"),
        "length": len(value) if isinstance(value, str) else None,
    }


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def validate_values(
    form: FormDef, values: Mapping[str, Any], state: FieldState
) -> list[FieldError]:
    """Every problem with ``values`` (already typed) for ``form`` in field ``state``."""
    errors: list[FieldError] = []
    for item in form.fields:
        if item.key in state.hidden:
            continue
        value = values.get(item.key)
        if item.key in state.required and _is_blank(value):
            errors.append(FieldError(item.key, N_("This field is required.")))
            continue
        if item.type == "subform":
            errors += _validate_rows(item, value or [])
            continue
        if value is not None and (template := check_value(item, value)):
            errors.append(FieldError(item.key, template, _params(item, value)))
    return errors


def _validate_rows(item: FieldDef, rows: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    rows = list(rows)
    errors: list[FieldError] = []
    low, high = item.get("min_rows"), item.get("max_rows")
    if low is not None and len(rows) < int(low):
        errors.append(FieldError(item.key, N_("Add at least %(min)s rows."), {"min": low}))
    if high is not None and len(rows) > int(high):
        errors.append(FieldError(item.key, N_("Keep at most %(max)s rows."), {"max": high}))
    for index, row in enumerate(rows):
        for child in item.children:
            value = row.get(child.key)
            if child.get("required") and _is_blank(value):
                errors.append(
                    FieldError(
                        item.key, N_("This field is required."), row=index, subfield=child.key
                    )
                )
            elif value is not None and (template := check_value(child, value)):
                errors.append(
                    FieldError(
                        item.key, template, _params(child, value), row=index, subfield=child.key
                    )
                )
    return errors
