"""A short-lived cache of report results keyed by report, filters, reader and data version."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.platform.models import Event
from servicekit.platform.storage import RecordSource


def data_version(session: Session, source: RecordSource) -> tuple[Any, ...]:
    """Changes whenever records of the app are written.

    The record store logs every create, update, delete and restore as an event in the same
    transaction, and seeding adds rows with new ids; both maxima come from primary keys, so
    this costs two index look-ups however large the tables are.
    """
    event = session.scalar(select(func.max(Event.id)))
    newest = session.scalar(select(func.max(source.table.c.id)))
    return (event, newest)


class ResultCache:
    """Results kept for ``ttl`` seconds, at most ``size`` of them, safe across threads.

    Entries expire by wall-clock age (a cache detail, not business time); a write to the
    records changes the data version in the key, so a stale entry is never read.
    """

    def __init__(self, ttl: float = 30.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            stamp, value = found
            if time.monotonic() - stamp > self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
