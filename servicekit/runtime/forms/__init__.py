"""Forms and records: value codecs, compiled form rules, validation and the record store."""

from __future__ import annotations

from servicekit.runtime.forms.codecs import from_json, from_text, to_json, to_text
from servicekit.runtime.forms.logic import Context, FieldState, FormLogic
from servicekit.runtime.forms.messages import FieldError, FieldValueError
from servicekit.runtime.forms.records import (
    Record,
    RecordError,
    RecordInvalid,
    RecordNotFound,
    RecordStore,
    StaleRecord,
)

__all__ = [
    "Context",
    "FieldError",
    "FieldState",
    "FieldValueError",
    "FormLogic",
    "Record",
    "RecordError",
    "RecordInvalid",
    "RecordNotFound",
    "RecordStore",
    "StaleRecord",
    "from_json",
    "from_text",
    "to_json",
    "to_text",
]
