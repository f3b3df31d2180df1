"""Apps as the designer lists them: installed apps and apps that so far exist only as drafts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.designer.shell.drafts import find_draft
from servicekit.platform.metadata import label_text
from servicekit.platform.metadata.store import DRAFT, latest_published
from servicekit.platform.models import InstalledApp, MetadataDocument


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
        for key in session.scalars(select(MetadataDocument.app_key).distinct())
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
