"""The form bodies a builder is working on: each form's draft where one exists, else its
newest published version.

The rule check, the designer page and the preview all read forms this way, so a rule is
checked against the fields the builder sees, including ones not yet published.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.models import InstalledApp, MetadataDocument

MAX_KEY = 40


def app_exists(session: Session, app_key: str) -> bool:
    """Whether the app is installed or has any metadata (an app begun in the designer)."""
    if session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)) is not None:
        return True
    query = select(func.count()).where(MetadataDocument.app_key == app_key)
    return bool(session.scalar(query))


def draft_body(session: Session, app_key: str, kind: str, key: str) -> Any | None:
    """The working draft of one document, or ``None``."""
    return session.scalar(
        select(MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.key == key,
            MetadataDocument.status == "draft",
        )
    )


def working_forms(session: Session, app_key: str) -> dict[str, Any]:
    """Every form of the app as the builder sees it: draft over published, by key."""
    bodies = dict(latest_bodies(session, app_key, "form"))
    drafts = session.execute(
        select(MetadataDocument.key, MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "form",
            MetadataDocument.status == "draft",
        )
    )
    for key, body in drafts:
        bodies[key] = body
    return bodies


def app_roles(session: Session, app_key: str) -> list[tuple[str, Any]]:
    """The app's roles as ``(key, label)``, from its draft if any, else its published body;
    the form panel offers them for who may work with the form's records."""
    body = draft_body(session, app_key, "app", app_key)
    if body is None:
        body = latest_bodies(session, app_key, "app").get(app_key)
    roles = body.get("roles") if isinstance(body, dict) else None
    if not isinstance(roles, list):
        return []
    return [
        (role["key"], role.get("label"))
        for role in roles
        if isinstance(role, dict) and isinstance(role.get("key"), str)
    ]


def fields_of(body: Any) -> list[dict[str, Any]]:
    """The well-formed field objects of a form body (a draft may hold anything)."""
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, list):
        return []
    return [item for item in fields if isinstance(item, dict) and isinstance(item.get("key"), str)]


def published_keys(session: Session, app_key: str, form_key: str) -> set[str]:
    """Field keys (subform columns dotted) of every published version: these keys are fixed."""
    keys: set[str] = set()
    rows = session.scalars(
        select(MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "form",
            MetadataDocument.key == form_key,
            MetadataDocument.status == "published",
        )
    )
    for body in rows:
        for item in fields_of(body):
            keys.add(item["key"])
            for child in fields_of(item):
                keys.add(f"{item['key']}.{child['key']}")
    return keys
