"""In-app notifications: the service later features call, and the queries the bell uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from servicekit.platform.bulk import insert_rows
from servicekit.platform.models.notifications import Notification

_TITLE_LIMIT = 200
_LINK_LIMIT = 500


def notify(
    session: Session,
    user_id: int,
    title: str,
    body: str | None = None,
    link: str | None = None,
    *,
    now: datetime,
) -> Notification:
    """Add an unread notification for one user (does not commit).

    ``link`` should be a local path such as ``/apps/after_sales``; the title is cut to 200
    characters.
    """
    note = Notification(**_columns(user_id, title, body, link, now))
    session.add(note)
    session.flush()
    return note


def notify_many(
    session: Session,
    messages: list[tuple[int, str, str | None, str | None]],
    *,
    now: datetime,
) -> int:
    """Add many unread notifications, ``(user id, title, body, link)`` each, in one bulk
    insert (does not commit); returns how many. For batch senders such as the SLA sweep."""
    if messages:
        rows = [_columns(*message, now) for message in messages]
        insert_rows(session, Notification.__table__, rows)
    return len(messages)


def _columns(
    user_id: int, title: str, body: str | None, link: str | None, now: datetime
) -> dict[str, object]:
    return {
        "user_id": user_id,
        "title": title[:_TITLE_LIMIT],
        "body": body,
        "link": link[:_LINK_LIMIT] if link else None,
        "created_at": now,
    }


def unread_count(session: Session, user_id: int) -> int:
    """How many notifications the user has not read."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(session: Session, user_id: int, limit: int = 100) -> list[Notification]:
    """The user's newest notifications first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> bool:
    """Mark one of the user's notifications read; False when it is not theirs."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        return False
    if note.read_at is None:
        note.read_at = now
    return True


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)
