"""The navigation built from installed apps' published metadata, for the shell and home page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata import label_text
from servicekit.platform.models.apps import InstalledApp, MetadataDocument

# Navigation entry kinds, in the order the app metadata may name them.
ENTRY_KINDS = ("form", "report", "dashboard")


@dataclass(frozen=True)
class NavEntry:
    """One navigation item of an app: a form, report or dashboard."""

    key: str
    label: str
    kind: str
    target: str


@dataclass(frozen=True)
class AppNav:
    """An installed app as the shell shows it."""

    key: str
    label: str
    description: str
    icon: str
    entries: tuple[NavEntry, ...]


def latest_published_body(session: Session, app_key: str, kind: str, key: str) -> Any | None:
    """The body of the newest published version of one document, or None."""
    return session.scalar(
        select(MetadataDocument.body)
        .where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.key == key,
            MetadataDocument.status == "published",
        )
        .order_by(MetadataDocument.version.desc())
        .limit(1)
    )


def installed_apps(session: Session, locale: str) -> list[AppNav]:
    """Every installed app in ``position`` order, with labels in ``locale``."""
    apps = session.scalars(select(InstalledApp).order_by(InstalledApp.position, InstalledApp.key))
    return [
        _app_nav(app.key, latest_published_body(session, app.key, "app", app.key), locale)
        for app in apps
    ]


def find_app(session: Session, app_key: str, locale: str) -> AppNav | None:
    """One installed app, or None when no app has that key."""
    app = session.scalar(select(InstalledApp).where(InstalledApp.key == app_key))
    if app is None:
        return None
    return _app_nav(app.key, latest_published_body(session, app.key, "app", app.key), locale)


def _app_nav(app_key: str, body: Any, locale: str) -> AppNav:
    body = body if isinstance(body, dict) else {}
    entries = []
    for item in body.get("navigation") or []:
        if not isinstance(item, dict):
            continue
        kind = next((name for name in ENTRY_KINDS if isinstance(item.get(name), str)), None)
        if kind is None:
            continue
        target = item[kind]
        entries.append(
            NavEntry(
                key=str(item.get("key") or target),
                label=label_text(item.get("label"), locale) or target,
                kind=kind,
                target=target,
            )
        )
    icon = body.get("icon")
    return AppNav(
        key=app_key,
        label=label_text(body.get("label"), locale) or app_key,
        description=label_text(body.get("description"), locale),
        icon=icon if isinstance(icon, str) and icon.replace("-", "").isalnum() else "grid",
        entries=tuple(entries),
    )
