"""``servicekit workflow migrate`` and ``servicekit workflow deliver``: admin chores."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.models import WorkflowInstance
from servicekit.runtime.forms import Actor
from servicekit.runtime.workflow.errors import WorkflowError
from servicekit.runtime.workflow.loader import load_workflow
from servicekit.runtime.workflow.operations import migrate
from servicekit.runtime.workflow.outbox import DeliveryFailed, deliver, due_messages

# The command line acts as the platform itself: an admin with no user row.
_SYSTEM = Actor(id=None, is_admin=True)


@click.group("workflow")
def workflow_group() -> None:
    """Migrate running work orders and deliver queued side effects."""


@workflow_group.command("migrate")
@click.argument("app_key")
@click.argument("form_key")
@click.option("--record", "record_ids", type=int, multiple=True, help="Only these records.")
@click.option("--map", "pairs", multiple=True, help="old_node=new_node for removed nodes.")
@with_appcontext
def migrate_command(
    app_key: str, form_key: str, record_ids: tuple[int, ...], pairs: tuple[str, ...]
) -> None:
    """Move running work orders of a form to the newest published workflow version."""
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise click.UsageError(f"--map {pair}: write old_node=new_node")
        mapping[old.strip()] = new.strip()
    app = current_app
    clock = app.extensions["servicekit.clock"]
    tz = ZoneInfo(app.config["SERVICEKIT_TIMEZONE"])
    failed = 0
    with get_db(app).transaction() as session:
        target = load_workflow(session, app_key, form_key)
        query = select(WorkflowInstance.record_id).where(
            WorkflowInstance.app_key == app_key,
            WorkflowInstance.form_key == form_key,
            WorkflowInstance.state == "active",
            WorkflowInstance.workflow_version != target.definition.version,
        )
        if record_ids:
            query = query.where(WorkflowInstance.record_id.in_(record_ids))
        ids = list(session.scalars(query.order_by(WorkflowInstance.record_id)))
    for record_id in ids:
        try:
            with get_db(app).transaction() as session:
                migrate(
                    session,
                    load_workflow(session, app_key, form_key),
                    record_id,
                    mapping=mapping,
                    actor=_SYSTEM,
                    now=clock.now(),
                    tz=tz,
                )
        except WorkflowError as exc:
            failed += 1
            click.echo(f"record {record_id}: {exc.message}", err=True)
    click.echo(f"migrated {len(ids) - failed} of {len(ids)} work orders")
    if failed:
        raise SystemExit(1)


@workflow_group.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Deliver every due outbox message now (the worker also does this every minute)."""
    app = current_app
    clock = app.extensions["servicekit.clock"]
    database = get_db(app)
    with database.transaction() as session:
        ids = due_messages(session, clock.now())
    sent = 0
    for message_id in ids:
        try:
            if (
                deliver(database.transaction, message_id, config=app.config, now=clock.now)
                == "sent"
            ):
                sent += 1
        except DeliveryFailed as exc:
            click.echo(str(exc), err=True)
    click.echo(f"sent {sent} of {len(ids)} due messages")
