"""Handing outbox messages to the job queue after commit, and the worker's delivery task."""

from __future__ import annotations

from flask import Flask
from huey import crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from servicekit.platform.db import get_db
from servicekit.platform.jobs import get_huey
from servicekit.runtime.workflow.outbox import MAX_ATTEMPTS, SESSION_KEY, deliver, due_messages

RETRY_DELAY_SECONDS = 10


def register_delivery(app: Flask) -> None:
    """The ``deliver`` task (retried by Huey), a sweep every minute, and the after-commit hand-off.

    ``app.extensions["servicekit.workflow.after_send"]`` may hold a callable run between
    sending and recording success; tests use it to stop the worker at that point.
    """
    huey = get_huey(app)
    database = get_db(app)
    clock = app.extensions["servicekit.clock"]

    @huey.task(
        name="servicekit.workflow.deliver",
        retries=MAX_ATTEMPTS,
        retry_delay=RETRY_DELAY_SECONDS,
        retry_backoff=2,
    )
    def deliver_task(message_id: int) -> str:
        with app.app_context():
            return deliver(
                database.transaction,
                message_id,
                config=app.config,
                now=clock.now,
                after_send=app.extensions.get("servicekit.workflow.after_send"),
            )

    @huey.periodic_task(crontab(minute="*"), name="servicekit.workflow.sweep")
    def sweep_task() -> None:
        # Messages whose job was lost (a worker crash, a queue flush) are picked up here.
        with database.transaction() as session:
            ids = due_messages(session, clock.now())
        for message_id in ids:
            deliver_task(message_id)

    def after_commit(session: Session) -> None:
        if session.in_nested_transaction():
            # Releasing a savepoint also fires ``after_commit``; the rows are not visible to
            # the worker until the outer transaction commits, so wait for that one.
            return
        ids = session.info.pop(SESSION_KEY, None)
        # Looked up at call time, so a test can stand in for a stopped worker.
        hand_off = app.extensions["servicekit.workflow.deliver"]
        for message_id in ids or ():
            hand_off(message_id)

    def after_rollback(session: Session) -> None:
        session.info.pop(SESSION_KEY, None)

    event.listen(database.sessions, "after_commit", after_commit)
    event.listen(database.sessions, "after_rollback", after_rollback)
    app.extensions["servicekit.workflow.deliver"] = deliver_task
    app.extensions["servicekit.workflow.sweep"] = sweep_task
