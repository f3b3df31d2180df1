"""The sample app and its staff for the SLA pages, and SLA timer rows as the engine leaves them.

For the SLA page tests (panel, lists, browser): ``sla_timer`` builds one timer row at the
fixed moment ``NOW``, ``write_timers`` puts rows in place of what the engine started, and
the ``four_clocks`` fixture gives a work order whose four clocks each show one colour.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from servicekit.platform.models.sla import SlaTimer
from tests.runtime.workflow.conftest import APP, Shop, shop

__all__ = ["NOW", "four_clocks", "shop", "sla_timer", "write_timers"]

# Monday 13 October 2025, 10:00 in Shanghai: a plain working morning.
NOW = datetime(2025, 10, 13, 2, 0, tzinfo=UTC)


def sla_timer(record_id: int, target: str, **values: Any) -> SlaTimer:
    """A work order's timer row at ``NOW``: by default a running 30-minute clock of the urgent
    policy started 20 minutes ago; ``values`` override any column."""
    start = values.pop("started_at", NOW - timedelta(minutes=20))
    return SlaTimer(
        app_key=APP,
        form_key="work_order",
        record_id=record_id,
        target=target,
        cycle=values.pop("cycle", 1),
        state=values.pop("state", "running"),
        policy_key=values.pop("policy_key", "urgent"),
        policy_version=values.pop("policy_version", 1),
        calendar_key="cn_mainland",
        calendar_version=None,
        target_seconds=values.pop("target_seconds", 1800),
        started_at=start,
        counted_at=values.pop("counted_at", NOW),
        updated_at=NOW,
        **values,
    )


def write_timers(shop: Shop, record_ids: list[int], timers: list[SlaTimer]) -> list[int]:
    """Replace the timers of ``record_ids`` with ``timers``; returns the new rows' ids."""
    with shop.db.transaction() as session:
        # Whatever the engine started for these records makes way for the rows under test.
        session.execute(delete(SlaTimer).where(SlaTimer.record_id.in_(record_ids)))
        session.add_all(timers)
        session.flush()
        return [timer.id for timer in timers]


@pytest.fixture
def four_clocks() -> Callable[[Shop], tuple[int, list[int]]]:
    """Makes, in a given shop at ``NOW``, an urgent work order with four clocks: response
    past its 80 % warning line, resolution paused, the dispatch node ten minutes overdue,
    the service node on track. Returns the record id and the four timer ids in that order."""

    def make(shop: Shop) -> tuple[int, list[int]]:
        shop.clock.set(NOW)
        record_id = shop.create(priority="urgent", urgent_reason="医院手术室")
        timers = [
            # 26 of 30 minutes used: past the 80 % warning line.
            sla_timer(
                record_id, "response", elapsed_seconds=26 * 60, due_at=NOW + timedelta(minutes=4)
            ),
            sla_timer(
                record_id,
                "resolution",
                state="paused",
                target_seconds=8 * 3600,
                elapsed_seconds=3600,
                paused_since=NOW - timedelta(minutes=5),
                due_at=NOW + timedelta(hours=7),
            ),
            # Ten minutes past due: breached and still open.
            sla_timer(
                record_id,
                "node:dispatch",
                state="breached",
                elapsed_seconds=40 * 60,
                due_at=NOW - timedelta(minutes=10),
                breached_at=NOW - timedelta(minutes=10),
            ),
            sla_timer(
                record_id,
                "node:service",
                target_seconds=4 * 3600,
                elapsed_seconds=600,
                due_at=NOW + timedelta(hours=3, minutes=50),
            ),
        ]
        return record_id, write_timers(shop, [record_id], timers)

    return make
