"""Drafts as the designer sees them: the working copy of each document, with its problems.

A draft is checked inside the app's *working set* — for every document, its draft when
there is one, else its newest published version — so a workflow draft can refer to a
form that is itself still a draft. Saving compares revisions (the draft's checksum) so
that a second builder's stale save is refused with the first builder's change, never
silently overwritten. Nothing here commits: callers own the transaction.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import checksum
from servicekit.platform.metadata.documents import FOLDERS, Document, DocumentSet
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.metadata.store import DRAFT, latest_bodies, latest_published
from servicekit.platform.models import InstalledApp, MetadataDocument, User
from servicekit.platform.registry import Registry

# The kinds a builder edits; the manifest is written on export, never edited by hand.
EDITABLE_KINDS = ("app", "form", "workflow", "report", "dashboard", "calendar", "sla")
# URL spellings: the singular kind, or the package folder name ("forms").
KIND_ALIASES = {**{kind: kind for kind in EDITABLE_KINDS}, **{v: k for k, v in FOLDERS.items()}}
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Drafts larger than this are refused: no real document comes near it.
MAX_DRAFT_BYTES = 2 * 1024 * 1024


def normalize_kind(kind: str) -> str | None:
    """``form`` for ``form`` or ``forms``; ``None`` for a kind the designer does not edit."""
    return KIND_ALIASES.get(kind)


def valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.fullmatch(key))


def file_of(kind: str, key: str) -> str:
    """The package-relative file of a document (``app.json``, ``forms/work_order.json``)."""
    if kind in ("app", "manifest"):
        return f"{kind}.json"
    return f"{FOLDERS.get(kind, kind)}/{key}.json"


def app_exists(session: Session, app_key: str) -> bool:
    """Whether the app is installed or has at least one document (a designer-made draft)."""
    if session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)):
        return True
    return bool(
        session.scalar(
            select(MetadataDocument.id)
            .where(MetadataDocument.app_key == app_key, MetadataDocument.status != "discarded")
            .limit(1)
        )
    )


def find_draft(session: Session, app_key: str, kind: str, key: str) -> MetadataDocument | None:
    return session.scalars(
        select(MetadataDocument).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.key == key,
            MetadataDocument.status == DRAFT,
        )
    ).first()


def app_drafts(session: Session, app_key: str) -> list[MetadataDocument]:
    """Every draft of an app, by kind and key."""
    return list(
        session.scalars(
            select(MetadataDocument)
            .where(MetadataDocument.app_key == app_key, MetadataDocument.status == DRAFT)
            .order_by(MetadataDocument.kind, MetadataDocument.key)
        )
    )


def working_set(session: Session, app_key: str, substitute: Document | None = None) -> DocumentSet:
    """The app's documents as being edited: drafts over published versions, plus ``substitute``."""
    bodies: dict[tuple[str, str], Any] = {}
    for kind in ("manifest", *EDITABLE_KINDS):
        for key, body in latest_bodies(session, app_key, kind).items():
            bodies[(kind, key)] = body
    for draft in app_drafts(session, app_key):
        if draft.kind in EDITABLE_KINDS:
            bodies[(draft.kind, draft.key)] = draft.body
    if substitute is not None:
        bodies[(substitute.kind, substitute.key)] = substitute.body
    documents = [
        Document(kind, key, file_of(kind, key), body) for (kind, key), body in bodies.items()
    ]
    return DocumentSet(app_key=app_key, documents=documents)


@dataclass
class Checked:
    """Problems of one document (``mine``) and of the rest of the app (``others``)."""

    mine: list[Problem] = field(default_factory=list)
    others: list[Problem] = field(default_factory=list)


