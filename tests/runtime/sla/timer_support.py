"""The after-sales app for timer tests: its workflow with a 'waiting for parts' step that
pauses the clocks, a service director and a manager, and helpers to read timers."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from servicekit.platform.models import Notification, SlaFiring, SlaTimer, WorkflowTask
from servicekit.runtime.sla.replay import replay_record
from servicekit.runtime.sla.sweep import SweepResult, sweep
from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.runtime.workflow.conftest import STAFF, Shop

APP, FORM = "after_sales", "work_order"
BOSSES = [
    ("director1", "Director One", ("service_director",), None, {}),
    ("manager1", "Manager One", ("manager",), None, {}),
]


def pausing_package(tmp_path: Path) -> Path:
    """The sample app, plus a 等待备件 (waiting for parts) step that pauses both policies."""
    target = tmp_path / "pkg" / APP
    shutil.copytree(SAMPLE_APP, target)
    flow_file = target / "workflows" / "work_order.json"
    flow = json.loads(flow_file.read_text(encoding="utf-8"))
    flow["nodes"].insert(
        4,
        {
            "key": "wait_parts",
            "kind": "task",
            "label": {"zh": "等待备件", "en": "Waiting for parts"},
            "assignment": {"strategy": "pool", "role": "engineer"},
        },
    )
    flow["edges"] += [
        {
            "key": "wait_parts",
            "from": "service",
            "to": "wait_parts",
            "label": "Wait for parts",
            "comment_required": True,
        },
        {"key": "parts_arrived", "from": "wait_parts", "to": "service", "label": "Parts arrived"},
    ]
    flow_file.write_text(json.dumps(flow, ensure_ascii=False), encoding="utf-8")
    for name in ("urgent", "normal"):
        policy_file = target / "sla" / f"{name}.json"
        policy = json.loads(policy_file.read_text(encoding="utf-8"))
        policy["pause"] = {"nodes": ["wait_parts"]}
        policy_file.write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    return target


class TimerShop(Shop):
    """``Shop`` with timer helpers."""

    def timers(self, record_id: int) -> dict[tuple[str, int], SlaTimer]:
        with self.db.transaction() as session:
            rows = session.scalars(select(SlaTimer).where(SlaTimer.record_id == record_id))
            return {(t.target, t.cycle): t for t in rows}

    def timer(self, record_id: int, target: str, cycle: int = 1) -> SlaTimer:
        return self.timers(record_id)[(target, cycle)]

    def local(self, moment: datetime | None) -> str | None:
        """An instant as Shanghai wall time ``2025-09-26 17:30``."""
        return None if moment is None else moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def sweep(self, **kwargs: Any) -> SweepResult:
        return sweep(self.db.transaction, now=self.clock.now(), tz=self.tz, **kwargs)

    def firings(self, record_id: int) -> list[tuple[str, str, str]]:
        """(target, step, state) of every fired step of the record, in firing order."""
        with self.db.transaction() as session:
            rows = session.execute(
                select(SlaTimer.target, SlaFiring.step_key, SlaFiring.state)
                .join(SlaFiring, SlaFiring.timer_id == SlaTimer.id)
                .where(SlaTimer.record_id == record_id)
                .order_by(SlaFiring.id)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]

    def notes(self, login: str) -> list[str]:
        with self.db.transaction() as session:
            return list(
                session.scalars(
                    select(Notification.title)
                    .where(Notification.user_id == self.ids[login])
                    .order_by(Notification.id)
                )
            )

    def note_count(self) -> int:
        with self.db.transaction() as session:
            return int(session.scalar(select(func.count()).select_from(Notification)) or 0)

    def task_due(self, record_id: int, node: str) -> datetime | None:
        with self.db.transaction() as session:
            return session.scalar(
                select(WorkflowTask.due_at).where(
                    WorkflowTask.record_id == record_id,
                    WorkflowTask.node_key == node,
                    WorkflowTask.state == "open",
                )
            )

    def replay(self, record_id: int) -> list[Any]:
        with self.db.transaction() as session:
            return replay_record(session, APP, FORM, record_id, as_of=self.clock.now())


def timer_shop(app: Any, tmp_path: Path) -> TimerShop:
    install(app, pausing_package(tmp_path))
    shop = TimerShop(app)
    shop.add_staff([*STAFF, *BOSSES])
    return shop
