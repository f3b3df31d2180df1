"""Record payloads: JSON bodies read into typed values, records written back as JSON.

Reading applies the generated schema, then the caller's field rights (hidden fields do
not exist for them, read-only ones cannot change), then resolves uploaded attachment ids.
Writing gives ``id``, ``number``, ``version``, times, ``title`` and the visible ``values``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import Attachment
from servicekit.platform.storage import codecs
from servicekit.runtime.forms import Context, FormAccess, FormRuntime
from servicekit.workspace.api.problems import ApiProblem, error_item
from servicekit.workspace.api.schemas import (
    FILE_TYPES,
    READ_ONLY_TYPES,
    flatten_errors,
    values_schema,
)

# Keys of a record answer that a client may send back unchanged; they are ignored.
SYSTEM_KEYS = frozenset({"id", "number", "version", "created_at", "updated_at", "title"})


def form_version(runtime: FormRuntime) -> int:
    """The published version number of the runtime's form."""
    return next((version for key, version, *_ in runtime.app.versions if key == runtime.key), 1)


def _invalid(errors: list[dict[str, Any]]) -> ApiProblem:
    return ApiProblem(
        422,
        _("Some values are not valid; see errors."),
        kind="invalid-values",
        errors=errors,
    )


def read_values(
    body: Any,
    runtime: FormRuntime,
    access: FormAccess,
    tz: ZoneInfo,
    *,
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Typed values from a request body ``{"values": {...}}``; raises a 422 problem."""
    if not isinstance(body, dict):
        raise ApiProblem(400, _('Send a JSON object such as {"values": {...}}.'))
    unknown = [key for key in body if key != "values" and key not in SYSTEM_KEYS]
    if unknown:
        message = _("Unknown field: this form has no field with this key.")
        raise _invalid([error_item(key, message) for key in sorted(unknown)])
    raw = body.get("values", {})
    if not isinstance(raw, dict):
        raise _invalid([error_item("values", _("Send the values as an object."))])
    form = runtime.form
    errors: list[dict[str, Any]] = []
    hidden = [key for key in raw if key in access.hidden]
    for key in hidden:
        # A field the caller may not see does not exist for them.
        errors.append(error_item(key, _("Unknown field: this form has no field with this key.")))
    visible = {key: value for key, value in raw.items() if key not in access.hidden}
    try:
        values = values_schema(form, form_version(runtime), tz)().load(visible)
    except ValidationError as exc:
        errors += flatten_errors(exc.messages)
        raise _invalid(errors) from exc
    if errors:
        raise _invalid(errors)
    for item in form.fields:
        if item.type in READ_ONLY_TYPES:
            values.pop(item.key, None)  # computed by the server; sending it back is harmless
    for key in list(values):
        if key in access.readonly:
            before = (current or {}).get(key)
            if values[key] != before and not (current is None and values[key] in (None, [])):
                errors.append(error_item(key, _("You may not change this field.")))
            values.pop(key)
    for item in form.subforms:
        for row in values.get(item.key) or []:
            row.pop("id", None)
    if errors:
        raise _invalid(errors)
    return values


def _file_fields(runtime: FormRuntime) -> list[tuple[FieldDef, FieldDef | None]]:
    """(field, subform) for every attachment-like field, top level and in subform rows."""
    found: list[tuple[FieldDef, FieldDef | None]] = []
    for item in runtime.form.fields:
        if item.type in FILE_TYPES:
            found.append((item, None))
        for child in item.children:
            if child.type in FILE_TYPES:
                found.append((child, item))
    return found


def file_field_key(item: FieldDef, subform: FieldDef | None) -> str:
    """How an attachment row names its field: ``photos`` or ``parts.photo``."""
    return f"{subform.key}.{item.key}" if subform is not None else item.key


def find_file_field(runtime: FormRuntime, key: str) -> tuple[FieldDef, FieldDef | None] | None:
    """The attachment-like field named ``key`` (dotted for a subform column)."""
    for item, subform in _file_fields(runtime):
        if file_field_key(item, subform) == key:
            return item, subform
    return None


def resolve_attachments(
    session: Session,
    runtime: FormRuntime,
    values: dict[str, Any],
    *,
    user_id: int,
    record_id: int | None,
) -> list[int]:
    """Turn attachment ids into attachment values in place; returns the ids to link.

    An id is usable when it was uploaded for this form and field, and is either still
    unattached and uploaded by this user, or already belongs to this record.
    """
    slots: list[tuple[str, int | None, str, dict[str, Any]]] = []
    for item, subform in _file_fields(runtime):
        if subform is None:
            if values.get(item.key):
                slots.append((item.key, None, item.key, values))
        else:
            for index, row in enumerate(values.get(subform.key) or []):
                if row.get(item.key):
                    slots.append((subform.key, index, item.key, row))
    wanted = {i for _f, _r, key, holder in slots for i in holder[key]}
    if not wanted:
        return []
    found = {a.id: a for a in session.scalars(select(Attachment).where(Attachment.id.in_(wanted)))}
    errors: list[dict[str, Any]] = []
    for field, row, key, holder in slots:
        field_key = key if row is None else f"{field}.{key}"
        resolved = []
        for attachment_id in holder[key]:
            attachment = found.get(attachment_id)
            usable = (
                attachment is not None
                and attachment.app_key == runtime.app.app_key
                and attachment.form_key == runtime.key
                and attachment.field_key == field_key
                and (
                    (attachment.record_id is None and attachment.created_by == user_id)
                    or (record_id is not None and attachment.record_id == record_id)
                )
            )
            if not usable or attachment is None:
                errors.append(
                    error_item(
                        field,
                        _("Attachment %(id)s cannot be used here; upload the file first.")
                        % {"id": attachment_id},
                        row,
                        key if row is not None else None,
                    )
                )
                continue
            resolved.append(
                {
                    "id": attachment.id,
                    "name": attachment.name,
                    "size": attachment.size,
                    "content_type": attachment.content_type,
                }
            )
        holder[key] = resolved or None
    if errors:
        raise _invalid(errors)
    return sorted(wanted)


def link_attachments(session: Session, ids: list[int], record_id: int) -> None:
    """Attach freshly uploaded files to the record they were saved with."""
    if ids:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(ids), Attachment.record_id.is_(None))
            .values(record_id=record_id)
        )


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def title_values(
    session: Session, runtime: FormRuntime, rows: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The values each row's title template reads: lookups it follows are expanded.

    One query per followed lookup for the whole page (not one per row), giving the same
    shape as :meth:`RecordStore.rule_values` (``id``, ``number`` and the target's values).
    """
    expanded = [dict(row) for row in rows]
    title = runtime.logic.title
    if title is None:
        return expanded
    lookups = {item.key for item in runtime.form.lookups}
    followed = {path.split(".")[0] for path in title.fields if "." in path} & lookups
    for key in sorted(followed):
        ids = {row[key] for row in expanded if row.get(key) is not None}
        if not ids:
            continue
        target = runtime.source.lookup(key)
        found = {
            target_row["id"]: {
                "id": target_row["id"],
                "number": target_row["number"],
                **{
                    f.key: codecs.from_column(f, target_row[f.key])
                    for f in target.fields
                    if f.stored
                },
            }
            for target_row in session.execute(
                select(target.table).where(target.table.c.id.in_(ids))
            ).mappings()
        }
        for row in expanded:
            if row.get(key) in found:
                row[key] = found[row[key]]
    return expanded


def record_json(
    session: Session,
    runtime: FormRuntime,
    access: FormAccess,
    system: Mapping[str, Any],
    values: Mapping[str, Any],
    context: Context,
    tz: ZoneInfo,
    *,
    title_source: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The API form of a record: system columns, title and the values the caller may see.

    ``title_source`` is the row from :func:`title_values` when the caller prepared a page.
    """
    visible = {key: value for key, value in values.items() if key not in access.hidden}
    schema = values_schema(runtime.form, form_version(runtime), tz)()
    title = None
    if runtime.logic.title is not None:
        # Built from the visible values only, so a title never shows a hidden field.
        source = dict(title_source or title_values(session, runtime, [visible])[0])
        source.update(id=system["id"], number=system["number"])
        title = runtime.logic.render_title(source, context)
    return {
        "id": system["id"],
        "number": system["number"],
        "version": system["version"],
        "created_at": _iso(system["created_at"]),
        "updated_at": _iso(system["updated_at"]),
        "title": title,
        "values": schema.dump(visible),
    }
