"""SLA timers: one row per target per cycle of a work order, the ladder steps they fired, and
what happened to each timer when.

Timer rows are derived from the work order's event log by ``runtime.sla.derive`` and kept
up to date in the transaction of every change; the escalation sweep reads only rows whose
``next_step_at`` has come (index ``ix_sla_timers_sweep``) and records each ladder step it
fires in ``sla_firings``, whose unique (timer, step) pair makes each step fire exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.platform.db import Base
from servicekit.platform.models._types import JSONDocument, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class SlaTimer(Base):
    """One target's clock (``response``, ``resolution`` or ``node:<key>``) in one cycle.

    ``state`` is ``running``, ``paused``, ``met``, ``breached`` or ``cancelled``. A timer
    that passed its due time is ``breached`` whether it is still open or was met late;
    ``breached_at`` and ``breach_seconds`` stay set for good. ``elapsed_seconds`` is the
    business time used up to ``counted_at``; while the timer runs, add the business time
    from ``counted_at`` to now. Open timers have ``closed_at`` empty.
    """

    __tablename__ = "sla_timers"
    __table_args__ = (
        UniqueConstraint("app_key", "form_key", "record_id", "target", "cycle"),
        Index("ix_sla_timers_sweep", "state", "next_step_at"),
        Index("ix_sla_timers_due", "app_key", "form_key", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    app_key: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigInteger, index=True)
    target: Mapped[str] = mapped_column(String(50))  # response, resolution, node:<key>
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20))
    policy_key: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    calendar_key: Mapped[str] = mapped_column(String(40))
    calendar_version: Mapped[int | None] = mapped_column(Integer)
    target_seconds: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    elapsed_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    breach_seconds: Mapped[int | None] = mapped_column(BigInteger)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlaFiring(Base):
    """A ladder step that fired for a timer; the unique pair makes it fire exactly once.

    ``state`` is ``done``, or ``held`` while notifications wait for the recipients' next
    working interval (``deliver_at``); ``detail`` lists what the step did.
    """

    __tablename__ = "sla_firings"
    __table_args__ = (
        UniqueConstraint("timer_id", "step_key"),
        Index("ix_sla_firings_held", "state", "deliver_at"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    timer_id: Mapped[int] = mapped_column(ForeignKey("sla_timers.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(40))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(20), default="done")
    deliver_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[Any | None] = mapped_column(JSONDocument)


class SlaTimerEvent(Base):
    """What happened to a timer and when: started, paused, resumed, policy changed, met,
    breached, cancelled (derived from the event log, so replay rebuilds it too)."""

    __tablename__ = "sla_timer_events"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    timer_id: Mapped[int] = mapped_column(
        ForeignKey("sla_timers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[Any | None] = mapped_column(JSONDocument)
