"""Bulk rows for the reports benchmark beyond the work orders themselves: the equipment
serviced, the workflow returns and reopenings the first-time fix rate reads, and the SLA
timer rows the SLA widgets read.

For ``bench/reports.py`` only. Rows are shaped as the product stores them: timers as
``runtime.sla.rows.clock_columns`` writes them (one ``response`` and one ``resolution``
timer per work order and cycle, urgent orders also the ``node:dispatch`` and
``node:service`` timers of their policy; business time in whole seconds; a timer met late
stays ``breached`` with ``met_at`` set; a breach stays set when a timer is cancelled),
returns as completed workflow tasks with a ``return`` or ``reject`` action, reopenings as
``workflow.reopened`` events with a second resolution cycle.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from servicekit.platform.models import Event, SlaTimer, WorkflowInstance, WorkflowTask

# Forty models with falling shares (1/n), so the top five are clear of each other and of
# the orders without equipment.
MODELS = [f"Model {chr(65 + i // 10)}{i % 10}-{100 + 7 * i}" for i in range(40)]
MODEL_WEIGHTS = [1 / (i + 1) for i in range(40)]
WORKING_DAY = 7 * 3600 + 1800  # cn_mainland: 08:30-12:00 and 13:30-17:30
# (response, resolution) target seconds per policy, and the urgent policy's node limits.
TARGETS = {"urgent": (1800, WORKING_DAY), "normal": (4 * 3600, 3 * WORKING_DAY)}
NODES = {"node:dispatch": 1800, "node:service": 4 * 3600}
_COMMON = {
    "app_key": "after_sales",
    "form_key": "work_order",
    "calendar_key": "cn_mainland",
    "calendar_version": 1,
    "policy_version": 1,
}


def equipment_rows(rng: random.Random, count: int, customers: list[int]) -> list[dict[str, Any]]:
    """``count`` installed units with a model each (ids assigned by the database)."""
    now = datetime(2025, 11, 1, tzinfo=UTC)
    rows = []
    for index in range(count):
        installed = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2400))
        rows.append(
            {
                "number": f"BENCH-EQ-{index:07d}",
                "model": rng.choices(MODELS, MODEL_WEIGHTS)[0],
                "serial_no": f"SNB{index:09d}",  # unique, as the form requires
                "customer": rng.choice(customers),
                "install_date": installed,
                "warranty_end": installed + timedelta(days=730),
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "deleted": False,
            }
        )
    return rows


class History:
    """Collects timers, returns and reopenings per work order; ``flush`` writes them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.timers: list[dict[str, Any]] = []
        self.instances: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []

    def add(self, record_id: int, start: datetime, priority: str, done: bool) -> None:
        """The history of one work order opened at ``start`` (resolved when ``done``)."""
        rng = self.rng
        policy = "urgent" if priority == "urgent" else "normal"
        response, resolution = TARGETS[policy]
        cancelled = not done and rng.random() < 0.02
        # Closed orders mostly made it in time; open ones run, wait paused or are late.
        self._timer(record_id, "response", 1, policy, response, start, done or rng.random() < 0.6)
        self._timer(record_id, "resolution", 1, policy, resolution, start, done, cancelled)
        if policy == "urgent":
            for target, limit in NODES.items():
                self._timer(record_id, target, 1, policy, limit, start, done or rng.random() < 0.5)
        if done and rng.random() < 0.04:
            self._returned(record_id, start)
        if done and rng.random() < 0.015:
            again = start + timedelta(days=rng.randint(3, 20))
            self.events.append(
                {
                    "app_key": "after_sales",
                    "form_key": "work_order",
                    "record_id": record_id,
                    "kind": "workflow.reopened",
                    "at": again,
                    "changes": {"cycle": 2},
                }
            )
            self._timer(record_id, "resolution", 2, policy, resolution, again, True)

    def _timer(
        self,
        record_id: int,
        target: str,
        cycle: int,
        policy: str,
        limit: int,
        start: datetime,
        closed: bool,
        cancelled: bool = False,
    ) -> None:
        rng = self.rng
        # Wall time runs about three times business time (nights, weekends, lunch).
        late = rng.random() < (0.12 if closed else 0.3)
        elapsed = limit + rng.randint(60, limit) if late else rng.randint(60, limit - 1)
        row = {
            **_COMMON,
            "record_id": record_id,
            "target": target,
            "cycle": cycle,
            "policy_key": policy,
            "target_seconds": limit,
            "started_at": start,
            "due_at": start + timedelta(seconds=3 * limit),
            "elapsed_seconds": elapsed,
            "counted_at": start + timedelta(seconds=3 * elapsed),
            "paused_seconds": 0,
            "paused_since": None,
            "met_at": None,
            "breached_at": start + timedelta(seconds=3 * limit) if late else None,
            "breach_seconds": elapsed - limit if late else None,
            "closed_at": None,
            "next_step_at": None,
            "updated_at": start + timedelta(seconds=3 * elapsed),
        }
        if cancelled:
            row.update(state="cancelled", closed_at=row["counted_at"])
        elif closed:
            row.update(
                state="breached" if late else "met",
                met_at=row["counted_at"],
                closed_at=row["counted_at"],
            )
        elif not late and rng.random() < 0.25:
            # Waiting for the customer: the clock stands still from counted_at.
            row.update(
                state="paused",
                paused_since=row["counted_at"],
                paused_seconds=rng.randint(600, 7200),
            )
        else:
            row.update(state="breached" if late else "running", next_step_at=row["due_at"])
        self.timers.append(row)

    def _returned(self, record_id: int, start: datetime) -> None:
        # Instance ids are the record ids: one workflow instance per work order.
        self.instances.append(
            {
                "id": record_id,
                "app_key": "after_sales",
                "form_key": "work_order",
                "record_id": record_id,
                "workflow_key": "service",
                "workflow_version": 1,
                "state": "closed",
                "outcome": "done",
                "moves": 4,
                "started_at": start,
                "ended_at": start + timedelta(days=2),
            }
        )
        for step, (node, action) in enumerate(
            (("review", self.rng.choice(("return", "reject"))), ("review", "approve"))
        ):
            self.tasks.append(
                {
                    "instance_id": record_id,
                    "app_key": "after_sales",
                    "form_key": "work_order",
                    "record_id": record_id,
                    "node_key": node,
                    "kind": "approval",
                    "state": "done",
                    "token": "",
                    "created_at": start + timedelta(hours=step * 20),
                    "completed_at": start + timedelta(hours=step * 20 + 4),
                    "action": action,
                }
            )

    def flush(self, connection: Any) -> None:
        """Insert what was collected (in the caller's transaction) and start afresh."""
        for model, rows in (
            (SlaTimer, self.timers),
            (WorkflowInstance, self.instances),
            (WorkflowTask, self.tasks),
            (Event, self.events),
        ):
            if rows:
                connection.execute(insert(model.__table__), rows)
            rows.clear()
