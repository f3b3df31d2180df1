"""The periodic escalation sweep in the job worker (Huey), once a minute."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask
from huey import crontab

from servicekit.platform.db import get_db
from servicekit.platform.jobs import get_huey
from servicekit.runtime.sla.sweep import SweepResult, sweep


def register_sweep(app: Flask) -> None:
    """Register ``servicekit.sla.sweep``; ``app.extensions["servicekit.sla.sweep"]`` runs it now.

    ``app.extensions["servicekit.sla.fire_hook"]`` may hold a callable run after each step's
    actions and before their commit; tests stop a worker there.
    """
    huey = get_huey(app)
    database = get_db(app)
    clock = app.extensions["servicekit.clock"]
    tz = ZoneInfo(app.config.get("SERVICEKIT_TIMEZONE") or "Asia/Shanghai")

    def run_once() -> SweepResult:
        with app.app_context():
            return sweep(
                database.transaction,
                now=clock.now(),
                tz=tz,
                hook=app.extensions.get("servicekit.sla.fire_hook"),
            )

    @huey.periodic_task(crontab(minute="*"), name="servicekit.sla.sweep")
    def sweep_task() -> None:
        run_once()

    app.extensions["servicekit.sla.sweep"] = run_once
