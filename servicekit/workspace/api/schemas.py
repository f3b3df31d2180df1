"""marshmallow schemas generated from form metadata: one Schema class per form version.

Each field type has its own marshmallow field that reads and writes values through the
storage codecs, so the API accepts exactly what forms and imports accept (decimals as
strings, ISO 8601 dates, times and durations). The same fields describe themselves for
the OpenAPI document.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.storage import codecs
from servicekit.platform.storage.messages import FieldValueError

MAX_ATTACHMENTS = 100
DECIMAL_PATTERN = r"^[+-]?\d+(\.\d+)?$"
READ_ONLY_TYPES = frozenset({"formula", "auto_number"})
FILE_TYPES = frozenset({"attachment", "image", "signature"})


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


class CodecField(fields.Field):  # type: ignore[type-arg]
    """A form field's value, read from JSON and written to JSON by its codec."""

    def __init__(self, definition: FieldDef, tz: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)
        self.definition = definition
        self.tz = tz

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return codecs.from_json(self.definition, value, self.tz)
        except FieldValueError as exc:
            message = _(exc.template)
            raise ValidationError(message % exc.params if exc.params else message) from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return codecs.to_json(self.definition, value)

    def json_schema(self) -> dict[str, Any]:
        """The field's JSON Schema (for OpenAPI), null included."""
        described = {**self._value_schema(), "title": self.definition.label_for("en")}
        if self.definition.type in READ_ONLY_TYPES:
            described["readOnly"] = True
        return _nullable(described)

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string"}


class TextValue(CodecField):
    """text, long_text: plain text (never HTML, whatever it contains)."""

    def _value_schema(self) -> dict[str, Any]:
        limit = self.definition.get("max_length")
        if self.definition.value_type == "text":
            limit = limit or 255
        schema: dict[str, Any] = {"type": "string"}
        if limit:
            schema["maxLength"] = int(limit)
        if self.definition.get("pattern"):
            schema["pattern"] = self.definition.get("pattern")
        return schema


class RichTextValue(CodecField):
    """rich_text: HTML, sanitized on the way in."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string", "contentMediaType": "text/html"}


class IntegerValue(CodecField):
    """integer."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "integer", "format": "int64"}


class DecimalValue(CodecField):
    """decimal: exact; sent and answered as a string that keeps its scale."""

    def _value_schema(self) -> dict[str, Any]:
        scale = int(self.definition.get("scale", 2))
        return {
            "type": "string",
            "format": "decimal",
            "pattern": DECIMAL_PATTERN,
            "description": f"Exact decimal with up to {scale} decimal places, as a string.",
        }


class BooleanValue(CodecField):
    """boolean."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class DateValue(CodecField):
    """date: ISO 8601 (2026-01-31)."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class DateTimeValue(CodecField):
    """datetime: ISO 8601; answered in UTC with Z, read in the app's zone when no offset."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


class DurationValue(CodecField):
    """duration: ISO 8601 (PT1H30M)."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "duration"}


class SelectValue(CodecField):
    """select: one option value."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": [option.value for option in self.definition.options]}


class MultiSelectValue(CodecField):
    """multi_select: a list of option values."""

    def _value_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "items": {"type": "string", "enum": [o.value for o in self.definition.options]},
        }


class UserValue(CodecField):
    """user: a user id."""

    def _value_schema(self) -> dict[str, Any]:
        return {"type": "integer", "description": "A user id."}


class LookupValue(CodecField):
    """lookup: the id of a record of the target form."""

    def _value_schema(self) -> dict[str, Any]:
        target = self.definition.get("form")
        return {"type": "integer", "description": f"The id of a record of form {target}."}


class LocationValue(CodecField):
    """location: ``{lat, lng, address}`` with coordinates as decimal strings."""

    def _value_schema(self) -> dict[str, Any]:
        return {"$ref": "#/components/schemas/Location"}


class FileValue(CodecField):
    """attachment, image, signature: uploaded files.

    Sent as a list of attachment ids (or attachment objects with an ``id``) that the
    upload endpoint returned; answered as attachment objects with a download ``url``.
    The view checks and resolves the ids.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
            raise ValidationError(_("Send a list of attachment ids."))
        ids: list[int] = []
        for item in value:
            item_id = item.get("id") if isinstance(item, dict) else item
            if isinstance(item_id, bool) or not isinstance(item_id, int) or not 0 < item_id < 2**63:
                raise ValidationError(_("Send a list of attachment ids."))
            ids.append(item_id)
        return ids or None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return [
            {
                "id": item.get("id"),
                "name": item.get("name"),
                "size": item.get("size"),
                "content_type": item.get("content_type"),
                "url": url_for("api.download_attachment", attachment_id=item.get("id")),
            }
            for item in value
        ]

    def _value_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "maxItems": MAX_ATTACHMENTS,
            "items": {
                "anyOf": [
                    {"type": "integer", "description": "An uploaded attachment's id."},
                    {"$ref": "#/components/schemas/Attachment"},
                ]
            },
        }


