"""The outbox: webhooks retried through the job queue until they succeed and never sent again,
a worker stopped between sending and recording success, and mail through a real SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from servicekit.platform.config import parse_smtp_url
from servicekit.platform.jobs import get_huey
from servicekit.platform.models import OutboxMessage
from servicekit.runtime.workflow import deliver, due_messages
from servicekit.runtime.workflow.outbox import SESSION_KEY
from tests.runtime.workflow.conftest import Shop, simple_flow


class Receiver:
    """A webhook receiver on loopback that answers 500 to its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(receiver.calls) <= receiver.failures
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        return [headers["x-servicekit-delivery"] for headers, _ in self.calls]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(failures=2)
    yield server
    server.close()


def hooked_flow(url: str) -> dict[str, Any]:
    return simple_flow(
        [
            {
                "key": "accept",
                "kind": "task",
                "assignment": {"strategy": "pool", "role": "agent"},
                "on_enter": [{"type": "webhook", "url": url}],
            }
        ],
        [
            {"key": "begin", "from": "start", "to": "accept"},
            {"key": "accept", "from": "accept", "to": "closed"},
            {"key": "drop", "from": "accept", "to": "rejected"},
        ],
    )


def run_scheduled(shop: Shop) -> int:
    """Run the job queue's scheduled retries as the worker would once their time came."""
    huey = get_huey(shop.app)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    tasks = huey.read_schedule(later)
    for task in tasks:
        huey.execute(task, later)
    return len(tasks)


def messages(shop: Shop) -> list[OutboxMessage]:
    with shop.db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_failing_webhook_is_retried_until_it_succeeds_and_not_sent_again(
    custom: Any, receiver: Receiver
) -> None:
    shop = custom(hooked_flow(receiver.url))
    record_id = shop.create()
    # The move committed although the receiver failed; the first attempt ran after commit.
    assert shop.tasks(record_id) == [("accept", None, "role:agent")]
    assert len(receiver.calls) == 1
    [message] = messages(shop)
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error == "DeliveryFailed: the receiver answered 500"

    assert run_scheduled(shop) == 1  # second attempt: 500 again
    assert run_scheduled(shop) == 1  # third attempt: accepted
    assert len(receiver.calls) == 3
    [message] = messages(shop)
    assert (message.state, message.attempts) == ("sent", 3)
    assert run_scheduled(shop) == 0

    # Neither the sweep nor a repeated job sends a recorded success again.
    with shop.db.transaction() as session:
        assert due_messages(session, shop.clock.now() + timedelta(days=1)) == []
    shop.app.extensions["servicekit.workflow.deliver"](message.id)
    assert len(receiver.calls) == 3

    assert set(receiver.keys()) == {message.key}
    secret = shop.app.config["SECRET_KEY"].encode()
    for headers, body in receiver.calls:
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        assert headers["x-servicekit-signature"] == expected
    payload = json.loads(receiver.calls[-1][1])
    assert payload["record"]["id"] == record_id
    assert payload["node"] == "accept" and payload["event"] == "on_enter"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WorkerStopped(BaseException):
    """The worker dies between sending and recording success."""


def test_a_worker_stopped_after_sending_sends_again_with_the_same_key(
    custom: Any, receiver: Receiver
) -> None:
    receiver.failures = 0
    shop = custom(hooked_flow(receiver.url))
    shop.app.extensions["servicekit.workflow.deliver"] = lambda message_id: None  # worker down
    shop.create()
    [message] = messages(shop)
    assert message.state == "pending" and receiver.calls == []

    def stop(_: Any) -> None:
        raise WorkerStopped

    kwargs = {"config": shop.app.config, "now": shop.clock.now}
    with pytest.raises(WorkerStopped):
        deliver(shop.db.transaction, message.id, after_send=stop, **kwargs)
    assert len(receiver.calls) == 1
    assert messages(shop)[0].state == "pending"

    # The restarted worker's sweep finds the message and delivers it again.
    with shop.db.transaction() as session:
        due = due_messages(session, shop.clock.now())
    assert due == [message.id]
    assert deliver(shop.db.transaction, message.id, **kwargs) == "sent"
    assert receiver.keys() == [message.key, message.key]
    assert deliver(shop.db.transaction, message.id, **kwargs) == "sent"
    assert len(receiver.calls) == 2


def test_mail_goes_to_a_real_smtp_server(custom: Any) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[Any] = []

    class Collect(Message):
        def handle_message(self, message: Any) -> None:
            received.append(message)

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        flow = simple_flow(
            [
                {
                    "key": "accept",
                    "kind": "task",
                    "assignment": {"strategy": "pool", "role": "agent"},
                    "on_enter": [
                        {
                            "type": "notify",
                            "roles": ["supervisor"],
                            "channels": ["email"],
                            "title": "新工单 {{ number }}",
                            "message": "故障：{{ description }}",
                        }
                    ],
                }
            ],
            [
                {"key": "begin", "from": "start", "to": "accept"},
                {"key": "accept", "from": "accept", "to": "closed"},
                {"key": "drop", "from": "accept", "to": "rejected"},
            ],
        )
        shop = custom(flow)
        shop.app.config["SMTP"] = parse_smtp_url(f"smtp://127.0.0.1:{port}")
        record_id = shop.create(description="空调漏水")
    finally:
        controller.stop()
    number = shop.record(record_id).number
    assert sorted(m["To"] for m in received) == ["sup1@example.test", "sup2@example.test"]
    mail = received[0]
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(mail["Subject"]))) == f"新工单 {number}"
    assert "故障：空调漏水" in mail.get_payload(decode=True).decode("utf-8")
    keys = {m["Message-ID"] for m in received}
    assert keys == {f"<{m.key}@servicekit>" for m in messages(shop)}
    assert {m.state for m in messages(shop)} == {"sent"}


def test_messages_are_handed_to_the_queue_only_when_the_outer_transaction_commits(
    custom: Any, receiver: Receiver
) -> None:
    # A savepoint inside the transaction (the SLA sweep uses one per firing) must not hand
    # messages over early: the worker would look for rows that are not committed yet, and
    # a rollback after the savepoint would leave it a message that never existed.
    shop = custom(hooked_flow(receiver.url))
    handed: list[int] = []
    shop.app.extensions["servicekit.workflow.deliver"] = handed.append

    with shop.db.transaction() as session:
        session.info[SESSION_KEY] = [101]
        with session.begin_nested():
            pass
        assert handed == []
    assert handed == [101]

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), shop.db.transaction() as session:
        session.info[SESSION_KEY] = [102]
        with session.begin_nested():
            pass
        raise Abandon
    assert handed == [101]
