"""The escalation sweep: each ladder step fires once, at its time, whatever the clock does."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from servicekit.platform.models import SlaFiring, WorkflowTask
from tests.runtime.sla.timer_support import TimerShop

URGENT = {"priority": "urgent", "urgent_reason": "生产线停机"}


def _at(shop: TimerShop, text: str) -> None:
    shop.clock.set(datetime.fromisoformat(text))


def test_steps_fire_once_each_at_their_time_and_a_clock_jump_back_refires_nothing(
    shop: TimerShop,
) -> None:
    _at(shop, "2025-09-22 12:10")
    record_id = shop.create(**URGENT)

    _at(shop, "2025-09-22 13:53")
    assert shop.sweep().fired == []  # a minute before the warning
    _at(shop, "2025-09-22 13:54")
    assert [step for _timer, step in shop.sweep().fired] == ["warn"]
    assert shop.notes("disp1") == [f"{shop.record(record_id).number} SLA response: 预警 / Warning"]
    assert len(shop.notes("sup1")) == 1
    assert shop.sweep().fired == []  # the same minute again: nothing new

    _at(shop, "2025-09-22 14:00")
    result = shop.sweep()
    assert [step for _timer, step in result.fired] == ["director"]
    assert result.breached == []  # met at exactly 14:00 would still be on time
    _at(shop, "2025-09-22 14:01")
    result = shop.sweep()
    assert (result.fired, len(result.breached)) == ([], 1)
    response = shop.timer(record_id, "response")
    assert (response.state, shop.local(response.breached_at)) == ("breached", "2025-09-22 14:00")
    assert len(shop.notes("director1")) == 1

    _at(shop, "2025-09-22 13:00")  # the clock jumps back an hour
    assert shop.sweep().fired == []
    _at(shop, "2025-09-23 09:00")  # and then far ahead
    shop.sweep()
    assert shop.firings(record_id).count(("response", "warn", "done")) == 1
    assert shop.firings(record_id).count(("response", "director", "done")) == 1
    assert shop.firings(record_id).count(("response", "manager", "done")) == 1
    assert len(shop.notes("disp1")) == 1 and len(shop.notes("director1")) == 1
    assert len(shop.notes("manager1")) == 1
    # Resolution: one working day from 12:10 Monday ends Tuesday 17:30; its warning (90
    # minutes before) has not come yet, so nothing of it fired.
    assert [f for f in shop.firings(record_id) if f[0] == "resolution"] == []
    assert shop.replay(record_id) == []


def test_a_met_target_fires_nothing_more(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    _at(shop, "2025-09-22 09:25")
    shop.sweep()
    shop.act("agent1", record_id, "accept")
    _at(shop, "2025-09-22 11:00")
    shop.sweep()
    assert [f for f in shop.firings(record_id) if f[0] == "response"] == [
        ("response", "warn", "done")
    ]


def test_a_manager_notice_due_after_hours_waits_for_the_next_morning(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 16:45")
    record_id = shop.create(**URGENT)
    # 150 % of 30 working minutes from 16:45 ends at 17:30, the end of the working day:
    # outside working hours, so the manager hears of it at 08:30 on Tuesday.
    _at(shop, "2025-09-22 17:30")
    shop.sweep()
    assert ("response", "manager", "held") in shop.firings(record_id)
    assert shop.notes("manager1") == []
    assert len(shop.notes("director1")) == 1  # the director's step is not held

    _at(shop, "2025-09-22 23:00")
    assert shop.sweep().delivered == 0
    _at(shop, "2025-09-23 08:30")
    assert shop.sweep().delivered == 1
    assert len(shop.notes("manager1")) == 1
    assert ("response", "manager", "done") in shop.firings(record_id)
    _at(shop, "2025-09-23 09:00")
    assert shop.sweep().delivered == 0
    assert len(shop.notes("manager1")) == 1


def test_an_overdue_normal_order_is_raised_to_high_priority(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create()
    _at(shop, "2025-09-22 09:30")
    shop.act("agent1", record_id, "accept")
    # Three working days from Monday 09:00: Tuesday, Wednesday, Thursday until 17:30.
    assert shop.local(shop.timer(record_id, "resolution").due_at) == "2025-09-25 17:30"
    _at(shop, "2025-09-26 08:30")
    result = shop.sweep()
    assert ("resolution", "breach", "done") in shop.firings(record_id)
    assert result.problems == []
    assert shop.record(record_id).values["priority"] == "high"
    # High is still not urgent: the normal policy keeps the timers, with their breach.
    resolution = shop.timer(record_id, "resolution")
    assert (resolution.policy_key, resolution.state) == ("normal", "breached")
    assert shop.replay(record_id) == []


def test_the_sweep_reads_due_timers_only(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    first = shop.create(**URGENT)
    _at(shop, "2025-09-24 09:00")
    second = shop.create(**URGENT)
    with shop.db.transaction() as session:
        firings_before = session.scalars(select(SlaFiring.id)).all()
    assert firings_before == []
    _at(shop, "2025-09-24 09:10")
    shop.sweep()
    assert {f[0] for f in shop.firings(first)} == {"response", "resolution"}
    assert shop.firings(second) == []


def test_node_limits_set_the_task_due_time(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    _at(shop, "2025-09-22 09:05")
    shop.act("agent1", record_id, "accept")
    with shop.db.transaction() as session:
        task = session.scalar(
            select(WorkflowTask).where(
                WorkflowTask.record_id == record_id, WorkflowTask.node_key == "dispatch"
            )
        )
        assert shop.local(task.due_at) == "2025-09-22 09:35"
    _at(shop, "2025-09-22 09:30")
    shop.sweep()
    assert ("node:dispatch", "warn", "done") in shop.firings(record_id)


def test_sweep_and_replay_commands(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    shop.clock.advance(timedelta(minutes=40))
    swept = shop.app.test_cli_runner().invoke(args=["sla", "sweep", "--worker", "cli"])
    assert swept.exit_code == 0, swept.output
    assert swept.output.startswith("fired 2 steps, recorded 1 breaches")
    replayed = shop.app.test_cli_runner().invoke(args=["sla", "replay"])
    assert replayed.exit_code == 0, replayed.output
    assert replayed.output.strip().endswith("replayed 1 records: 0 differ")
    one = shop.app.test_cli_runner().invoke(
        args=[
            "sla",
            "replay",
            "--app",
            "after_sales",
            "--form",
            "work_order",
            "--record",
            str(record_id),
        ]
    )
    assert one.exit_code == 0 and "0 differ" in one.output
