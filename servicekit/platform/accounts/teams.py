"""Teams (pools of users that work can be assigned to), for admin pages and dispatch."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.accounts._i18n import gettext as _
from servicekit.platform.accounts.errors import AccountError
from servicekit.platform.models.accounts import Team, TeamMember, User

_TEAM_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def create_team(session: Session, *, key: str, name: str) -> Team:
    """Add a team with a unique key (``[a-z][a-z0-9_]*``, at most 40) and a display name."""
    key = (key or "").strip()
    name = (name or "").strip()
    if not _TEAM_KEY.fullmatch(key):
        raise AccountError(
            _("Team key: start with a lowercase letter; use lowercase letters, digits, _."),
            "key",
        )
    if not name or len(name) > 100:
        raise AccountError(_("Team name: enter 1 to 100 characters."), "name")
    if session.scalar(select(Team).where(Team.key == key)) is not None:
        raise AccountError(_("Team key: “%(key)s” is already taken.", key=key), "key")
    team = Team(key=key, name=name, members=[])
    session.add(team)
    session.flush()
    return team


def add_team_member(session: Session, team: Team, user: User) -> None:
    """Put ``user`` in ``team`` (adding twice is harmless)."""
    if not any(member.user_id == user.id for member in team.members):
        team.members.append(TeamMember(user_id=user.id))
        session.add(team)


def remove_team_member(session: Session, team: Team, user_id: int) -> None:
    """Take a user out of ``team``."""
    team.members = [member for member in team.members if member.user_id != user_id]
    session.add(team)
