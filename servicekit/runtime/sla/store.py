"""Finding the calendar an SLA clock runs in: an app's own, a shared one, or a built-in.

Calendars are versioned metadata documents of kind ``calendar``. Those a package ships
live under its app key; those made on the calendar page live under ``SHARED_APP`` and
serve every app. Typed calendars are cached per published version, so their per-date
interval caches are reused across requests.
"""

from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.metadata.store import latest_published
from servicekit.runtime.sla.calendar import CN_MAINLAND, Calendar, builtin_calendar
from servicekit.runtime.sla.errors import CalendarError

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