def check_in_app(
    session: Session, app_key: str, kind: str, key: str, body: Any, registry: Registry
) -> Checked:
    """Check ``body`` as document (kind, key) among the app's working set."""
    from servicekit.platform.metadata.validation import check_documents, sort_problems

    file = file_of(kind, key)
    docset = working_set(session, app_key, Document(kind, key, file, body))
    problems = check_documents(docset, registry)
    expected = app_key if kind == "app" else key
    if isinstance(body, dict) and body.get("key") != expected:
        problems.append(
            Problem(
                f"The key must be '{expected}', the key this document is saved under.",
                "$.key",
                file,
            )
        )
    problems = sort_problems(problems)
    checked = Checked()
    for problem in problems:
        (checked.mine if problem.file in (file, None) else checked.others).append(problem)
    return checked


@dataclass
class DraftState:
    """What an editor loads: the body, its revision, and the newest published version."""

    body: Any
    revision: str
    published_version: int | None
    exists: bool  # False for a new document that has neither draft nor version


def load_state(session: Session, app_key: str, kind: str, key: str) -> DraftState:
    """The draft, else the newest published body (revision ""), else an empty state."""
    published = latest_published(session, app_key, kind, key)
    version = published.version if published is not None else None
    draft = find_draft(session, app_key, kind, key)
    if draft is not None:
        return DraftState(draft.body, draft.checksum, version, True)
    if published is not None:
        return DraftState(published.body, "", version, True)
    return DraftState(None, "", None, False)


def starter_body(app_key: str, kind: str, key: str) -> dict[str, Any]:
    """The body a new document starts from: just its key (drafts may be incomplete)."""
    return {"key": app_key if kind == "app" else key}


@dataclass
class Conflict(Exception):
    """Someone saved the draft since the revision this save was based on."""

    body: Any
    revision: str
    author: str | None
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "revision": self.revision,
            "author": self.author,
            "at": self.at.isoformat(),
        }


def lock_document(session: Session, app_key: str, kind: str, key: str) -> None:
    """Serialise saves of one document, so that two saves cannot both pass the revision check.

    PostgreSQL: a row lock cannot cover the first save, when there is no row yet, so the lock
    is an advisory one on the document's name, released at commit. SQLite: a write statement
    (matching no row) takes the database's write lock before the draft is read, so a second
    save waits and then reads the first one's result.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        number = zlib.crc32(f"designer:{app_key}:{kind}:{key}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})
    elif dialect == "sqlite":
        session.execute(text("UPDATE metadata_documents SET status = status WHERE id = -1"))


def save_checked(
    session: Session,
    app_key: str,
    kind: str,
    key: str,
    body: Any,
    revision: str,
    *,
    author_id: int | None,
    now: datetime,
    registry: Registry,
) -> tuple[MetadataDocument, Checked]:
    """Save the draft when ``revision`` is the stored one; raises :class:`Conflict` if not.

    Sending the body that is already stored is never a conflict (two tabs that agree).
    """
    from servicekit.platform.metadata.store import save_draft

    lock_document(session, app_key, kind, key)
    current = find_draft(session, app_key, kind, key)
    stored = current.checksum if current is not None else ""
    if revision != stored and (current is None or current.checksum != checksum(body)):
        if current is None:
            # The draft was published or deleted since: the other change is the published body.
            published = latest_published(session, app_key, kind, key)
            raise Conflict(
                published.body if published else None,
                "",
                _author_name(session, published.author_id if published else None),
                published.created_at if published else now,
            )
        raise Conflict(
            current.body,
            current.checksum,
            _author_name(session, current.author_id),
            current.created_at,
        )
    checked = check_in_app(session, app_key, kind, key, body, registry)
    draft = save_draft(
        session, app_key, kind, key, body, author_id=author_id, now=now, problems=checked.mine
    )
    return draft, checked


def _author_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user is not None else None


__all__ = [
    "EDITABLE_KINDS",
    "MAX_DRAFT_BYTES",
    "Checked",
    "Conflict",
    "DraftState",
    "app_drafts",
    "app_exists",
    "check_in_app",
    "file_of",
    "find_draft",
    "load_state",
    "normalize_kind",
    "save_checked",
    "starter_body",
    "valid_key",
    "working_set",
]
