"""Typed, immutable views of validated form metadata, used by storage and the engines."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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

# The system columns a record carries to its readers (lists, pages, API, rules).
RECORD_COLUMNS = ("id", "number", "created_at", "created_by", "updated_at", "updated_by", "version")
# Columns every record table has; field keys may not reuse them.
SYSTEM_COLUMNS = (*RECORD_COLUMNS, "deleted", "deleted_at", "parent_id", "position")

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

    def label_for(self, locale: str = "zh_CN") -> str:
        """The field's caption in ``locale``, for forms, lists and messages."""
        return label_text(self.label, locale) or self.key

    @property
    def required(self) -> bool:
        return bool(self.raw.get("required"))

    @cached_property
    def options(self) -> tuple[OptionDef, ...]:
        """The choices of a select or multi_select field (empty for other types)."""
        return tuple(OptionDef.from_dict(item) for item in self.raw.get("options", ()))

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
    def auto_numbers(self) -> tuple[FieldDef, ...]:
        """Auto-number fields: filled from their own sequence when a record is created."""
        return tuple(f for f in self.fields if f.type == "auto_number")

    @property
    def lookups(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.type == "lookup")

    @property
    def numbering(self) -> dict[str, Any] | None:
        return self.raw.get("numbering")

    def label_for(self, locale: str = "zh_CN") -> str:
        """The form's name in ``locale``."""
        return label_text(self.label, locale) or self.key

    @property
    def title(self) -> str | None:
        """The record title template (``{{ expression }}`` placeholders), if the form has one."""
        return self.raw.get("title")

    @cached_property
    def layout(self) -> LayoutDef:
        """How fields are arranged; without a layout, one section with a field per row."""
        data = self.raw.get("layout")
        if data is None:
            rows = tuple((item.key,) for item in self.fields)
            return LayoutDef(tabs=(), sections=(SectionDef("main", None, 1, rows),))
        return LayoutDef.from_dict(data)

    @cached_property
    def validations(self) -> tuple[ValidationDef, ...]:
        return tuple(ValidationDef.from_dict(item) for item in self.raw.get("validations", ()))

    @cached_property
    def permissions(self) -> dict[str, PermissionDef]:
        """Each app role's rights on this form; a role not listed has none."""
        return {
            role: PermissionDef.from_dict(item)
            for role, item in self.raw.get("permissions", {}).items()
        }

    @cached_property
    def indexes(self) -> tuple[IndexDef, ...]:
        return tuple(IndexDef.from_dict(item) for item in self.raw.get("indexes", ()))

    @classmethod
    def from_dict(cls, app_key: str, data: dict[str, Any]) -> FormDef:
        return cls(
            app_key=app_key,
            key=data["key"],
            label=data.get("label"),
            fields=tuple(FieldDef.from_dict(item) for item in data.get("fields", ())),
            raw=data,
        )


@dataclass(frozen=True)
class OptionDef:
    """One choice of a select or multi_select field: the stored value and what people see."""

    value: str
    label: Any
    color: str | None = None

    def label_for(self, locale: str = "zh_CN") -> str:
        return label_text(self.label, locale) or self.value

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptionDef:
        return cls(value=data["value"], label=data.get("label"), color=data.get("color"))


@dataclass(frozen=True)
class SectionDef:
    """A block of a form's layout: a grid of ``columns`` columns with rows of field keys."""

    key: str
    label: Any
    columns: int
    rows: tuple[tuple[str, ...], ...]

    @property
    def field_keys(self) -> tuple[str, ...]:
        return tuple(key for row in self.rows for key in row)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SectionDef:
        return cls(
            key=data["key"],
            label=data.get("label"),
            columns=int(data.get("columns", 1)),
            rows=tuple(tuple(row) for row in data.get("rows", ())),
        )


@dataclass(frozen=True)
class TabDef:
    """One tab of a form's layout, holding sections."""

    key: str
    label: Any
    sections: tuple[SectionDef, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TabDef:
        sections = tuple(SectionDef.from_dict(item) for item in data.get("sections", ()))
        return cls(key=data["key"], label=data.get("label"), sections=sections)


@dataclass(frozen=True)
class LayoutDef:
    """A form's layout: either tabs of sections, or sections alone (``tabs`` is then empty)."""

    tabs: tuple[TabDef, ...]
    sections: tuple[SectionDef, ...]

    @property
    def all_sections(self) -> tuple[SectionDef, ...]:
        """Every section in display order, whether or not it sits on a tab."""
        return tuple(s for tab in self.tabs for s in tab.sections) + self.sections

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayoutDef:
        return cls(
            tabs=tuple(TabDef.from_dict(item) for item in data.get("tabs", ())),
            sections=tuple(SectionDef.from_dict(item) for item in data.get("sections", ())),
        )


@dataclass(frozen=True)
class ValidationDef:
    """A rule checked when a record is saved, and the message shown when it is false."""

    rule: str
    message: Any
    field: str | None = None
    key: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationDef:
        return cls(
            rule=data["rule"],
            message=data.get("message"),
            field=data.get("field"),
            key=data.get("key"),
        )


@dataclass(frozen=True)
class PermissionDef:
    """One app role's rights on a form; ``scope`` narrows which records they apply to."""

    create: bool = False
    read: bool = False
    update: bool = False
    delete: bool = False
    scope: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PermissionDef:
        return cls(
            create=bool(data.get("create")),
            read=bool(data.get("read")),
            update=bool(data.get("update")),
            delete=bool(data.get("delete")),
            scope=data.get("scope"),
        )


@dataclass(frozen=True)
class IndexDef:
    """An extra database index over one or more stored fields."""

    fields: tuple[str, ...]
    unique: bool = False
    key: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexDef:
        return cls(
            fields=tuple(data["fields"]), unique=bool(data.get("unique")), key=data.get("key")
        )
