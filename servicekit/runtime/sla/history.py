"""Reading a work order's history for the timer engine: its events, comments and staff.

The fold in ``derive`` needs nothing else, so what this module returns is exactly what a
replay reads again later.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import AppRoleGrant, Comment, Event, PlatformRoleGrant
from servicekit.runtime.sla.derive import Happening


def load_history(session: Session, app_key: str, form_key: str, record_id: int) -> list[Happening]:
    """The work order's events and record comments, in the order they happened."""
    events = session.execute(
        select(Event.id, Event.at, Event.kind, Event.actor_id, Event.changes)
        .where(
            Event.app_key == app_key,
            Event.form_key == form_key,
            Event.record_id == record_id,
        )
        .order_by(Event.id)
    ).all()
    comments = session.execute(
        select(Comment.id, Comment.created_at, Comment.author_id).where(
            Comment.app_key == app_key,
            Comment.form_key == form_key,
            Comment.record_id == record_id,
        )
    ).all()
    # Within one instant, events keep their log order and comments follow them.
    history = [
        Happening(at, (0, event_id), kind, actor_id, changes or {})
        for event_id, at, kind, actor_id, changes in events
    ]
    history += [
        Happening(at, (1, comment_id), "comment", author_id, {})
        for comment_id, at, author_id in comments
    ]
    return history


def staff_ids(session: Session, app_key: str) -> frozenset[int]:
    """Users whose actions count as a response: anyone with a role in the app, and admins."""
    app_staff = session.scalars(select(AppRoleGrant.user_id).where(AppRoleGrant.app_key == app_key))
    admins = session.scalars(select(PlatformRoleGrant.user_id))
    return frozenset(app_staff) | frozenset(admins)
