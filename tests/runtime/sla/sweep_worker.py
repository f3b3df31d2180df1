"""A sweep worker in its own process, for the two-worker test: ``python -m
tests.runtime.sla.sweep_worker URL INSTANCE NOW NAME [STOP_FILE]``.

With ``STOP_FILE`` the worker stops for good inside its first firing's transaction (after
the step's actions ran, before the commit), writes the file, and waits to be killed.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from servicekit import create_app
from servicekit.platform.db import get_db
from servicekit.runtime.sla.sweep import sweep


def main(url: str, instance: str, now: str, name: str, stop_file: str | None = None) -> None:
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": instance,
            "SERVICEKIT_SECRET_KEY": "test-secret",
            "SERVICEKIT_RUN_JOBS_INLINE": True,
            "TESTING": True,
        }
    )

    def stop(_timer: object, _step: str) -> None:
        assert stop_file is not None
        Path(stop_file).write_text("stopped", encoding="utf-8")
        while True:  # holds the transaction and its row locks until the test kills us
            time.sleep(1)

    result = sweep(
        get_db(app).transaction,
        now=datetime.fromisoformat(now),
        tz=ZoneInfo("Asia/Shanghai"),
        worker=name,
        batch=2,
        hook=stop if stop_file else None,
    )
    print(f"{name} fired {len(result.fired)}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
