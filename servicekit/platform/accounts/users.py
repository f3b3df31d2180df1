"""Creating, changing and looking up users and their roles, for the CLI, admin pages and setup.

Functions take the session and never commit: the caller decides the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicekit.platform.accounts._i18n import gettext as _
from servicekit.platform.accounts.errors import AccountError
from servicekit.platform.accounts.passwords import (
    check_password_policy,
    hash_password,
    password_matches,
)
from servicekit.platform.config import SUPPORTED_LOCALES
from servicekit.platform.models.accounts import (
    PLATFORM_ROLES,
    AppRoleGrant,
    PlatformRoleGrant,
    User,
    UserSkill,
)

LOGIN_PATTERN = re.compile(r"[A-Za-z0-9_.@-]{2,64}")
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_MAX_SKILL_LEVEL = 5

# Profile fields an admin may change with update_user, and their length limits.
_TEXT_FIELDS = {"display_name": 100, "email": 254, "phone": 32, "region": 64}


def get_user_by_login(session: Session, login: str) -> User | None:
    """The user with this login name (case-insensitive), or None."""
    return session.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))


def named_user_ids(
    session: Session, app_key: str, logins: Iterable[str] = (), roles: Iterable[str] = ()
) -> set[int]:
    """Ids of the users a notification names: by login, and everyone holding one of the
    app ``roles`` (workflow notify actions and SLA escalation steps address people this way)."""
    ids: set[int] = set()
    logins, roles = list(logins), list(roles)
    if logins:
        ids |= set(session.scalars(select(User.id).where(User.login.in_(logins))))
    if roles:
        query = select(AppRoleGrant.user_id).where(
            AppRoleGrant.app_key == app_key, AppRoleGrant.role.in_(roles)
        )
        ids |= set(session.scalars(query))
    return ids


def create_user(
    session: Session,
    *,
    login: str,
    display_name: str,
    password: str,
    now: datetime,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    platform_roles: Iterable[str] = (),
    app_roles: Iterable[tuple[str, str]] = (),
    region: str | None = None,
) -> User:
    """Add a user after checking the login, the password policy and uniqueness.

    ``app_roles`` holds ``(app_key, role_key)`` pairs. Raises :class:`AccountError`.
    """
    login = (login or "").strip()
    if not LOGIN_PATTERN.fullmatch(login):
        raise AccountError(
            _("Login name: use 2 to 64 letters, digits or the characters _ . @ - (no spaces)."),
            field="login",
        )
    if get_user_by_login(session, login) is not None:
        raise AccountError(_("Login name: “%(login)s” is already taken.", login=login), "login")
    _check_password(password, login)
    user = User(
        login=login,
        display_name="",
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        platform_roles=[],
        app_roles=[],
        skills=[],
    )
    update_user(
        user,
        display_name=display_name,
        email=email,
        phone=phone,
        locale=locale,
        timezone=timezone,
        region=region,
    )
    session.add(user)
    for role in platform_roles:
        grant_platform_role(session, user, role)
    for app_key, role in app_roles:
        grant_app_role(session, user, app_key, role)
    session.flush()
    return user


def update_user(user: User, **changes: Any) -> None:
    """Change profile fields: display name, email, phone, locale, time zone, region,
    capacity, home_lat and home_lng. Empty strings clear optional fields.
    """
    for name, value in changes.items():
        if name in _TEXT_FIELDS:
            _set_text(user, name, value)
        elif name == "locale":
            user.locale = _clean_locale(value)
        elif name == "timezone":
            user.timezone = _clean_timezone(value)
        elif name == "capacity":
            user.capacity = _clean_capacity(value)
        elif name in ("home_lat", "home_lng"):
            setattr(user, name, _clean_coordinate(name, value))
        else:
            raise AccountError(_("Unknown user field: %(name)s.", name=name), name)


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password after checking the policy (stores only the hash)."""
    _check_password(password, user.login)
    user.password_hash = hash_password(password)
    session.add(user)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is this user's password."""
    return password_matches(user.password_hash, password)


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable sign-in for a user (their data stays)."""
    user.active = active
    session.add(user)


def grant_platform_role(session: Session, user: User, role: str) -> None:
    """Give ``role`` (``admin`` or ``builder``) to the user; granting twice is harmless."""
    if role not in PLATFORM_ROLES:
        raise AccountError(
            _("Platform role: “%(role)s” is not one of admin, builder.", role=role), "role"
        )
    if not user.has_platform_role(role):
        user.platform_roles.append(PlatformRoleGrant(role=role))
        session.add(user)


def revoke_platform_role(session: Session, user: User, role: str) -> None:
    """Take ``role`` away from the user (nothing happens when they do not hold it)."""
    user.platform_roles = [grant for grant in user.platform_roles if grant.role != role]
    session.add(user)


def grant_app_role(session: Session, user: User, app_key: str, role: str) -> None:
    """Grant app role ``role`` of app ``app_key``; granting twice is harmless."""
    if not _KEY_PATTERN.fullmatch(app_key or "") or not _KEY_PATTERN.fullmatch(role or ""):
        raise AccountError(_("App role: the app key or role key is not valid."), "app_role")
    if role not in user.roles_in(app_key):
        user.app_roles.append(AppRoleGrant(app_key=app_key, role=role))
        session.add(user)


def revoke_app_role(session: Session, user: User, app_key: str, role: str) -> None:
    """Take app role ``role`` of ``app_key`` away from the user."""
    user.app_roles = [
        grant for grant in user.app_roles if (grant.app_key, grant.role) != (app_key, role)
    ]
    session.add(user)


def set_skills(session: Session, user: User, skills: dict[str, int]) -> None:
    """Replace the user's skills with ``{skill: level}`` (levels 1 to 5)."""
    cleaned: dict[str, int] = {}
    for skill, level in skills.items():
        name = skill.strip()
        if not name or len(name) > 64:
            raise AccountError(_("Skills: a skill name needs 1 to 64 characters."), "skills")
        if not isinstance(level, int) or not 1 <= level <= _MAX_SKILL_LEVEL:
            raise AccountError(
                _("Skills: the level of “%(skill)s” must be 1 to 5.", skill=name), "skills"
            )
        cleaned[name] = level
    kept = {skill.skill: skill for skill in user.skills if skill.skill in cleaned}
    for name, skill in kept.items():
        skill.level = cleaned[name]
    user.skills = list(kept.values()) + [
        UserSkill(skill=name, level=level) for name, level in cleaned.items() if name not in kept
    ]
    session.add(user)


