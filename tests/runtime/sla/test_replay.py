"""Replaying the event log gives the timers the live path stored (issue 6, acceptance 4)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from servicekit.runtime.sla.derive import derive_timers
from servicekit.runtime.sla.replay import compare_timer
from servicekit.runtime.sla.rows import DERIVED, clock_columns, clock_history
from servicekit.runtime.workflow import cancel, comment, reopen
from tests.runtime.sla.random_histories import (
    STAFF,
    FixedCatalog,
    random_history,
    sweep_instants,
)
from tests.runtime.sla.timer_support import TimerShop

Stored = dict[tuple[str, int], tuple[dict[str, Any], list[Any]]]


def _live(history: list[Any], catalog: FixedCatalog, seed: int, end: datetime) -> Stored:
    """What the live path stores: a derivation after every change, sweeps in between."""
    stored: Stored = {}
    sweeps = sorted([*sweep_instants(history, seed), end])
    for index, happening in enumerate(history):
        for clock in derive_timers(history[: index + 1], catalog, STAFF, happening.at):
            stored[(clock.target, clock.cycle)] = (clock_columns(clock), clock_history(clock))
        following = history[index + 1].at if index + 1 < len(history) else end
        for moment in [m for m in sweeps if happening.at < m <= following]:
            _sweep(stored, moment)
    return stored


def _sweep(stored: Stored, now: datetime) -> None:
    """The sweep's breach recording (see ``sweep._handle``) on stored figures."""
    for columns, history in stored.values():
        if (
            columns["closed_at"] is None
            and columns["paused_since"] is None
            and columns["breached_at"] is None
            and columns["due_at"] is not None
            and columns["due_at"] < now
        ):
            columns.update(
                breached_at=columns["due_at"],
                state="breached",
                breach_seconds=max(columns["elapsed_seconds"] - columns["target_seconds"], 0),
            )
            history.append((columns["due_at"], "breached", {}))


def test_replaying_a_thousand_random_histories_gives_the_stored_timers() -> None:
    catalog = FixedCatalog()
    kinds: set[str] = set()
    states: set[str] = set()
    for seed in range(1000):
        history = random_history(seed)
        end = history[-1].at + timedelta(hours=random.Random(seed).randrange(0, 80))
        stored = _live(history, catalog, seed, end)
        shuffled = list(history)
        random.Random(seed).shuffle(shuffled)  # replay must not depend on reading order
        replayed = derive_timers(shuffled, catalog, STAFF, end)
        assert {(c.target, c.cycle) for c in replayed} == set(stored), seed
        for clock in replayed:
            columns, timer_history = stored[(clock.target, clock.cycle)]
            assert compare_timer(seed, columns, timer_history, clock, end) == [], seed
            kinds.update(kind for _at, kind, _detail in timer_history)
            states.add(columns["state"])
    # The histories did exercise what they should.
    assert {
        "started",
        "paused",
        "resumed",
        "policy_changed",
        "met",
        "breached",
        "cancelled",
    } <= kinds
    assert {"running", "paused", "met", "breached", "cancelled"} <= states
    assert set(DERIVED) >= {"elapsed_seconds", "paused_seconds", "breach_seconds"}


def _random_walk(shop: TimerShop, rng: random.Random) -> int:
    """One work order through the real workflow, with random people, pauses and sweeps."""
    shop.clock.set(datetime(2025, 9, 22, 8, 0) + timedelta(minutes=rng.randrange(0, 60 * 24 * 14)))
    urgent = rng.random() < 0.5
    values = {"priority": "urgent", "urgent_reason": "停机"} if urgent else {}
    record_id = shop.create(**values)
    for _ in range(rng.randrange(3, 9)):
        shop.clock.advance(timedelta(minutes=rng.randrange(0, 600)))
        if rng.random() < 0.3:
            shop.sweep()
        tasks = shop.tasks(record_id)
        instance = shop.instance(record_id)
        roll = rng.random()
        if instance.state == "closed":
            if roll < 0.5:
                shop.op(reopen, "sup1", record_id, reason="再次报修")
            continue
        if roll < 0.15:
            shop.op(comment, rng.choice(["agent1", "disp1"]), record_id, "已联系客户")
            continue
        if roll < 0.2:
            shop.op(cancel, "disp1", record_id, reason="重复")
            continue
        if not tasks:
            continue
        node, assignee, _pool = tasks[0]
        if node == "accept":
            shop.act("agent1", record_id, "accept")
        elif node == "dispatch":
            shop.act("disp1", record_id, "dispatch")
        elif node == "service" and roll < 0.5:
            shop.act(assignee, record_id, "wait_parts", comment="缺件")
        elif node == "service":
            shop.act(assignee, record_id, "complete", values={"resolution": "修好"})
        elif node == "wait_parts":
            shop.act(assignee or "eng_a", record_id, "parts_arrived")
        elif node == "follow_up":
            shop.act("agent2", record_id, "close", values={"satisfaction": "5"})
    return record_id


def test_random_work_orders_through_the_workflow_replay_to_the_stored_rows(
    shop: TimerShop,
) -> None:
    rng = random.Random(20250926)
    records = [_random_walk(shop, rng) for _ in range(12)]
    for record_id in records:
        assert shop.replay(record_id) == [], record_id
    result = shop.app.test_cli_runner().invoke(args=["sla", "replay"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"replayed {len(records)} records: 0 differ")
