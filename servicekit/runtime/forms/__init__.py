"""Forms and records: value codecs, compiled form rules, validation and the record store."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from servicekit.platform.storage.codecs import from_json, from_text, to_json, to_text
from servicekit.platform.storage.messages import FieldError, FieldValueError
from servicekit.runtime.forms.logic import Context, FieldState, FormLogic
from servicekit.runtime.forms.records import (
    Record,
    RecordError,
    RecordInvalid,
    RecordNotFound,
    RecordStore,
    StaleRecord,
)


def init_app(app: Flask) -> None:
    """Have the platform compute formulas of records that packages seed."""
    from zoneinfo import ZoneInfo

    from servicekit.platform.registry import get_registry
    from servicekit.runtime.forms.recompute import recompute_formulas

    zone = ZoneInfo(app.config["SERVICEKIT_TIMEZONE"])

    def after_seed(session: Session, _app_key: str, sources: dict, now: datetime) -> None:
        recompute_formulas(session, sources, now=now, tz=zone)

    get_registry(app).add_hook("records.seeded", after_seed)


__all__ = [
    "init_app",
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
