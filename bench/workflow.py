"""Benchmark: the sample work-order workflow through ServiceKit, SpiffWorkflow and by hand.

    python bench/workflow.py [--orders 150] [--rounds 5] [--db sqlite|postgresql|both]

Each work order is created and moved to its end: 受理 (accept), 派工 (dispatch), 上门服务
(complete, with a resolution; dispatch picks the engineer by skill and region, then load),
the cost gateway, 回访 (close, with a satisfaction score): five actions, each in its own
transaction as a user's click would be. Three runners make the same writes to the same
tables (record, workflow instance, tasks, assignment decisions, events):

  servicekit  RecordStore.create starts the workflow; ``move`` takes each action
  spiff       SpiffWorkflow runs an equivalent BPMN process and decides each next step;
              the rows are written by the hand-written writer (workflow_hand.py). The BPMN workflow
              object stays in memory between the actions of one work order (no
              serialization), which favours SpiffWorkflow.
  hand        a hand-written state machine: a transition table and direct writes

Before timing, one work order per runner is compared row by row (ids and times left out).
Runners are interleaved in rounds; the median per-action time of the rounds is reported
with the ratios. The target: ServiceKit no slower than 2x the hand-written machine.
PostgreSQL needs SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL).
Results belong in docs/performance.md.

The runners live in bench/workflow_hand.py and bench/workflow_spiff.py, the app and its
staff in bench/workflow_setup.py; this script compares them and times them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import postgres_database  # noqa: E402
from bench.workflow_hand import hand_order  # noqa: E402
from bench.workflow_setup import (  # noqa: E402
    APP,
    FORM,
    STEPS,
    TZ,
    Bench,
    assignee_login,
    make_app,
)
from bench.workflow_spiff import load_spec, spiff_order  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.models import (  # noqa: E402
    AssignmentDecision,
    Event,
    WorkflowInstance,
    WorkflowTask,
)
from servicekit.runtime.forms import load_form_runtime  # noqa: E402
from servicekit.runtime.workflow import move, workflow_for  # noqa: E402


# --- ServiceKit ---------------------------------------------------------------------------
def servicekit_order(bench: Bench) -> int:
    record_id = bench.create(start=True)
    engineer = None
    for action, login, values in STEPS:
        with bench.db.transaction() as session:
            workflow = workflow_for(session, APP, FORM, record_id)
            if login is None:
                engineer = engineer or assignee_login(bench, session, record_id)
            actor, _context = bench.context(session, login or engineer)
            move(
                session,
                workflow,
                record_id,
                action,
                actor=actor,
                now=bench.clock.now(),
                tz=TZ,
                values=dict(values),
            )
    return record_id


# --- checking the runners write the same rows ---------------------------------------------
def snapshot(bench: Bench, record_id: int) -> dict[str, Any]:
    names = {uid: login for login, uid in bench.ids.items()}
    with bench.db.transaction() as session:
        instance = session.scalars(
            select(WorkflowInstance).where(WorkflowInstance.record_id == record_id)
        ).one()
        tasks = session.scalars(
            select(WorkflowTask)
            .where(WorkflowTask.record_id == record_id)
            .order_by(WorkflowTask.id)
        ).all()
        decisions = session.scalars(
            select(AssignmentDecision)
            .where(AssignmentDecision.task_id.in_([t.id for t in tasks]))
            .order_by(AssignmentDecision.id)
        ).all()
        events = session.scalars(
            select(Event)
            .where(Event.record_id == record_id, Event.form_key == FORM)
            .order_by(Event.id)
        ).all()
        record = load_form_runtime(session, APP, FORM).store.get(session, record_id)
    return {
        "instance": (instance.state, instance.outcome, instance.moves),
        "tasks": [
            (t.node_key, t.state, names.get(t.assignee_id), t.pool, t.action, t.reason)
            for t in tasks
        ],
        "decisions": [
            (
                d.strategy,
                names.get(d.chosen_id),
                d.reason,
                [{k: v for k, v in c.items() if k != "user_id"} for c in d.candidates],
            )
            for d in decisions
        ],
        "events": [
            (
                e.kind,
                names.get(e.actor_id),
                {k: v for k, v in (e.changes or {}).items() if k not in ("task", "candidates")},
            )
            for e in events
        ],
        "record": (
            record.version,
            record.values["resolution"],
            record.values["satisfaction"],
            names.get(record.values["engineer"]),
        ),
    }


def reset_load(bench: Bench) -> None:
    """Forget every task so each check starts with the same engineer load and history."""
    with bench.db.transaction() as session:
        session.execute(delete(WorkflowTask))


def check_equal(bench: Bench, spec: Any) -> None:
    shots = {}
    for name, runner in (
        ("servicekit", lambda: servicekit_order(bench)),
        ("hand", lambda: hand_order(bench)),
        ("spiff", lambda: spiff_order(bench, spec)),
    ):
        reset_load(bench)
        shots[name] = snapshot(bench, runner())
    for name in ("hand", "spiff"):
        for part, expected in shots["servicekit"].items():
            if shots[name][part] != expected:
                raise SystemExit(
                    f"{name} writes differ from ServiceKit in {part}:\n"
                    f"  servicekit: {expected}\n  {name}: {shots[name][part]}"
                )


# --- timing -------------------------------------------------------------------------------
def run(url: str, label: str, orders: int, rounds: int) -> dict[str, float]:
    spec = load_spec()
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, Path(tmp) / "instance")
        bench = Bench(app)
        check_equal(bench, spec)
        runners: dict[str, Callable[[], Any]] = {
            "servicekit": lambda: servicekit_order(bench),
            "spiff": lambda: spiff_order(bench, spec),
            "hand": lambda: hand_order(bench),
        }
        per_round: dict[str, list[float]] = {name: [] for name in runners}
        per_order = max(1, orders // rounds)
        for _round in range(rounds):
            for name, runner in runners.items():
                started = time.perf_counter()
                for _ in range(per_order):
                    runner()
                elapsed = time.perf_counter() - started
                per_round[name].append(elapsed / (per_order * (len(STEPS) + 1)))
        get_db(app).dispose()
    medians = {name: statistics.median(times) for name, times in per_round.items()}
    print(f"\n{label}: {per_order * rounds} work orders per runner, {len(STEPS) + 1} actions each")
    print(f"{'runner':<12}{'ms/action':>12}{'actions/s':>12}{'vs hand':>10}")
    for name, seconds in medians.items():
        print(
            f"{name:<12}{seconds * 1000:>12.2f}{1 / seconds:>12.0f}"
            f"{seconds / medians['hand']:>9.2f}x"
        )
    print(f"ServiceKit / SpiffWorkflow: {medians['servicekit'] / medians['spiff']:.2f}x")
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite", args.orders, args.rounds)
    if args.db in ("postgresql", "both"):
        made = postgres_database()
        if made is None:
            raise SystemExit("set SERVICEKIT_BENCH_POSTGRES_URL for --db postgresql")
        url, drop = made
        try:
            run(url, "PostgreSQL", args.orders, args.rounds)
        finally:
            drop()


if __name__ == "__main__":
    main()
