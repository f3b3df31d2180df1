"""The value types of the rule language and how form field types map onto them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_TYPE_MAP = {
    "text": "text",
    "long_text": "text",
    "rich_text": "text",
    "auto_number": "text",
    "integer": "number",
    "decimal": "number",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "duration": "duration",
    "select": "choice",
    "user": "user",
    "lookup": "record",
}
# Structured values the language can only test for emptiness.
OPAQUE_FIELD_TYPES = ("attachment", "image", "signature", "location")


@dataclass(frozen=True)
class Type:
    """A rule type as ``Rule.type`` reports it (``number``, ``list<text>``, ...).

    ``fields`` (records and rows) holds the field definitions dot access can reach, and
    ``form`` the key of a lookup's target form; neither takes part in equality.
    """

    kind: str
    item: Type | None = None
    fields: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)
    form: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"list<{self.item}>" if self.kind == "list" and self.item else self.kind

    @property
    def is_list(self) -> bool:
        return self.kind == "list"


BOOLEAN = Type("boolean")
NUMBER = Type("number")
TEXT = Type("text")
DATE = Type("date")
DATETIME = Type("datetime")
DURATION = Type("duration")
CHOICE = Type("choice")
USER = Type("user")
NULL = Type("null")
OPAQUE = Type("value")


def list_of(item: Type) -> Type:
    return Type("list", item)


def field_type(item: dict[str, Any], forms: dict[str, list[dict[str, Any]]]) -> Type:
    """The rule type of one field definition."""
    kind = str(item.get("type", "text"))
    if kind == "formula":
        kind = str(item.get("result_type", "text"))
    if kind == "multi_select":
        return list_of(CHOICE)
    if kind == "subform":
        return list_of(Type("row", fields=tuple(item.get("fields") or ())))
    if kind == "lookup":
        target = str(item.get("form", ""))
        return Type("record", fields=tuple(forms.get(target) or ()), form=target)
    if kind in OPAQUE_FIELD_TYPES:
        return OPAQUE
    return Type(FIELD_TYPE_MAP.get(kind, "text"))


def type_named(name: str) -> Type | None:
    """A type from its written name (``expect=``, formula ``result_type``)."""
    if name.startswith("list<") and name.endswith(">"):
        inner = type_named(name[5:-1])
        return list_of(inner) if inner else None
    if name in FIELD_TYPE_MAP:
        return Type(FIELD_TYPE_MAP[name])
    if name in (
        "boolean",
        "number",
        "text",
        "date",
        "datetime",
        "duration",
        "choice",
        "user",
        "record",
        "row",
    ):
        return Type(name)
    return None


_FAMILIES = ({"text", "choice"}, {"date", "datetime"}, {"user", "number"})


def comparable(a: Type, b: Type) -> bool:
    """Whether ``=`` and ``!=`` may compare values of these types."""
    if a.kind == "null" or b.kind == "null":
        return True
    if a.kind == "list" and b.kind == "list":
        return a.item is None or b.item is None or comparable(a.item, b.item)
    if a.kind == b.kind:
        return a.kind != "record" or a.form == b.form
    return any(a.kind in fam and b.kind in fam for fam in _FAMILIES)


ORDERED = {"number", "text", "choice", "date", "datetime", "duration"}


def orderable(a: Type, b: Type) -> bool:
    """Whether ``<``, ``<=``, ``>``, ``>=`` may compare values of these types."""
    if a.kind == "null" or b.kind == "null":
        return a.kind in ORDERED or b.kind in ORDERED or a.kind == b.kind
    if a.kind not in ORDERED or b.kind not in ORDERED:
        return False
    return a.kind == b.kind or comparable(a, b) and {a.kind, b.kind} != {"user", "number"}


def unify(a: Type, b: Type) -> Type | None:
    """The common type of two branches (``IF``, ``COALESCE``, list items), or ``None``."""
    if a.kind == "null":
        return b
    if b.kind == "null":
        return a
    if a == b:
        return a
    if {a.kind, b.kind} == {"text", "choice"}:
        return TEXT
    if {a.kind, b.kind} == {"date", "datetime"}:
        return DATETIME
    if a.kind == "list" and b.kind == "list" and a.item and b.item:
        inner = unify(a.item, b.item)
        return list_of(inner) if inner else None
    return None
