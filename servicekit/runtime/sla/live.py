"""Keeping a work order's timers current in the transaction of every change to it.

Any transaction that writes an event about a record (creation, update, workflow move,
service operation) or a record comment re-derives that record's timers just before it
commits, so the timers commit or roll back together with the change. Hooking the
session rather than each caller catches every path (pages, API, imports, escalations)
without the record and workflow code knowing about SLAs.

``refresh_timers`` first records in the event log which policy version, calendar
version and field pause apply to the record's current values (an ``sla.state`` event,
only when that changed), then derives the timers from the log with ``derive_timers``:
the same function a replay runs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from servicekit.platform.db import get_db
from servicekit.platform.models import Comment, Event, SlaTimer
from servicekit.runtime.sla.calendar import CN_MAINLAND
from servicekit.runtime.sla.catalog import DbCatalog, app_setting, published_policies
from servicekit.runtime.sla.derive import Happening, derive_timers
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.sla.history import load_history, staff_ids
from servicekit.runtime.sla.policies import select_policy
from servicekit.runtime.sla.rows import write_timers
from servicekit.runtime.sla.store import SHARED_APP

log = logging.getLogger(__name__)
TOUCHED = "servicekit.sla.touched"
STATE_EVENT = "sla.state"
# Sorts after every stored event of the same instant, as the new event's id will.
_LAST = 2**62


def install_live_updates(app: Flask) -> None:
    """Re-derive the timers of every record a transaction touched, just before it commits."""
    database = get_db(app)
    tz = ZoneInfo(app.config.get("SERVICEKIT_TIMEZONE") or "Asia/Shanghai")

    def collect(session: Session, _context: Any) -> None:
        touched: dict[tuple[str, str, int], datetime] = session.info.setdefault(TOUCHED, {})
        for item in session.new:
            if isinstance(item, Event):
                if item.record_id is None or not item.form_key or item.kind.startswith("sla."):
                    continue
                key = (item.app_key, item.form_key, int(item.record_id))
                at = item.at
            elif isinstance(item, Comment):
                key = (item.app_key, item.form_key, int(item.record_id))
                at = item.created_at
            else:
                continue
            touched[key] = max(touched.get(key, at), at)

    def before_commit(session: Session) -> None:
        touched = session.info.pop(TOUCHED, None)
        if not touched:
            return
        session.flush()  # the last changes, and anything they add to ``touched``
        touched.update(session.info.pop(TOUCHED, None) or {})
        for (app_key, form_key, record_id), at in sorted(touched.items()):
            # No savepoint needed: ``refresh_timers`` raises SlaError only before it
            # writes anything.
            try:
                refresh_timers(session, app_key, form_key, record_id, now=at, tz=tz)
            except SlaError as exc:
                # e.g. a due time in a year the holiday data does not cover yet: the change
                # itself must still be saved; the timers catch up on the next change.
                log.warning(
                    "SLA timers of %s.%s #%s not updated: %s", app_key, form_key, record_id, exc
                )
        session.info.pop(TOUCHED, None)

    def forget(session: Session) -> None:
        session.info.pop(TOUCHED, None)

    event.listen(database.sessions, "after_flush", collect)
    event.listen(database.sessions, "before_commit", before_commit)
    event.listen(database.sessions, "after_rollback", forget)


def refresh_timers(
    session: Session, app_key: str, form_key: str, record_id: int, *, now: datetime, tz: ZoneInfo
) -> list[SlaTimer]:
    """Record what applies to the record now, then derive and store its timers."""
    policies = published_policies(session, app_key, form_key)
    if not policies and not _has_sla_history(session, app_key, form_key, record_id):
        return []
    state = current_state(session, app_key, form_key, record_id, policies, now=now, tz=tz)
    history = load_history(session, app_key, form_key, record_id)
    catalog = DbCatalog(session, app_key)
    staff = staff_ids(session, app_key)
    if state is not None and state != _last_state(session, app_key, form_key, record_id):
        # Derived with the new entry in place before it is written, so a calendar that
        # cannot answer (SlaError) stops us before anything is written.
        pending = Happening(now, (0, _LAST), STATE_EVENT, None, state)
        clocks = derive_timers([*history, pending], catalog, staff, now)
        session.add(
            Event(
                app_key=app_key,
                form_key=form_key,
                record_id=record_id,
                kind=STATE_EVENT,
                actor_id=None,
                at=now,
                changes=state,
            )
        )
    else:
        clocks = derive_timers(history, catalog, staff, now)
    return write_timers(session, app_key, form_key, record_id, clocks, now=now)


def current_state(
    session: Session,
    app_key: str,
    form_key: str,
    record_id: int,
    policies: list[Any],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any] | None:
    """Which policy version and calendar version apply to the record's values now, and
    whether the policy's field condition pauses its clocks (None: the record is gone)."""
    from servicekit.runtime.forms import load_form_runtime
    from servicekit.runtime.forms.records import RecordNotFound

    runtime = load_form_runtime(session, app_key, form_key)
    try:
        record = runtime.store.get(session, record_id)
    except RecordNotFound:
        return None
    values = {
        **runtime.store.rule_values(session, record.values),
        "id": record.id,
        "number": record.number,
    }
    return state_for_values(session, runtime, values, policies, now=now, tz=tz)


def state_for_values(
    session: Session,
    runtime: Any,
    values: dict[str, Any],
    policies: list[Any],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """:func:`current_state` for rule values already read (with ``id`` and ``number``) of a
    record of ``runtime``'s form."""
    app_key, form_key = runtime.app.app_key, runtime.key
    fields = runtime.app.fields.get(form_key, [])
    forms = runtime.app.fields
    policy = select_policy(policies, form_key, fields, values, now=now, tz=str(tz), forms=forms)
    if policy is None:
        return {"policy": None}
    owner, calendar_key, version = _calendar_version(session, app_key, policy.calendar)
    paused = (
        policy.paused(fields, values, (), now=now, tz=str(tz), forms=forms)
        if policy.pause_when
        else False
    )
    return {
        "policy": policy.key,
        "policy_version": policy.version,
        "calendar": calendar_key,
        "calendar_version": version,
        "calendar_app": owner,
        "paused_by_field": paused,
    }


def _calendar_version(
    session: Session, app_key: str, key: str | None
) -> tuple[str | None, str, int | None]:
    """(owner app, key, version) of the calendar a policy names, as ``load_calendar`` finds it."""
    from servicekit.platform.metadata.store import latest_published

    key = key or app_setting(session, app_key, "calendar") or CN_MAINLAND
    for owner in (app_key, SHARED_APP):
        document = latest_published(session, owner, "calendar", key)
        if document is not None:
            return owner, key, document.version
    return None, key, None


def _last_state(session: Session, app_key: str, form_key: str, record_id: int) -> Any:
    return session.scalar(
        select(Event.changes)
        .where(
            Event.app_key == app_key,
            Event.form_key == form_key,
            Event.record_id == record_id,
            Event.kind == STATE_EVENT,
        )
        .order_by(Event.id.desc())
        .limit(1)
    )


def _has_sla_history(session: Session, app_key: str, form_key: str, record_id: int) -> bool:
    return _last_state(session, app_key, form_key, record_id) is not None
