"""Workflow state: running instances, tasks, assignment decisions, round-robin turns, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.platform.db import Base
from servicekit.platform.models._types import JSONDocument, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class WorkflowInstance(Base):
    """One record's journey through one published workflow version.

    The row is locked (``SELECT ... FOR UPDATE``) by every move, so moves of one work
    order run one after another and joins count their branches atomically.
    """

    __tablename__ = "workflow_instances"
    __table_args__ = (UniqueConstraint("app_key", "form_key", "record_id"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    app_key: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigInteger)
    workflow_key: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="active")  # active, closed
    outcome: Mapped[str | None] = mapped_column(String(30))
    moves: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkflowTask(Base):
    """A place a work order waits: a person's task, an approval vote, or a join arrival.

    ``state`` is ``open``, ``completed``, ``cancelled`` or ``arrived`` (a branch waiting at
    a join); ``token`` names the parallel branch the task belongs to.
    """

    __tablename__ = "workflow_tasks"
    __table_args__ = (
        Index("ix_workflow_tasks_assignee_state", "assignee_id", "state"),
        Index("ix_workflow_tasks_instance_state", "instance_id", "state"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_instances.id", ondelete="CASCADE")
    )
    app_key: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigInteger, index=True)
    node_key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # task, approval, join
    state: Mapped[str] = mapped_column(String(20), default="open")
    token: Mapped[str] = mapped_column(String(400), default="")
    group_key: Mapped[str | None] = mapped_column(String(40))  # approvals: one per visit
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pool: Mapped[str | None] = mapped_column(String(80))  # role:<key> or team:<key>
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)


class AssignmentDecision(Base):
    """Why a task went to whom: the strategy, every candidate with its scores, and the reason."""

    __tablename__ = "workflow_assignments"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    task_id: Mapped[int] = mapped_column(
        ForeignKey("workflow_tasks.id", ondelete="CASCADE"), index=True
    )
    strategy: Mapped[str] = mapped_column(String(40))
    chosen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    candidates: Mapped[Any] = mapped_column(JSONDocument)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoundRobinCursor(Base):
    """Whose turn it was last in one round-robin pool; updated under a row lock."""

    __tablename__ = "workflow_round_robin"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), unique=True)
    last_user_id: Mapped[int | None] = mapped_column(Integer)
    turns: Mapped[int] = mapped_column(BigInteger, default=0)


class OutboxMessage(Base):
    """A side effect (mail, webhook) queued in the move's transaction, delivered after commit.

    ``key`` is the idempotency key sent with every attempt; ``state`` becomes ``sent``
    once success is recorded, after which the message is never sent again.
    """

    __tablename__ = "workflow_outbox"

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # webhook, mail
    app_key: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[Any] = mapped_column(JSONDocument)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
