"""The app's documents as a builder sees them: each document's draft if it has one, else its
newest published version (the designers list forms and reports that are not published yet)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.models import MetadataDocument


def working_bodies(session: Session, app_key: str, kind: str) -> dict[str, Any]:
    """Body by key of every document of ``kind`` in the app, drafts over published versions."""
    bodies = dict(latest_bodies(session, app_key, kind))
    drafts = session.execute(
        select(MetadataDocument.key, MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.status == "draft",
        )
    )
    for key, body in drafts:
        if isinstance(body, dict):
            bodies[key] = body
    return {key: body for key, body in sorted(bodies.items()) if isinstance(body, dict)}


def app_exists(session: Session, app_key: str) -> bool:
    """Whether the app has any document at all (published or draft)."""
    found = session.scalar(
        select(MetadataDocument.id).where(MetadataDocument.app_key == app_key).limit(1)
    )
    return found is not None
