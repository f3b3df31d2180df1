"""Published SLA policy and calendar versions for the timer engine, by key and version.

``DbCatalog`` answers ``derive``'s questions from the metadata store and caches typed
policies and calendars per (app, key, version) for the life of the process: published
versions never change, so a cache entry never goes stale.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.metadata.store import get_version
from servicekit.platform.models import MetadataDocument
from servicekit.runtime.sla.calendar import Calendar, builtin_calendar
from servicekit.runtime.sla.errors import CalendarError, SlaError
from servicekit.runtime.sla.policies import Policy
from servicekit.runtime.sla.store import SHARED_APP


class DbCatalog:
    """Policies and calendars of one app, read from published metadata versions."""

    def __init__(self, session: Session, app_key: str) -> None:
        self.session = session
        self.app_key = app_key

    def policy(self, key: str, version: int | None) -> Policy:
        if version is None:
            raise SlaError(f"SLA policy '{key}' has no published version to time against.")
        document = get_version(self.session, self.app_key, "sla", key, int(version))
        if document is None:
            raise SlaError(f"SLA policy '{key}' version {version} is not published in this app.")
        return _policy(self.app_key, key, int(version), canonical_json(document.body))

    def calendar(self, key: str, version: int | None, owner: str | None = None) -> Calendar:
        if version is None:
            return builtin_calendar(key)
        for candidate in (owner,) if owner else (self.app_key, SHARED_APP):
            document = get_version(self.session, candidate, "calendar", key, int(version))
            if document is not None:
                return _calendar(candidate, key, int(version), canonical_json(document.body))
        raise CalendarError(f"Calendar '{key}' version {version} is not published.")


def published_policies(session: Session, app_key: str, form_key: str) -> list[Policy]:
    """The newest published version of every SLA policy of the app that applies to the form."""
    newest = (
        select(MetadataDocument.key, func.max(MetadataDocument.version).label("version"))
        .where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "sla",
            MetadataDocument.status == "published",
        )
        .group_by(MetadataDocument.key)
        .subquery()
    )
    rows = session.execute(
        select(MetadataDocument.key, MetadataDocument.version, MetadataDocument.body)
        .join(
            newest,
            (MetadataDocument.key == newest.c.key) & (MetadataDocument.version == newest.c.version),
        )
        .where(MetadataDocument.app_key == app_key, MetadataDocument.kind == "sla")
    ).all()
    policies = [
        _policy(app_key, key, int(version), canonical_json(body)) for key, version, body in rows
    ]
    return [p for p in policies if p.form in (None, form_key)]


@lru_cache(maxsize=256)
def _policy(app_key: str, key: str, version: int, text: str) -> Policy:
    return Policy.from_body(json.loads(text), version=version)


@lru_cache(maxsize=64)
def _calendar(owner: str, key: str, version: int, text: str) -> Calendar:
    return Calendar.from_body(json.loads(text), version=version)


def app_setting(session: Session, app_key: str, name: str) -> Any:
    """One value of the app document's ``settings`` (None when unset)."""
    from servicekit.platform.metadata.store import latest_published

    document = latest_published(session, app_key, "app", app_key)
    body = document.body if document is not None and isinstance(document.body, dict) else {}
    return (body.get("settings") or {}).get(name)
