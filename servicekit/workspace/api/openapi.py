"""The OpenAPI 3.1 document, generated from the installed metadata for one reader.

It lists every published form of every installed app that the reader may read, with the
operations their roles allow and request/response schemas built from the same marshmallow
fields that check request bodies, so the description cannot drift from the behaviour.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import User
from servicekit.platform.models.apps import InstalledApp
from servicekit.runtime.forms import FormAccess, actor_for, form_access, load_app_forms
from servicekit.runtime.forms.catalog import FormRuntime
from servicekit.runtime.forms.query import MAX_LIMIT
from servicekit.workspace.api.schemas import RowsField, values_schema

OPENAPI_VERSION = "3.1.0"
_PROBLEM = {"$ref": "#/components/responses/Problem"}


def _common_components() -> dict[str, Any]:
    problem = {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string", "format": "uri-reference"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string"},
                        "row": {"type": ["integer", "null"]},
                        "subfield": {"type": ["string", "null"]},
                        "message": {"type": "string"},
                    },
                },
            },
        },
    }
    return {
        "schemas": {
            "Problem": problem,
            "Attachment": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "size": {"type": "integer"},
                    "content_type": {"type": "string"},
                    "url": {"type": "string", "format": "uri-reference"},
                },
            },
            "Location": {
                "type": "object",
                "required": ["lat", "lng"],
                "properties": {
                    "lat": {"type": ["string", "number"], "description": "Latitude, -90 to 90."},
                    "lng": {"type": ["string", "number"], "description": "Longitude, -180 to 180."},
                    "address": {"type": "string"},
                },
            },
        },
        "responses": {
            "Problem": {
                "description": "An error, as RFC 9457 problem details.",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal API token (sk_...) from the profile page.",
            }
        },
    }


def _values_schema(runtime: FormRuntime, access: FormAccess, tz: ZoneInfo) -> dict[str, Any]:
    schema = values_schema(runtime.form, _version(runtime), tz)()
    properties: dict[str, Any] = {}
    for key, field in schema.fields.items():
        if key in access.hidden:
            continue
        if isinstance(field, RowsField):
            properties[key] = _rows_schema(field, tz)
        else:
            properties[key] = field.json_schema()  # type: ignore[attr-defined]
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _rows_schema(field: RowsField, tz: ZoneInfo) -> dict[str, Any]:
    row = field.row_schema()
    properties: dict[str, Any] = {"id": {"type": "integer", "readOnly": True}}
    for key, child in row.fields.items():
        if key != "id":
            properties[key] = child.json_schema()  # type: ignore[attr-defined]
    definition: FieldDef = field.definition
    schema: dict[str, Any] = {
        "type": ["array", "null"],
        "title": definition.label_for("en"),
        "items": {"type": "object", "additionalProperties": False, "properties": properties},
    }
    if definition.get("max_rows"):
        schema["maxItems"] = int(definition.get("max_rows"))
    return schema


def _version(runtime: FormRuntime) -> int:
    return next((version for key, version, *_ in runtime.app.versions if key == runtime.key), 1)


def _record_schema(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "version", "created_at", "updated_at", "values"],
        "properties": {
            "id": {"type": "integer"},
            "number": {"type": ["string", "null"]},
            "version": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "title": {"type": ["string", "null"]},
            "values": {"$ref": f"#/components/schemas/{name}.Values"},
        },
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _form_paths(runtime: FormRuntime, access: FormAccess, name: str) -> dict[str, dict[str, Any]]:
    app_key, form_key = runtime.app.app_key, runtime.key
    base = f"/apps/{app_key}/forms/{form_key}"
    record_ref = {"$ref": f"#/components/schemas/{name}.Record"}
    input_schema = {
        "type": "object",
        "required": ["values"],
        "properties": {"values": {"$ref": f"#/components/schemas/{name}.Values"}},
    }
    label = runtime.form.label_for("en")
    etag = {
        "ETag": {"description": "The record's version in quotes.", "schema": {"type": "string"}}
    }
    if_match = {
        "name": "If-Match",
        "in": "header",
        "schema": {"type": "string"},
        "description": 'The version you read, in quotes ("3").',
    }
    record_id = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    collection: dict[str, Any] = {
        "get": {
            "operationId": f"{name}.list",
            "summary": f"List {label} records",
            "tags": [app_key],
            "parameters": [
                {
                    "name": "filter",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A rule-language condition.",
                },
                {"name": "search", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "sort",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "A field key; prefix - for descending (default -created_at).",
                },
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                },
            ],
            "responses": {
                "200": {
                    "description": "One page of records.",
                    "content": _json(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": record_ref},
                                "next_cursor": {"type": ["string", "null"]},
                            },
                        }
                    ),
                },
                "400": _PROBLEM,
                "401": _PROBLEM,
                "404": _PROBLEM,
            },
        }
    }
    if access.allows("create"):
        collection["post"] = {
            "operationId": f"{name}.create",
            "summary": f"Create a {label} record",
            "tags": [app_key],
            "requestBody": {"required": True, "content": _json(input_schema)},
            "responses": {
                "201": {"description": "Created.", "headers": etag, "content": _json(record_ref)},
                "400": _PROBLEM,
                "401": _PROBLEM,
                "403": _PROBLEM,
                "422": _PROBLEM,
            },
        }
    item: dict[str, Any] = {
        "parameters": [record_id],
        "get": {
            "operationId": f"{name}.get",
            "summary": f"Read a {label} record",
            "tags": [app_key],
            "responses": {
                "200": {
                    "description": "The record.",
                    "headers": etag,
                    "content": _json(record_ref),
                },
                "401": _PROBLEM,
                "404": _PROBLEM,
            },
        },
    }
    if access.allows("update"):
        for method in ("patch", "put"):
            item[method] = {
                "operationId": f"{name}.{method}",
                "summary": f"{'Change' if method == 'patch' else 'Replace'} a {label} record",
                "tags": [app_key],
                "parameters": [{**if_match, "required": True}],
                "requestBody": {"required": True, "content": _json(input_schema)},
                "responses": {
                    "200": {"description": "Saved.", "headers": etag, "content": _json(record_ref)},
                    **{
                        code: _PROBLEM for code in ("400", "401", "403", "404", "412", "422", "428")
                    },
                },
            }
    if access.allows("delete"):
        item["delete"] = {
            "operationId": f"{name}.delete",
            "summary": f"Move a {label} record to the trash",
            "tags": [app_key],
            "parameters": [if_match],
            "responses": {
                "204": {"description": "Moved to the trash."},
                **{code: _PROBLEM for code in ("401", "403", "404", "412")},
            },
        }
    paths = {f"{base}/records": collection, f"{base}/records/{{record_id}}": item}
    if access.allows("create") or access.allows("update"):
        paths[f"{base}/attachments"] = {
            "post": {
                "operationId": f"{name}.upload",
                "summary": f"Upload a file for a {label} attachment, image or signature field",
                "tags": [app_key],
                "parameters": [
                    {"name": "field", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "Stored.",
                        "content": _json({"$ref": "#/components/schemas/Attachment"}),
                    },
                    **{code: _PROBLEM for code in ("400", "401", "403", "404", "413", "422")},
                },
            }
        }
    return paths


def openapi_document(session: Session, user: User, tz: ZoneInfo, *, server: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of what ``user`` may do, with ``server`` as base URL."""
    components = _common_components()
    paths: dict[str, Any] = {
        "/attachments/{attachment_id}": {
            "get": {
                "operationId": "attachments.download",
                "summary": "Download an attachment of a record you may read",
                "parameters": [
                    {
                        "name": "attachment_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The file, as a download.",
                        "content": {"application/octet-stream": {}},
                    },
                    "401": _PROBLEM,
                    "404": _PROBLEM,
                },
            }
        }
    }
    for app_key in session.scalars(select(InstalledApp.key).order_by(InstalledApp.key)):
        forms = load_app_forms(session, app_key)
        actor = actor_for(user, app_key)
        for form_key in sorted(forms.stores):
            runtime = FormRuntime(forms, form_key)
            access = form_access(runtime.form, actor)
            if not access.allows("read"):
                continue
            name = f"{app_key}.{form_key}"
            components["schemas"][f"{name}.Values"] = _values_schema(runtime, access, tz)
            components["schemas"][f"{name}.Record"] = _record_schema(name)
            paths.update(_form_paths(runtime, access, name))
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "ServiceKit API",
            "version": "1",
            "description": "Records of the installed apps. Errors are RFC 9457 problem details.",
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": components,
    }
