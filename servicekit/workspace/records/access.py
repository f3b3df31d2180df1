"""What a view needs before it touches records: the form runtime, the user's rights, clock and zone.

Every records route starts here, so the permission answers are the same everywhere: a
form the user may not read, or a record outside their scope, is a 404; an action their
roles do not grant at all is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.db import get_session
from servicekit.platform.web.i18n import current_locale
from servicekit.runtime.forms import (
    Context,
    FormAccess,
    FormNotFound,
    FormRuntime,
    actor_for,
    form_access,
    load_form_runtime,
)

MAX_KEY = 40


@dataclass(frozen=True)
class FormScope:
    """One request's view of one form: runtime, rights, session, time, zone and language."""

    app_key: str
    runtime: FormRuntime
    access: FormAccess
    session: Session
    now: datetime
    tz: ZoneInfo  # the reader's zone: what they see and type
    app_tz: ZoneInfo  # the app's zone: what business rules and numbers use
    locale: str

    @property
    def form(self):  # type: ignore[no-untyped-def]
        return self.runtime.form

    def context(self) -> Context:
        """The rule context for the signed-in user."""
        return Context(now=self.now, tz=self.app_tz, user=self.access.actor.rule_user)

    def require(self, action: str) -> None:
        """403 unless the user's roles grant ``action`` on this form at all."""
        if not self.access.allows(action):
            abort(403)

    def in_scope(self, action: str, record_id: int, *, deleted: bool | None = False) -> bool:
        """Whether ``record_id`` exists and lies in the user's scope for ``action``."""
        table = self.runtime.source.table
        query = select(table.c.id).where(
            table.c.id == record_id,
            self.access.record_filter(
                action, self.runtime.source, now=self.now, tz=self.tz, forms=self.runtime.app.fields
            ),
        )
        if deleted is not None:
            query = query.where(table.c.deleted.is_(deleted))
        return self.session.scalar(query) is not None

    def readable_or_404(self, record_id: int, *, deleted: bool | None = False) -> None:
        """404 when the record is missing or outside what the user may read."""
        if not self.access.allows("read") or not self.in_scope("read", record_id, deleted=deleted):
            abort(404)


def user_zone() -> ZoneInfo:
    """The signed-in user's display zone, else the app's."""
    fallback = current_app.config["SERVICEKIT_TIMEZONE"]
    name = getattr(current_user, "timezone", None) or fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def form_scope(app_key: str, form_key: str) -> FormScope:
    """The form for this request; 404 when it is unknown or the user may not read it."""
    session = get_session()
    try:
        runtime = load_form_runtime(session, app_key[:MAX_KEY], form_key[:MAX_KEY])
    except FormNotFound:
        abort(404)
    access = form_access(runtime.form, actor_for(current_user, app_key))
    if not access.allows("read") and not access.allows("create"):
        abort(404)
    return FormScope(
        app_key=app_key,
        runtime=runtime,
        access=access,
        session=session,
        now=current_app.extensions["servicekit.clock"].now(),
        tz=user_zone(),
        app_tz=ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"]),
        locale=current_locale(),
    )
