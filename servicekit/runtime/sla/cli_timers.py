"""``servicekit sla sweep|replay``: run the escalation sweep, and check timers against the log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask import current_app

from servicekit.platform.db import get_db
from servicekit.runtime.sla.cli import sla_group
from servicekit.runtime.sla.replay import records_with_timers, replay_record
from servicekit.runtime.sla.sweep import sweep


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("SERVICEKIT_TIMEZONE") or "Asia/Shanghai")


@sla_group.command("sweep")
@click.option("--worker", default=None, help="A name for this worker in the firing records.")
def sweep_command(worker: str | None) -> None:
    """Fire every due escalation step once, record breaches, send held notifications."""
    clock = current_app.extensions["servicekit.clock"]
    result = sweep(
        get_db().transaction,
        now=clock.now(),
        tz=_tz(),
        worker=worker,
        hook=current_app.extensions.get("servicekit.sla.fire_hook"),
    )
    click.echo(
        f"fired {len(result.fired)} steps, recorded {len(result.breached)} breaches, "
        f"delivered {result.delivered} held notifications"
    )
    for problem in result.problems:
        click.echo(f"problem: {problem}", err=True)


@sla_group.command("replay")
@click.option("--app", "app_key", default=None, help="Only this app's work orders.")
@click.option("--form", "form_key", default=None, help="Only this form's records.")
@click.option(
    "--record",
    "record_id",
    type=int,
    default=None,
    help="Only this record (needs --app and --form).",
)
@click.option("--repair", is_flag=True, help="Store the replayed timers where they differ.")
def replay_command(
    app_key: str | None, form_key: str | None, record_id: int | None, repair: bool
) -> None:
    """Derive timers again from the event log and report every difference from the stored rows."""
    if record_id is not None and not (app_key and form_key):
        raise click.UsageError("--record needs --app and --form.")
    clock = current_app.extensions["servicekit.clock"]
    now = clock.now()
    database = get_db()
    with database.transaction() as session:
        keys = (
            [(app_key, form_key, record_id)]
            if record_id is not None
            else list(records_with_timers(session, app_key, form_key))
        )
    checked = differing = 0
    for app, form, record in keys:
        with database.transaction() as session:
            differences = replay_record(session, app, form, record, as_of=now, repair=repair)  # type: ignore[arg-type]
        checked += 1
        if differences:
            differing += 1
            for difference in differences:
                click.echo(f"{app}.{form} {difference.render()}")
    click.echo(
        f"replayed {checked} records: {differing} differ"
        + (" (repaired)" if repair and differing else "")
    )
    if differing and not repair:
        raise SystemExit(1)
