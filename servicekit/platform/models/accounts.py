"""Users, platform roles, app role grants, teams, dispatch attributes and login attempts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicekit.platform.db import Base
from servicekit.platform.models._types import UTCDateTime

PLATFORM_ROLES = ("admin", "builder")


class User(Base):
    """A person who signs in: staff, builders and admins.

    ``region``, ``home_lat``/``home_lng``, ``capacity`` and skills feed dispatch rules.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    region: Mapped[str | None] = mapped_column(String(64))
    home_lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    home_lng: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    platform_roles: Mapped[list[PlatformRoleGrant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    app_roles: Mapped[list[AppRoleGrant]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    skills: Mapped[list[UserSkill]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def has_platform_role(self, role: str) -> bool:
        return any(grant.role == role for grant in self.platform_roles)

    @property
    def is_admin(self) -> bool:
        return self.has_platform_role("admin")

    @property
    def is_builder(self) -> bool:
        return self.has_platform_role("builder") or self.is_admin

    def roles_in(self, app_key: str) -> set[str]:
        """The app roles granted to this user in one app."""
        return {grant.role for grant in self.app_roles if grant.app_key == app_key}

    def rule_context(self, app_key: str | None = None) -> dict[str, object]:
        """The mapping the rule language sees as ``user``."""
        roles = sorted(self.roles_in(app_key)) if app_key else []
        return {
            "id": self.id,
            "name": self.display_name,
            "login": self.login,
            "roles": roles,
            "region": self.region,
            "skills": [skill.skill for skill in self.skills],
        }


class PlatformRoleGrant(Base):
    """A platform role (``admin`` or ``builder``) held by a user."""

    __tablename__ = "user_platform_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))


class AppRoleGrant(Base):
    """An app role (declared in the app's metadata) granted to a user."""

    __tablename__ = "user_app_roles"
    __table_args__ = (UniqueConstraint("user_id", "app_key", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_key: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(40))


class UserSkill(Base):
    """A skill with a level (1 = basic … 5 = expert), used by skill-match dispatch."""

    __tablename__ = "user_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=1)


class Team(Base):
    """A group of users that work can be assigned to (a pool)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    members: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class TeamMember(Base):
    """Membership of a user in a team."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class LoginAttempt(Base):
    """A failed sign-in, kept briefly to throttle guessing (per login and per address)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