def _check_password(password: str, login: str) -> None:
    problems = check_password_policy(password or "", login)
    if problems:
        raise AccountError(_("Password: ") + " ".join(problems), "password")


def _set_text(user: User, name: str, value: Any) -> None:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    limit = _TEXT_FIELDS[name]
    if name == "display_name" and not text:
        raise AccountError(_("Display name: please enter a name."), name)
    if len(text) > limit:
        raise AccountError(
            _("%(field)s: at most %(count)d characters.", field=name, count=limit), name
        )
    if name == "email" and text and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise AccountError(_("Email: “%(value)s” is not an email address.", value=text), name)
    setattr(user, name, text or None if name != "display_name" else text)


def _clean_locale(value: Any) -> str | None:
    if not value:
        return None
    if value not in SUPPORTED_LOCALES:
        raise AccountError(_("Language: choose Chinese or English."), "locale")
    return str(value)


def _clean_timezone(value: Any) -> str | None:
    if not value:
        return None
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AccountError(
            _("Time zone: “%(value)s” is not a known time zone such as Asia/Shanghai.", value=name),
            "timezone",
        ) from exc
    return name


def _clean_capacity(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise AccountError(_("Capacity: enter a whole number."), "capacity") from exc
    if not 0 <= number <= 10000:
        raise AccountError(_("Capacity: enter a number from 0 to 10000."), "capacity")
    return number


def _clean_coordinate(name: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    limit = 90 if name == "home_lat" else 180
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise AccountError(_("Home location: enter decimal degrees."), name) from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise AccountError(
            _("Home location: the value must lie between -%(limit)d and %(limit)d.", limit=limit),
            name,
        )
    return number.quantize(Decimal("0.000001"))