_VALUE_FIELDS: dict[str, type[CodecField]] = {
    "text": TextValue,
    "long_text": TextValue,
    "auto_number": TextValue,
    "rich_text": RichTextValue,
    "integer": IntegerValue,
    "decimal": DecimalValue,
    "boolean": BooleanValue,
    "date": DateValue,
    "datetime": DateTimeValue,
    "duration": DurationValue,
    "select": SelectValue,
    "multi_select": MultiSelectValue,
    "user": UserValue,
    "lookup": LookupValue,
    "location": LocationValue,
    "attachment": FileValue,
    "image": FileValue,
    "signature": FileValue,
}


class RowsField(fields.List):  # type: ignore[type-arg]
    """subform: a list of row objects (``id`` is answered and ignored when sent back)."""

    def __init__(self, definition: FieldDef, row_schema: type[Schema]) -> None:
        super().__init__(fields.Nested(row_schema), allow_none=True)
        self.definition = definition
        self.row_schema = row_schema

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, list):
            raise ValidationError(_("Send the rows as a list of objects."))
        return super()._deserialize(value, attr, data, **kwargs)


class ValuesSchema(Schema):
    """Base of the generated schemas: values are plain dicts keyed by field key.

    marshmallow would fall back to attributes for a missing key, so a field named
    ``items`` or ``keys`` would read the dict's method; only keys are read here.
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if isinstance(obj, dict):
            return obj.get(attr, default)
        return super().get_attribute(obj, attr, default)


def value_field(definition: FieldDef, tz: ZoneInfo) -> CodecField:
    """The marshmallow field for one (non-subform) form field."""
    kind = definition.value_type
    if definition.type == "auto_number":
        kind = "auto_number"
    return _VALUE_FIELDS.get(kind, TextValue)(definition, tz)


def _row_schema(name: str, subform: FieldDef, tz: ZoneInfo) -> type[Schema]:
    declared: dict[str, Any] = {"id": fields.Integer(allow_none=True)}
    for child in subform.children:
        declared[child.key] = value_field(child, tz)
    return ValuesSchema.from_dict(declared, name=name)


def _build_schema(form: FormDef, version: int, tz: ZoneInfo) -> type[Schema]:
    base = f"{form.app_key}.{form.key}.v{version}"
    declared: dict[str, Any] = {}
    for item in form.fields:
        if item.type == "subform":
            declared[item.key] = RowsField(item, _row_schema(f"{base}.{item.key}", item, tz))
        else:
            declared[item.key] = value_field(item, tz)
    return ValuesSchema.from_dict(declared, name=base)


_schemas: dict[tuple[str, str, int, str], tuple[FormDef, type[Schema]]] = {}


def values_schema(form: FormDef, version: int, tz: ZoneInfo) -> type[Schema]:
    """The Schema class for one form version's values (built once, then reused).

    The runtime hands out the same :class:`FormDef` object for as long as a version is
    current, so a cached schema is reused only for that very object: a re-installed app
    whose form differs under the same version number gets a fresh schema.
    """
    key = (form.app_key, form.key, version, tz.key)
    cached = _schemas.get(key)
    if cached is not None and cached[0] is form:
        return cached[1]
    for old in [k for k in _schemas if k[:2] == key[:2]]:
        del _schemas[old]
    schema = _build_schema(form, version, tz)
    _schemas[key] = (form, schema)
    return schema


_MARSHMALLOW_MESSAGES = {
    "Unknown field.": lambda: _("Unknown field: this form has no field with this key."),
    "Invalid input type.": lambda: _("Send each row as an object."),
    "Not a valid integer.": lambda: _("Enter a whole number."),
}


def flatten_errors(messages: Any) -> list[dict[str, Any]]:
    """marshmallow's nested error dict as a list of ``{field, row, subfield, message}``."""
    items: list[dict[str, Any]] = []

    def text(message: Any) -> str:
        translate = _MARSHMALLOW_MESSAGES.get(str(message))
        return translate() if translate else str(message)

    def add(field: str, row: int | None, subfield: str | None, value: Any) -> None:
        for message in value if isinstance(value, list) else [value]:
            items.append(
                {"field": field, "row": row, "subfield": subfield, "message": text(message)}
            )

    if not isinstance(messages, dict):
        add("__all__", None, None, messages)
        return items
    for field, value in messages.items():
        if isinstance(value, dict):
            for row, row_errors in value.items():
                if isinstance(row_errors, dict):
                    for subfield, message in row_errors.items():
                        name = None if subfield == "_schema" else subfield
                        add(field, int(row), name, message)
                else:
                    add(field, int(row), None, row_errors)
        else:
            add("__all__" if field == "_schema" else field, None, None, value)
    return items
