"""Reading a submitted record form: typed values, per-field errors, and what the user typed.

Input names: ``f-<key>`` for a field (repeated for multi-select), ``f-<key>-lat``/``-lng``/
``-address`` for a location, ``f-<key>-keep`` (attachment ids) and ``f-<key>-upload`` (files)
for attachments, and for a subform ``f-<key>-row`` (one token per row, in order) with
``f-<key>-<token>-<child>`` per cell. Fields the user may not edit are never read.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.models import Attachment
from servicekit.platform.storage import codecs
from servicekit.platform.storage.messages import N_, FieldError, FieldValueError

FILE_TYPES = frozenset({"attachment", "image", "signature"})
NOT_ENTERED = frozenset({"formula", "auto_number"})
MAX_ROWS = 200
MAX_FILES = 20
_TOKEN = re.compile(r"^[A-Za-z0-9_]{1,24}$")


def new_token() -> str:
    """A fresh subform row token."""
    return "n" + secrets.token_hex(4)


@dataclass
class FormInput:
    """One submission: typed ``values`` of the accepted fields, ``raw`` text and ``errors``."""

    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def input_text(item: FieldDef, value: Any, tz: ZoneInfo) -> Any:
    """What an input shows for a stored value (the inverse of reading it)."""
    if value is None:
        return [] if item.value_type == "multi_select" else ""
    kind = item.value_type
    if kind == "datetime" and isinstance(value, datetime):
        # Seconds only when there are some (the API and imports may store them), so that
        # saving the form again keeps them.
        shape = "%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M"
        return value.astimezone(tz).strftime(shape)
    if kind == "duration" and isinstance(value, timedelta):
        return duration_input(value)
    if kind == "multi_select":
        return list(value)
    if kind == "location":
        return {k: str(value.get(k) or "") for k in ("lat", "lng", "address")}
    if kind in FILE_TYPES:
        return list(value)
    if kind == "boolean":
        return "true" if value else "false"
    return codecs.to_text(item, value, tz)


def duration_input(value: timedelta) -> str:
    """A duration as its input shows it: ``h:mm``, or ``h:mm:ss`` when it has seconds (the
    API and imports may store them), so that saving the form again keeps them."""
    total = int(value.total_seconds())
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{'-' if total < 0 else ''}{hours}:{minutes:02d}"
    return f"{text}:{seconds:02d}" if seconds else text


def raw_from_values(form: FormDef, values: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The ``raw`` form of stored values, for showing a record in its form."""
    raw: dict[str, Any] = {}
    for item in form.fields:
        value = values.get(item.key)
        if item.type == "subform":
            raw[item.key] = [
                {
                    "_token": new_token(),
                    **{c.key: input_text(c, row.get(c.key), tz) for c in item.children},
                }
                for row in value or []
            ]
        else:
            raw[item.key] = input_text(item, value, tz)
    return raw


def _read_one(item: FieldDef, data: MultiDict, name: str) -> Any:
    kind = item.value_type
    if kind == "multi_select":
        return [part[:200] for part in data.getlist(name)][:100]
    if kind == "location":
        return {k: (data.get(f"{name}-{k}") or "")[:200] for k in ("lat", "lng", "address")}
    # Browsers send every line break of a textarea as CRLF; the value keeps plain new lines,
    # as the API, imports and exports do.
    return data.get(name, "").replace("\r\n", "\n")


def _coerce(item: FieldDef, raw: Any, tz: ZoneInfo) -> Any:
    kind = item.value_type
    if kind == "multi_select":
        return codecs.from_text(item, ";".join(raw), tz) if raw else None
    if kind == "location":
        if not raw["lat"].strip() and not raw["lng"].strip():
            return None
        text = f"{raw['lat']},{raw['lng']}"
        return codecs.from_text(item, text + (f",{raw['address']}" if raw["address"] else ""), tz)
    return codecs.from_text(item, raw, tz)


def read_form(
    form: FormDef,
    data: MultiDict,
    tz: ZoneInfo,
    *,
    accepted: Collection[str],
) -> FormInput:
    """Read every field in ``accepted`` from ``data`` (files are handled separately)."""
    result = FormInput()
    for item in form.fields:
        if item.key not in accepted or item.type in NOT_ENTERED or item.type in FILE_TYPES:
            continue
        name = f"f-{item.key}"
        if item.type == "subform":
            _read_rows(item, data, tz, result)
            continue
        raw = _read_one(item, data, name)
        result.raw[item.key] = raw
        try:
            result.values[item.key] = _coerce(item, raw, tz)
        except FieldValueError as exc:
            result.errors.append(FieldError(item.key, exc.template, exc.params))
    return result


def _read_rows(item: FieldDef, data: MultiDict, tz: ZoneInfo, result: FormInput) -> None:
    tokens = [t for t in data.getlist(f"f-{item.key}-row") if _TOKEN.match(t)][:MAX_ROWS]
    raw_rows: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for index, token in enumerate(dict.fromkeys(tokens)):
        raw_row: dict[str, Any] = {"_token": token}
        row: dict[str, Any] = {}
        for child in item.children:
            if child.type in NOT_ENTERED or child.type in FILE_TYPES:
                continue
            raw = _read_one(child, data, f"f-{item.key}-{token}-{child.key}")
            raw_row[child.key] = raw
            try:
                row[child.key] = _coerce(child, raw, tz)
            except FieldValueError as exc:
                row[child.key] = None
                result.errors.append(
                    FieldError(item.key, exc.template, exc.params, row=index, subfield=child.key)
                )
        raw_rows.append(raw_row)
        rows.append(row)
    result.raw[item.key] = raw_rows
    result.values[item.key] = rows


def kept_attachments(
    session: Session,
    data: MultiDict,
    item: FieldDef,
    *,
    app_key: str,
    form_key: str,
    record_id: int | None,
    user_id: int | None,
) -> list[dict[str, Any]]:
    """The attachments the form keeps for ``item``: this record's own, or the user's new uploads."""
    ids = []
    for raw in data.getlist(f"f-{item.key}-keep")[:MAX_FILES]:
        if raw.isdigit():
            ids.append(int(raw))
    if not ids:
        return []
    rows = session.scalars(
        select(Attachment).where(
            Attachment.id.in_(ids),
            Attachment.app_key == app_key,
            Attachment.form_key == form_key,
            Attachment.field_key == item.key,
        )
    ).all()
    allowed = {
        a.id: a
        for a in rows
        if (record_id is not None and a.record_id == record_id)
        or (a.record_id is None and user_id is not None and a.created_by == user_id)
    }
    return [attachment_value(allowed[i]) for i in dict.fromkeys(ids) if i in allowed]


def attachment_value(attachment: Attachment) -> dict[str, Any]:
    """The value a record keeps for one attachment."""
    return {
        "id": attachment.id,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
    }


TOO_MANY_FILES = N_("Attach at most %(max)s files.")
