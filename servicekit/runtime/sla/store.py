"""Finding the calendar an SLA clock runs in: an app's own, a shared one, or a built-in.

Calendars are versioned metadata documents of kind ``calendar``. Those a package ships
live under its app key; those made on the calendar page live under ``SHARED_APP`` and
serve every app. Typed calendars are cached per published version, so their per-date
interval caches are reused across requests.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.metadata.problems import MetadataError, Problem
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.platform.metadata.store import add_version, latest_bodies, latest_published
from servicekit.runtime.sla.calendar import CN_MAINLAND, Calendar, builtin_body, builtin_calendar
from servicekit.runtime.sla.errors import CalendarError
from servicekit.runtime.sla.validate import check_calendar

# The app key under which platform-wide calendars are stored; app keys cannot start with
# an underscore, so no app can collide with it.
SHARED_APP = "_calendars"
BUILTIN_KEYS = (CN_MAINLAND,)


def load_calendar(session: Session, key: str, *, app_key: str | None = None) -> Calendar:
    """The newest published calendar ``key``: the app's own, else shared, else built in.

    Raises ``CalendarError`` naming the key when none exists.
    """
    for owner in (app_key, SHARED_APP):
        if owner is None:
            continue
        document = latest_published(session, owner, "calendar", key)
        if document is not None:
            return _typed(owner, key, document.version or 0, canonical_json(document.body))
    if key in BUILTIN_KEYS:
        return builtin_calendar(key)
    raise CalendarError(
        f"There is no calendar '{key}'; publish one on the calendar page or use cn_mainland."
    )


@lru_cache(maxsize=128)
def _typed(owner: str, key: str, version: int, text: str) -> Calendar:
    return Calendar.from_body(json.loads(text), version=version)


def shared_calendar_body(session: Session, key: str) -> tuple[dict[str, Any], int | None] | None:
    """The newest shared body of calendar ``key`` and its version (None for a built-in body).

    A built-in calendar nobody has edited yet answers with its built-in body; an unknown
    key answers None.
    """
    document = latest_published(session, SHARED_APP, "calendar", key)
    if document is not None:
        return dict(document.body), document.version
    if key in BUILTIN_KEYS:
        return builtin_body(key), None
    return None


def shared_calendar_keys(session: Session) -> list[str]:
    """Keys of every shared calendar, built-in ones included, sorted."""
    return sorted(set(latest_bodies(session, SHARED_APP, "calendar")) | set(BUILTIN_KEYS))


def publish_shared_calendar(
    session: Session, body: dict[str, Any], *, author_id: int | None, now: datetime
) -> int:
    """Check ``body`` and record it as the next shared version; returns the version number.

    Raises ``MetadataError`` listing every schema and calendar problem, each with its path.
    """
    file = f"calendars/{body.get('key')}.json"
    problems = schema_problems("calendar", body, file)
    if not problems:
        problems = [Problem(message, path, file) for path, message in check_calendar(body)]
    if problems:
        raise MetadataError(problems)
    document = add_version(
        session, SHARED_APP, "calendar", str(body["key"]), body, author_id=author_id, now=now
    )
    return document.version or 0
