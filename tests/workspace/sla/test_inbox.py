"""The task inbox puts work whose SLA clock is overdue first and says so."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from servicekit.platform.models.sla import SlaTimer
from tests.workspace.sla.test_lists import NOW, _timer


def test_overdue_work_comes_first_in_the_inbox(shop: Any, client: Any, auth: Any) -> None:
    shop.clock.set(NOW - timedelta(hours=2))
    older = shop.create()
    shop.clock.set(NOW - timedelta(hours=1))
    late = shop.create()
    shop.clock.set(NOW)
    with shop.db.transaction() as session:
        session.execute(delete(SlaTimer).where(SlaTimer.record_id.in_([older, late])))
        session.add(
            _timer(
                late,
                "response",
                NOW - timedelta(minutes=15),
                state="breached",
                breached_at=NOW - timedelta(minutes=15),
            )
        )
    auth.login("agent1")
    page = client.get("/tasks").get_data(as_text=True)
    rows = re.findall(r'<li class="list-group-item[^"]*task-row".*?</li>', page, re.S)
    numbers = [re.search(r'task-link" href="[^"]*/records/(\d+)/work"', row) for row in rows]
    listed = [int(m.group(1)) for m in numbers if m]
    assert late in listed and older in listed
    assert listed.index(late) < listed.index(older)
    late_row = rows[[int(m.group(1)) if m else None for m in numbers].index(late)]
    assert "task-overdue" in late_row and "已超时" in late_row
