"""Demo data the runtime adds to ``servicekit demo``: work order histories and SLA timers.

The platform's demo command cannot import the runtime, so it calls the ``demo.ready``
hooks once the sample apps and demo users exist; ``init_app`` registers ours.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy.orm import Session

from servicekit.runtime.demo.histories import records_without_history, seed_histories


def init_app(app: Flask) -> None:
    """Give the demo's seeded work orders their histories when ``servicekit demo`` runs."""
    from servicekit.platform.registry import get_registry

    get_registry(app).add_hook("demo.ready", _histories)


def _histories(session: Session, now: datetime, tz: ZoneInfo) -> str | None:
    count = seed_histories(session, now=now, tz=tz)
    return f"Work order histories and SLA timers written: {count}." if count else None


__all__ = ["init_app", "records_without_history", "seed_histories"]
