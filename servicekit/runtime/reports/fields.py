"""Resolve the field paths a report names (``priority``, ``customer.level``, ``parts.qty``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Columns every record table has, with the kind of value they hold.
SYSTEM_FIELDS = {
    "id": "integer",
    "number": "text",
    "created_at": "datetime",
    "updated_at": "datetime",
    "created_by": "user",
    "updated_by": "user",
}
NUMBER_TYPES = ("integer", "decimal", "number", "duration")
TEXT_TYPES = ("text", "long_text", "rich_text", "auto_number")
# Structured values (lists, files, places) cannot be grouped or aggregated.
GROUPABLE = (*NUMBER_TYPES, *TEXT_TYPES, "select", "user", "lookup", "boolean", "date", "datetime")


class PathError(ValueError):
    """A field path that does not name a usable field; the message says why."""


@dataclass(frozen=True)
class FieldPath:
    """A resolved path: the lookups followed, an optional subform, and the final field."""

    path: str
    lookups: tuple[str, ...]  # lookup field keys followed from the source form, in order
    forms: tuple[str, ...]  # the form reached after each lookup
    subform: str | None  # the subform whose rows hold the field (measures only)
    key: str
    value_type: str
    raw: Mapping[str, Any]

    @property
    def first(self) -> str:
        """The key of the source form's field the path starts with (for field rights)."""
        return self.lookups[0] if self.lookups else (self.subform or self.key)

    @property
    def is_number(self) -> bool:
        """Numbers, and selects whose option values are all numbers (ratings, scores)."""
        return self.value_type in NUMBER_TYPES or self.numeric_select

    @property
    def numeric_select(self) -> bool:
        if self.value_type != "select":
            return False
        values = [str(option.get("value", "")) for option in self.raw.get("options") or ()]
        return bool(values) and all(_is_number(value) for value in values)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _value_type(item: Mapping[str, Any]) -> str:
    if item.get("type") == "formula":
        return str(item.get("result_type", "text"))
    return str(item.get("type"))


def resolve(
    path: str,
    form_key: str,
    forms: Mapping[str, list[dict[str, Any]]],
    *,
    allow_subform: bool = False,
) -> FieldPath:
    """Resolve ``path`` against ``form_key``'s fields; raises :class:`PathError`."""
    parts = path.split(".")
    if any(not part for part in parts) or len(parts) > 4:
        raise PathError(f"'{path}' is not a field path (use field or lookup.field)")
    lookups: list[str] = []
    reached: list[str] = []
    current = form_key
    subform: str | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        fields = {item.get("key"): item for item in forms.get(current) or ()}
        if subform is not None:
            fields = {item.get("key"): item for item in subform_fields(forms, current, subform)}
        if part in SYSTEM_FIELDS and subform is None and last:
            return FieldPath(
                path, tuple(lookups), tuple(reached), None, part, SYSTEM_FIELDS[part], {}
            )
        item = fields.get(part)
        if item is None:
            known = ", ".join(sorted(str(k) for k in fields)[:12])
            where = f"form '{current}'" if subform is None else f"subform '{subform}'"
            raise PathError(f"unknown field '{part}' in {where} (known: {known})")
        kind = str(item.get("type"))
        if last:
            if kind == "subform":
                raise PathError(f"'{path}' is a subform; name one of its fields ({path}.field)")
            return FieldPath(
                path, tuple(lookups), tuple(reached), subform, part, _value_type(item), item
            )
        if kind == "lookup" and subform is None:
            lookups.append(part)
            current = str(item.get("form"))
            reached.append(current)
        elif kind == "subform" and allow_subform and subform is None and not lookups:
            subform = part
        elif kind == "subform":
            raise PathError(
                f"'{path}': subform rows can only be summed by a measure, not followed here"
            )
        else:
            raise PathError(
                f"'{path}': '{part}' is neither a lookup nor a subform, so it has no fields"
            )
    raise PathError(f"'{path}' is not a field path")  # pragma: no cover - loop always returns


def subform_fields(
    forms: Mapping[str, list[dict[str, Any]]], form_key: str, subform: str
) -> list[dict[str, Any]]:
    for item in forms.get(form_key) or ():
        if item.get("key") == subform:
            return list(item.get("fields") or ())
    return []
