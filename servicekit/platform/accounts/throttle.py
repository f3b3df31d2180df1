"""Sign-in throttling: failed attempts per login name and per client address in a window.

Failed attempts live in the ``login_attempts`` table so every server process sees them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from servicekit.platform.models.accounts import LoginAttempt


def is_throttled(
    session: Session, *, login: str, address: str, now: datetime, limit: int, window: int
) -> bool:
    """Whether ``limit`` failures for this login or this address fall within ``window`` seconds."""
    since = now - timedelta(seconds=window)
    login_key = _login_key(login)
    by_login = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.login == login_key, LoginAttempt.at > since)
    )
    by_address = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.address == address[:64], LoginAttempt.at > since)
    )
    return (by_login or 0) >= limit or (by_address or 0) >= limit


def record_failure(session: Session, *, login: str, address: str, now: datetime) -> None:
    """Remember one failed sign-in (the password itself is never stored)."""
    session.add(LoginAttempt(login=_login_key(login), address=address[:64], at=now))


def clear_failures(
    session: Session, *, login: str, now: datetime, window: int, address: str | None = None
) -> None:
    """Forget the failures of a login after it signed in, and prune rows older than the window."""
    conditions = [LoginAttempt.login == _login_key(login)]
    if address is not None:
        conditions.append(LoginAttempt.address == address[:64])
    session.execute(delete(LoginAttempt).where(or_(*conditions)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at <= now - timedelta(seconds=window)))


def _login_key(login: str) -> str:
    return (login or "").strip().lower()[:64]
