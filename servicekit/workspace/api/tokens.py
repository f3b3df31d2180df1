"""Personal API tokens: created once in clear, kept only as a SHA-256, revocable per user.

Integrators put a token in ``Authorization: Bearer sk_...``; the clear token is shown to
its owner once (profile page or ``servicekit token create``) and cannot be read back.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import ApiToken, User

TOKEN_PREFIX = "sk_"
MAX_NAME = 100
MAX_TOKEN = 200
# Writing last_used_at on every request would turn each read into a write; a minute is
# precise enough to tell which tokens are still in use.
_LAST_USED_STEP = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    session: Session, user_id: int, name: str, *, now: datetime
) -> tuple[ApiToken, str]:
    """A new token for ``user_id``: the stored row and the clear token to show once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        name=(name.strip() or "API")[:MAX_NAME],
        prefix=secret[:10],
        token_hash=token_hash(secret),
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, secret


def user_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, marked by ``revoked_at``)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(
    session: Session, token_id: int, *, now: datetime, user_id: int | None = None
) -> ApiToken | None:
    """Revoke a token (only the owner's when ``user_id`` is given); ``None`` if not found."""
    token = session.get(ApiToken, token_id)
    if token is None or (user_id is not None and token.user_id != user_id):
        return None
    if token.revoked_at is None:
        token.revoked_at = now
    return token


def authenticate_token(session: Session, secret: str, *, now: datetime) -> User | None:
    """The active user a live token belongs to, or ``None``; notes when it was used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_STEP:
        token.last_used_at = now
    return user
