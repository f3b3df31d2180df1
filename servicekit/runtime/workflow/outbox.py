"""The outbox: side effects queued in the move's transaction and delivered after commit.

Each message has an idempotency key sent with every attempt (``X-ServiceKit-Delivery``
for webhooks, ``Message-ID`` for mail). Delivery is at least once: a message is marked
``sent`` only after the receiver accepted it, and a sent message is never sent again.
Failures are retried with exponential back-off by the job queue; they never touch the move.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from servicekit.platform.models import OutboxMessage

MAX_ATTEMPTS = 8
SESSION_KEY = "servicekit.outbox"
TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The receiver refused or could not be reached; the message will be retried."""


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    *,
    app_key: str,
    record_id: int | None,
    now: datetime,
) -> OutboxMessage:
    """Queue a ``webhook`` or ``mail`` message in the caller's transaction."""
    message = OutboxMessage(
        key=uuid.uuid4().hex,
        kind=kind,
        app_key=app_key,
        record_id=record_id,
        payload=dict(payload),
        state="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    # Whoever commits the session hands these ids to the job queue (see ``init_app``).
    session.info.setdefault(SESSION_KEY, []).append(message.id)
    return message


def sign(secret: str, body: bytes) -> str:
    """The ``X-ServiceKit-Signature`` value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: 10 s, 20 s, 40 s, ... up to an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def deliver(
    sessions: Callable[[], Any],
    message_id: int,
    *,
    config: Mapping[str, Any],
    now: Callable[[], datetime],
    after_send: Callable[[OutboxMessage], None] | None = None,
) -> str:
    """Send one message if it is still pending; returns its state afterwards.

    ``sessions`` opens a transaction (``Database.transaction``). ``after_send`` runs
    between sending and recording success (tests stop the worker there). Raises
    :class:`DeliveryFailed` after recording a failed attempt, so the queue retries.
    """
    with sessions() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None or message.state != "pending":
            return message.state if message else "missing"
        kind, key, payload = message.kind, message.key, dict(message.payload)
    try:
        _SENDERS[kind](key, payload, config)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        with sessions() as session:
            message = session.get(OutboxMessage, message_id)
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.next_attempt_at = now() + backoff(message.attempts)
            if message.attempts >= MAX_ATTEMPTS:
                message.state = "failed"
        raise DeliveryFailed(f"outbox message {message_id}: {exc}") from exc
    if after_send is not None:
        after_send(message)
    with sessions() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(state="sent", sent_at=now(), attempts=OutboxMessage.attempts + 1)
        )
    return "sent"


def due_messages(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Ids of pending messages whose next attempt is due (the worker's sweep)."""
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def _send_webhook(key: str, payload: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    body = json.dumps(payload["body"], ensure_ascii=False, sort_keys=True).encode("utf-8")
    secret = config.get("SERVICEKIT_WEBHOOK_SECRET") or config.get("SECRET_KEY") or ""
    request = urllib.request.Request(
        payload["url"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "ServiceKit-Webhook",
            "X-ServiceKit-Delivery": key,
            "X-ServiceKit-Signature": sign(str(secret), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
        exc.close()  # the error carries the open response; release its socket now
        raise DeliveryFailed(f"the receiver answered {code}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"the receiver answered {status}")


def _send_mail(key: str, payload: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    smtp = config.get("SMTP")
    if not smtp:
        raise DeliveryFailed("no SMTP server is configured (SERVICEKIT_SMTP_URL)")
    message = EmailMessage()
    message["From"] = config.get("SERVICEKIT_MAIL_FROM") or "servicekit@localhost"
    message["To"] = payload["to"]
    message["Subject"] = payload["subject"]
    message["Message-ID"] = f"<{key}@servicekit>"
    message.set_content(payload.get("body") or "")
    client_class = smtplib.SMTP_SSL if smtp.get("ssl") else smtplib.SMTP
    with client_class(smtp["host"], smtp["port"], timeout=TIMEOUT_SECONDS) as client:
        if smtp.get("starttls"):
            client.starttls()
        if smtp.get("username"):
            client.login(smtp["username"], smtp.get("password") or "")
        client.send_message(message)


_SENDERS: dict[str, Callable[[str, Mapping[str, Any], Mapping[str, Any]], None]] = {
    "webhook": _send_webhook,
    "mail": _send_mail,
}
