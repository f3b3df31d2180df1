"""Typed, immutable views of validated form metadata, used by storage and the engines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FIELD_TYPES = (
    "text",
    "long_text",
    "rich_text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "duration",
    "select",
    "multi_select",
    "user",
    "lookup",
    "subform",
    "attachment",
    "image",
    "signature",
    "location",
    "formula",
    "auto_number",
)

# Columns every record table has; field keys may not reuse them.
SYSTEM_COLUMNS = (
    "id",
    "number",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "version",
    "deleted",
    "deleted_at",
    "parent_id",
    "position",
)

# Field keys may not be words of the rule language.
RULE_KEYWORDS = ("and", "or", "not", "in", "is", "null", "true", "false", "user")


def label_text(label: Any, locale: str = "zh_CN") -> str:
    """Pick the text of a translatable label for ``locale`` (falls back to any language)."""
    if isinstance(label, dict):
        lang = "zh" if locale.startswith("zh") else "en"
        return str(label.get(lang) or label.get("en") or label.get("zh") or "")
    return "" if label is None else str(label)


@dataclass(frozen=True)
class FieldDef:
    """One field of a form (or of a subform's rows)."""

    key: str
    type: str
    label: Any
    raw: dict[str, Any]
    children: tuple[FieldDef, ...] = ()

    @property
    def stored(self) -> bool:
        """Whether the field has a column in the record table (subforms get a child table)."""
        return self.type != "subform"

    @property
    def value_type(self) -> str:
        """The storage type: a formula's ``result_type``, else the field's own type."""
        if self.type == "formula":
            return str(self.raw.get("result_type", "text"))
        return self.type

    def get(self, name: str, default: Any = None) -> Any:
        return self.raw.get(name, default)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldDef:
        children = tuple(cls.from_dict(item) for item in data.get("fields", ()))
        return cls(
            key=data["key"], type=data["type"], label=data.get("label"), raw=data, children=children
        )


@dataclass(frozen=True)
class FormDef:
    """A validated form: its fields, layout, numbering, title and permissions."""

    app_key: str
    key: str
    label: Any
    fields: tuple[FieldDef, ...]
    raw: dict[str, Any]

    def field(self, key: str) -> FieldDef:
        for item in self.fields:
            if item.key == key:
                return item
        raise KeyError(key)

    @property
    def stored_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.stored)

    @property
    def subforms(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.type == "subform")

    @property
    def lookups(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.type == "lookup")

    @property
    def numbering(self) -> dict[str, Any] | None:
        return self.raw.get("numbering")

    @classmethod
    def from_dict(cls, app_key: str, data: dict[str, Any]) -> FormDef:
        return cls(
            app_key=app_key,
            key=data["key"],
            label=data.get("label"),
            fields=tuple(FieldDef.from_dict(item) for item in data.get("fields", ())),
            raw=data,
        )
