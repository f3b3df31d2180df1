"""Forms and records: value codecs, compiled form rules, validation and the record store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from servicekit.platform.storage.codecs import from_json, from_text, to_json, to_text
from servicekit.platform.storage.messages import FieldError, FieldValueError
from servicekit.runtime.forms.catalog import (
    AppForms,
    FormNotFound,
    FormRuntime,
    actor_for,
    load_app_forms,
    load_form_runtime,
)
from servicekit.runtime.forms.logic import Context, FieldState, FormLogic
from servicekit.runtime.forms.permissions import Actor, FormAccess, form_access
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
    get_registry(app).add_validator("form", _check_scopes)


def _check_scopes(docset: Any) -> list[Any]:
    """Rule scopes in form permissions must compile (keywords all/own/team need not)."""
    from servicekit.platform.metadata import Problem
    from servicekit.runtime.forms.permissions import scope_problems

    forms = {key: body.get("fields", []) for key, body in docset.forms().items()}
    return [
        Problem(message, path, docset.file_of("form", key))
        for key, body in docset.forms().items()
        for path, message in scope_problems(body, forms)
    ]


__all__ = [
    "Actor",
    "AppForms",
    "FormNotFound",
    "FormRuntime",
    "actor_for",
    "load_app_forms",
    "load_form_runtime",
    "FormAccess",
    "form_access",
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
