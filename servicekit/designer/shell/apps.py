"""Apps in the designer: the list of apps, an app's documents, new apps, setting drafts aside.

A deleted draft is kept with status ``discarded`` (one copy per document) so that the
builder can undo the deletion; nothing else reads discarded rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servicekit.designer.shell.drafts import app_drafts, find_draft
from servicekit.platform.metadata import label_text
from servicekit.platform.metadata.documents import FOLDERS
from servicekit.platform.metadata.store import DRAFT, PUBLISHED, latest_published
from servicekit.platform.models import InstalledApp, MetadataDocument

DISCARDED = "discarded"


@dataclass(frozen=True)
class DesignerApp:
    """One row of the designer's app list."""

    key: str
    label: str
    icon: str
    installed: bool
    drafts: int


def app_body(session: Session, app_key: str) -> dict[str, Any]:
    """The app document being edited: its draft, else its newest published body, else {}."""
    draft = find_draft(session, app_key, "app", app_key)
    if draft is not None and isinstance(draft.body, dict):
        return draft.body
    published = latest_published(session, app_key, "app", app_key)
    return published.body if published is not None and isinstance(published.body, dict) else {}


def list_apps(session: Session, locale: str) -> list[DesignerApp]:
    """Installed apps in navigation order, then draft-only apps by key."""
    installed = list(
        session.scalars(select(InstalledApp.key).order_by(InstalledApp.position, InstalledApp.key))
    )
    draft_counts = dict(
        session.execute(
            select(MetadataDocument.app_key, func.count())
            .where(MetadataDocument.status == DRAFT)
            .group_by(MetadataDocument.app_key)
        ).all()
    )
    known = set(installed)
    keys = installed + sorted(
        key
        for key in session.scalars(
            select(MetadataDocument.app_key).where(MetadataDocument.status != DISCARDED).distinct()
        )
        if key not in known
    )
    rows = []
    for key in keys:
        body = app_body(session, key)
        icon = body.get("icon")
        rows.append(
            DesignerApp(
                key=key,
                label=label_text(body.get("label"), locale) or key,
                icon=icon if isinstance(icon, str) and icon.replace("-", "").isalnum() else "grid",
                installed=key in known,
                drafts=int(draft_counts.get(key, 0)),
            )
        )
    return rows


# Kinds listed in the app editor, with the package folder that names them in URLs.
LISTED_KINDS = ("form", "workflow", "report", "dashboard", "calendar", "sla")
# Kinds with their own visual editor (the others open in the JSON view).
VISUAL_EDITORS = ("form", "workflow", "report", "dashboard")


@dataclass(frozen=True)
class DocumentRow:
    """One document of an app in the app editor."""

    kind: str
    key: str
    label: str
    published_version: int | None
    has_draft: bool
    problems: int

    @property
    def folder(self) -> str:
        return FOLDERS.get(self.kind, self.kind)


def app_documents(session: Session, app_key: str, locale: str) -> dict[str, list[DocumentRow]]:
    """The app's documents of each listed kind, drafts and published versions together."""
    newest: dict[tuple[str, str], int] = {
        (kind, key): int(version)
        for kind, key, version in session.execute(
            select(MetadataDocument.kind, MetadataDocument.key, func.max(MetadataDocument.version))
            .where(MetadataDocument.app_key == app_key, MetadataDocument.status == PUBLISHED)
            .group_by(MetadataDocument.kind, MetadataDocument.key)
        )
    }
    drafts = {(d.kind, d.key): d for d in app_drafts(session, app_key)}
    rows: dict[str, list[DocumentRow]] = {kind: [] for kind in LISTED_KINDS}
    for kind, key in sorted(set(newest) | set(drafts)):
        if kind not in rows:
            continue
        draft = drafts.get((kind, key))
        if draft is not None:
            body = draft.body
        else:
            published = latest_published(session, app_key, kind, key)
            body = published.body if published is not None else None
        label = label_text(body.get("label"), locale) if isinstance(body, dict) else ""
        rows[kind].append(
            DocumentRow(
                kind=kind,
                key=key,
                label=label or key,
                published_version=newest.get((kind, key)),
                has_draft=draft is not None,
                problems=len(draft.problems or []) if draft is not None else 0,
            )
        )
    return rows


def new_app_body(
    key: str, label_zh: str, label_en: str, icon: str, roles: list[dict[str, Any]]
) -> dict[str, Any]:
    """The first draft of an app made in the designer."""
    body: dict[str, Any] = {"key": key, "label": {"zh": label_zh, "en": label_en}}
    if icon:
        body["icon"] = icon
    body["roles"] = roles
    body["navigation"] = []
    return body


def discard_draft(session: Session, app_key: str, kind: str, key: str) -> bool:
    """Set a draft aside (undo brings it back); an older set-aside copy is dropped."""
    draft = find_draft(session, app_key, kind, key)
    if draft is None:
        return False
    session.execute(
        delete(MetadataDocument).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.key == key,
            MetadataDocument.status == DISCARDED,
        )
    )
    draft.status = DISCARDED
    session.flush()
    return True


def undo_discard(session: Session, app_key: str, kind: str, key: str) -> bool:
    """Bring a set-aside draft back, unless a newer draft has been started since."""
    if find_draft(session, app_key, kind, key) is not None:
        return False
    discarded = session.scalars(
        select(MetadataDocument).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.key == key,
            MetadataDocument.status == DISCARDED,
        )
    ).first()
    if discarded is None:
        return False
    discarded.status = DRAFT
    session.flush()
    return True


def discard_app(session: Session, app_key: str) -> int:
    """Set aside every draft of an app that was never published; how many."""
    count = 0
    for draft in app_drafts(session, app_key):
        count += discard_draft(session, app_key, draft.kind, draft.key)
    return count


def undo_discard_app(session: Session, app_key: str) -> int:
    """Bring back every set-aside draft of an unpublished app; how many."""
    count = 0
    rows = session.execute(
        select(MetadataDocument.kind, MetadataDocument.key).where(
            MetadataDocument.app_key == app_key, MetadataDocument.status == DISCARDED
        )
    ).all()
    for kind, key in rows:
        count += undo_discard(session, app_key, kind, key)
    return count
