"""The versioned metadata store: drafts, immutable published versions, and typed loading.

Callers pass the session and the time; nothing here commits, so a publish or an install
is part of the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json, checksum
from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.models import MetadataDocument

DRAFT = "draft"
PUBLISHED = "published"


def _one_document(
    app_key: str, kind: str, key: str, status: str = PUBLISHED
) -> Select[tuple[MetadataDocument]]:
    """Rows of one document (app, kind, key) in one status."""
    return select(MetadataDocument).where(
        MetadataDocument.app_key == app_key,
        MetadataDocument.kind == kind,
        MetadataDocument.key == key,
        MetadataDocument.status == status,
    )


def save_draft(
    session: Session,
    app_key: str,
    kind: str,
    key: str,
    body: Any,
    *,
    author_id: int | None,
    now: datetime,
    problems: list[Problem] | None = None,
) -> MetadataDocument:
    """Save (or replace) the one working draft of a document; it may be invalid.

    ``problems`` are kept with the draft so editors can list them.
    """
    draft = session.scalars(_one_document(app_key, kind, key, DRAFT)).first()
    if draft is None:
        draft = MetadataDocument(app_key=app_key, kind=kind, key=key, status=DRAFT, version=None)
        session.add(draft)
    draft.body = body
    draft.checksum = checksum(body)
    draft.problems = [p.to_dict() for p in problems] if problems else None
    draft.author_id = author_id
    draft.created_at = now
    session.flush()
    return draft


def add_version(
    session: Session,
    app_key: str,
    kind: str,
    key: str,
    body: Any,
    *,
    author_id: int | None,
    now: datetime,
) -> MetadataDocument:
    """Record ``body`` as the next immutable published version (the caller validated it).

    Publishing an unchanged body creates no new version; the latest one is returned.
    """
    latest = latest_published(session, app_key, kind, key)
    digest = checksum(body)
    if latest is not None and latest.checksum == digest:
        return latest
    number = (latest.version or 0) + 1 if latest is not None else 1
    # Store the canonical form so what is read back is exactly what was validated.
    document = MetadataDocument(
        app_key=app_key,
        kind=kind,
        key=key,
        version=number,
        status=PUBLISHED,
        body=_json_roundtrip(body),
        checksum=digest,
        author_id=author_id,
        created_at=now,
    )
    session.add(document)
    session.flush()
    return document


def latest_published(
    session: Session, app_key: str, kind: str, key: str
) -> MetadataDocument | None:
    """The newest published version of one document, or ``None``."""
    query = _one_document(app_key, kind, key).order_by(MetadataDocument.version.desc())
    return session.scalars(query.limit(1)).first()


def list_versions(session: Session, app_key: str, kind: str, key: str) -> list[MetadataDocument]:
    """Every published version of one document, newest first."""
    query = _one_document(app_key, kind, key).order_by(MetadataDocument.version.desc())
    return list(session.scalars(query))


def get_version(
    session: Session, app_key: str, kind: str, key: str, version: int
) -> MetadataDocument | None:
    """One published version by number."""
    query = _one_document(app_key, kind, key).where(MetadataDocument.version == version)
    return session.scalars(query).first()


def latest_bodies(session: Session, app_key: str, kind: str) -> dict[str, Any]:
    """The newest published body of every document of one kind in an app, by key."""
    newest = (
        select(MetadataDocument.key, func.max(MetadataDocument.version).label("version"))
        .where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.status == PUBLISHED,
        )
        .group_by(MetadataDocument.key)
        .subquery()
    )
    rows = session.execute(
        select(MetadataDocument.key, MetadataDocument.body)
        .join(
            newest,
            (MetadataDocument.key == newest.c.key) & (MetadataDocument.version == newest.c.version),
        )
        .where(MetadataDocument.app_key == app_key, MetadataDocument.kind == kind)
        .order_by(MetadataDocument.key)
    )
    return {key: body for key, body in rows}


def delete_app_documents(session: Session, app_key: str) -> int:
    """Remove every document (drafts and versions) of an app; returns how many."""
    result = session.execute(delete(MetadataDocument).where(MetadataDocument.app_key == app_key))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def load_form(session: Session, app_key: str, form_key: str) -> FormDef:
    """The newest published form as a typed object (cached per version)."""
    document = latest_published(session, app_key, "form", form_key)
    if document is None:
        raise LookupError(f"form {app_key}.{form_key} is not published")
    return _typed_form(
        app_key, form_key, document.version or 0, document.checksum, canonical_json(document.body)
    )


@lru_cache(maxsize=512)
def _typed_form(app_key: str, form_key: str, version: int, digest: str, text: str) -> FormDef:
    import json

    return FormDef.from_dict(app_key, json.loads(text))


def _json_roundtrip(body: Any) -> Any:
    import json

    return json.loads(canonical_json(body))
