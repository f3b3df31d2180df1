"""The palette of the form designer: every field type the platform stores, with its icon,
its name in the builder's language, and the properties the designer offers for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class FieldType:
    """One palette entry."""

    type: str
    icon: str
    name: object  # a lazy translation
    group: str  # basic | choice | relation | media | computed


PALETTE: tuple[FieldType, ...] = (
    FieldType("text", "input-cursor-text", _l("Text"), "basic"),
    FieldType("long_text", "text-paragraph", _l("Long text"), "basic"),
    FieldType("rich_text", "type-bold", _l("Rich text"), "basic"),
    FieldType("integer", "123", _l("Whole number"), "basic"),
    FieldType("decimal", "currency-yen", _l("Decimal"), "basic"),
    FieldType("boolean", "toggle-on", _l("Yes / no"), "basic"),
    FieldType("date", "calendar-date", _l("Date"), "basic"),
    FieldType("datetime", "calendar-event", _l("Date and time"), "basic"),
    FieldType("duration", "hourglass-split", _l("Duration"), "basic"),
    FieldType("select", "ui-radios", _l("Single select"), "choice"),
    FieldType("multi_select", "ui-checks", _l("Multiple select"), "choice"),
    FieldType("user", "person", _l("User"), "relation"),
    FieldType("lookup", "link-45deg", _l("Lookup"), "relation"),
    FieldType("subform", "table", _l("Subform"), "relation"),
    FieldType("attachment", "paperclip", _l("Attachments"), "media"),
    FieldType("image", "image", _l("Image"), "media"),
    FieldType("signature", "pen", _l("Signature"), "media"),
    FieldType("location", "geo-alt", _l("Location"), "media"),
    FieldType("formula", "calculator", _l("Formula"), "computed"),
    FieldType("auto_number", "hash", _l("Auto number"), "computed"),
)

GROUPS = (
    ("basic", _l("Basic")),
    ("choice", _l("Choices")),
    ("relation", _l("Relations")),
    ("media", _l("Files and places")),
    ("computed", _l("Computed")),
)
