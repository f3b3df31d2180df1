"""Timers for work orders whose history was written after the fact (demo data, migrations).

For whoever writes a past journey into the event log directly instead of living through it:
``state_at`` gives the ``sla.state`` entry the live path would have written when the work
order was created, and ``store_timers`` derives and stores the timers from the completed
log with ``derive_timers`` (the function live updates and replay use), as of a given moment.
Policies, calendars and the staff list are read once per ``TimerBackfill``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from servicekit.platform.models import SlaTimer
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.catalog import DbCatalog, published_policies
from servicekit.runtime.sla.derive import derive_timers
from servicekit.runtime.sla.history import load_history, staff_ids
from servicekit.runtime.sla.live import STATE_EVENT, state_for_values
from servicekit.runtime.sla.policies import Policy
from servicekit.runtime.sla.rows import write_timers

__all__ = ["STATE_EVENT", "TimerBackfill"]


class TimerBackfill:
    """The SLA side of writing histories for many records of one form in one session."""

    def __init__(self, session: Session, app_key: str, form_key: str, tz: ZoneInfo) -> None:
        self.session, self.app_key, self.form_key, self.tz = session, app_key, form_key, tz
        self.policies = published_policies(session, app_key, form_key)
        self.catalog = _Remembered(DbCatalog(session, app_key))
        self.staff = staff_ids(session, app_key)

    def state_at(self, runtime: Any, values: dict[str, Any], at: datetime) -> dict[str, Any] | None:
        """What ``sla.state`` would record at ``at`` for a record of ``runtime``'s form with
        these rule values (with ``id`` and ``number``); None: the form has no SLA."""
        if not self.policies:
            return None
        return state_for_values(self.session, runtime, values, self.policies, now=at, tz=self.tz)

    def calendar_of(self, state: dict[str, Any]) -> Any:
        """The calendar a state names (to place history in business time)."""
        return self.catalog.calendar(
            str(state["calendar"]), state.get("calendar_version"), state.get("calendar_app")
        )

    def store_timers(self, record_id: int, *, as_of: datetime) -> list[SlaTimer]:
        """Derive the record's timers from its stored log as of ``as_of`` and store them."""
        history = load_history(self.session, self.app_key, self.form_key, record_id)
        clocks = derive_timers(history, self.catalog, self.staff, as_of)
        return write_timers(self.session, self.app_key, self.form_key, record_id, clocks, now=as_of)


class _Remembered:
    """A catalog that reads each policy and calendar version once (they never change)."""

    def __init__(self, catalog: DbCatalog) -> None:
        self._catalog = catalog
        self._policies: dict[tuple[str, int | None], Policy] = {}
        self._calendars: dict[tuple[str, int | None, str | None], Calendar] = {}

    def policy(self, key: str, version: int | None) -> Policy:
        if (key, version) not in self._policies:
            self._policies[(key, version)] = self._catalog.policy(key, version)
        return self._policies[(key, version)]

    def calendar(self, key: str, version: int | None, owner: str | None = None) -> Calendar:
        if (key, version, owner) not in self._calendars:
            self._calendars[(key, version, owner)] = self._catalog.calendar(key, version, owner)
        return self._calendars[(key, version, owner)]
