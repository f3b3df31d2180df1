"""The append-only event log and the business-number sequences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.platform.db import Base
from servicekit.platform.models._types import JSONDocument, UTCDateTime


class Event(Base):
    """Who changed what and when; written in the same transaction as the change."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    app_key: Mapped[str] = mapped_column(String(40), index=True)
    form_key: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    changes: Mapped[Any | None] = mapped_column(JSONDocument)


class Sequence(Base):
    """A counter for business numbers, one row per (form, period)."""

    __tablename__ = "sequences"
    __table_args__ = (UniqueConstraint("name", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(BigInteger, default=0)
