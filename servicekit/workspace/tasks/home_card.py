"""The "my work" card on the home page: how much waits for the signed-in user, how much of it
is overdue or unclaimed, and the most urgent few, so a dispatcher or engineer starts the day
from the home page without opening the inbox."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from servicekit.platform.db import get_session
from servicekit.platform.web._context import now
from servicekit.workspace.tasks.views import waiting_rows
from servicekit.workspace.tasks.work import inbox

# Counting stops here ("200+"): the card is a glance, the inbox has the full list.
COUNT_CAP = 200
SHOWN = 5


def my_work_card(user: Any) -> Markup | None:
    """The card's HTML, or None for a user with nothing waiting (builders, read-only staff)."""
    if not getattr(user, "is_authenticated", False):
        return None
    session = get_session()
    moment = now()
    waiting = inbox(session, user, limit=COUNT_CAP + 1)
    if not waiting:
        return None
    counted = waiting[:COUNT_CAP]
    return Markup(
        render_template(
            "tasks/_home_card.html",
            total=len(counted),
            more=len(waiting) > COUNT_CAP,
            overdue=sum(1 for _, due in counted if due is not None and due < moment),
            unclaimed=sum(1 for task, _ in counted if task.assignee_id is None),
            # The inbox's order: its first few are the most urgent (one query, not two).
            rows=waiting_rows(session, user, waiting[:SHOWN], moment),
        )
    )
