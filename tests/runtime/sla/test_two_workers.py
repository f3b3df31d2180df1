"""Two sweep workers against PostgreSQL, one stopped mid-sweep and restarted: every
escalation step fires exactly once (issue 6, acceptance 3)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from servicekit.platform.db import get_db
from servicekit.platform.models import Notification, SlaFiring
from tests.runtime.sla.timer_support import TimerShop, timer_shop

URGENT = {"priority": "urgent", "urgent_reason": "生产线停机"}
REPO = Path(__file__).resolve().parents[3]


def _worker(
    shop: TimerShop, now: str, name: str, stop_file: Path | None = None
) -> subprocess.Popen[str]:
    url = get_db(shop.app).engine.url.render_as_string(hide_password=False)
    args = [
        sys.executable,
        "-m",
        "tests.runtime.sla.sweep_worker",
        url,
        shop.app.config["SERVICEKIT_INSTANCE_PATH"],
        now,
        name,
    ]
    if stop_file is not None:
        args.append(str(stop_file))
    return subprocess.Popen(
        args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_each_step_fires_once_with_two_workers_and_one_killed_mid_sweep(
    app: Any, tmp_path: Path
) -> None:
    if get_db(app).dialect != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are the PostgreSQL path; SQLite has one writer")
    shop = timer_shop(app, tmp_path)
    shop.clock.set(datetime(2025, 9, 22, 9, 0))
    records = [shop.create(**URGENT) for _ in range(6)]
    now = "2025-09-22T11:00:00+08:00"  # each response is past 80, 100 and 150 %

    stop_file = tmp_path / "a-stopped"
    first = _worker(shop, now, "A", stop_file)
    deadline = time.monotonic() + 120
    while not stop_file.exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "worker A never reached its first firing"
        time.sleep(0.2)
    # A is stopped inside its first firing, holding its batch of timers; B works round it.
    second = _worker(shop, now, "B")
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)  # reaps it and closes its pipes
    restarted = _worker(shop, now, "A-again")
    out_again, err_again = restarted.communicate(timeout=300)
    assert restarted.returncode == 0, err_again

    with shop.db.transaction() as session:
        firings = session.execute(
            select(SlaFiring.timer_id, SlaFiring.step_key, SlaFiring.worker, SlaFiring.detail)
        ).all()
        notes = session.scalar(select(func.count()).select_from(Notification))
    by_worker = {
        name: sum(1 for f in firings if f.worker == name) for name in ("A", "B", "A-again")
    }
    assert by_worker["A"] == 0  # its transaction died with it
    assert by_worker["B"] > 0 and by_worker["A-again"] > 0
    pairs = [(f.timer_id, f.step_key) for f in firings]
    assert len(pairs) == len(set(pairs)) == 6 * 3  # warn, director, manager per response
    for record_id in records:
        assert sorted(s for t, s, _state in shop.firings(record_id)) == [
            "director",
            "manager",
            "warn",
        ]
    # Each notification was sent once: as many as the firings name recipients.
    assert notes == sum(len(action["users"]) for f in firings for action in f.detail)
    shop.clock.set(datetime.fromisoformat(now))
    assert shop.sweep().fired == []  # nothing left to fire
