"""SLA timers of real work orders on the 2025 China mainland calendar (issue 6, acceptance 2).

Work orders are created and moved through the after-sales workflow by its staff; the
timers are whatever the engine stored in the same transactions. National Day 2025: 1-8
October off, Sunday 28 September and Saturday 11 October worked; hours 08:30-12:00 and
13:30-17:30.
"""

from __future__ import annotations

from datetime import datetime

from servicekit.runtime.forms import Context, load_form_runtime
from servicekit.runtime.sla import timer_history
from servicekit.runtime.workflow import reopen
from tests.runtime.sla.timer_support import APP, FORM, TimerShop
from tests.runtime.workflow.conftest import part

URGENT = {"priority": "urgent", "urgent_reason": "生产线停机"}


def _at(shop: TimerShop, text: str) -> None:
    shop.clock.set(datetime.fromisoformat(text))


def _set_values(shop: TimerShop, record_id: int, **values: object) -> None:
    """An edit made by the system (no person's node rights apply)."""
    with shop.db.transaction() as session:
        store = load_form_runtime(session, APP, FORM).store
        record = store.get(session, record_id)
        store.update(
            session,
            record_id,
            values,
            Context(now=shop.clock.now(), tz=shop.tz, user={}),
            expected_version=record.version,
            actor_id=None,
        )


def test_friday_evening_before_national_day_counts_the_make_up_sunday(shop: TimerShop) -> None:
    _at(shop, "2025-09-26 17:00")
    urgent = shop.create(**URGENT)
    normal = shop.create()

    response = shop.timer(urgent, "response")
    assert (response.policy_key, response.policy_version) == ("urgent", 1)
    assert (response.calendar_key, response.calendar_version) == ("cn_mainland", 1)
    assert (response.state, response.target_seconds) == ("running", 30 * 60)
    assert shop.local(response.due_at) == "2025-09-26 17:30"
    # One working day, ending with the next working day: the make-up Sunday.
    assert shop.local(shop.timer(urgent, "resolution").due_at) == "2025-09-28 17:30"
    # Four working hours: half an hour on Friday, three and a half on the make-up Sunday.
    assert shop.local(shop.timer(normal, "response").due_at) == "2025-09-28 12:00"
    assert shop.local(shop.timer(normal, "resolution").due_at) == "2025-09-30 17:30"

    _at(shop, "2025-09-28 09:00")  # the agent works the make-up Sunday
    shop.act("agent1", urgent, "accept")
    shop.act("agent1", normal, "accept")

    late = shop.timer(urgent, "response")
    assert (late.state, shop.local(late.met_at)) == ("breached", "2025-09-28 09:00")
    assert shop.local(late.breached_at) == "2025-09-26 17:30"
    assert (late.elapsed_seconds, late.breach_seconds) == (3600, 1800)
    on_time = shop.timer(normal, "response")
    assert (on_time.state, on_time.elapsed_seconds, on_time.breached_at) == ("met", 3600, None)

    dispatch = shop.timer(urgent, "node:dispatch")
    assert shop.local(dispatch.due_at) == "2025-09-28 09:30"
    assert shop.task_due(urgent, "dispatch") == dispatch.due_at
    assert ("node:dispatch", 1) not in shop.timers(normal)  # only urgent limits dispatch


def test_opened_before_the_holiday_the_clock_waits_until_the_ninth(shop: TimerShop) -> None:
    _at(shop, "2025-09-30 16:00")
    record_id = shop.create()
    # 1.5 h on the 30th, then 1-8 October off: 2.5 h more on Thursday the 9th.
    assert shop.local(shop.timer(record_id, "response").due_at) == "2025-10-09 11:00"
    # Three working days: the 9th, the 10th and the make-up Saturday the 11th.
    assert shop.local(shop.timer(record_id, "resolution").due_at) == "2025-10-11 17:30"


def test_opened_during_lunch_counts_from_half_past_one(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 12:10")
    record_id = shop.create(**URGENT)
    response = shop.timer(record_id, "response")
    assert shop.local(response.started_at) == "2025-09-22 12:10"
    assert shop.local(response.due_at) == "2025-09-22 14:00"
    # The warning at 80 % of 30 working minutes: 24 minutes after 13:30.
    assert shop.local(response.next_step_at) == "2025-09-22 13:54"

    _at(shop, "2025-09-22 13:40")
    shop.act("agent1", record_id, "accept")
    met = shop.timer(record_id, "response")
    assert (met.state, met.elapsed_seconds, met.next_step_at) == ("met", 600, None)


def test_waiting_for_parts_overnight_pauses_resolution_not_response(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    # One working day from 09:00 Monday (after the day's start): the end of Tuesday.
    assert shop.local(shop.timer(record_id, "resolution").due_at) == "2025-09-23 17:30"
    _at(shop, "2025-09-22 09:05")
    shop.act("agent1", record_id, "accept")
    _at(shop, "2025-09-22 09:10")
    shop.act("disp1", record_id, "dispatch")
    [(_node, engineer, _pool)] = shop.tasks(record_id)
    assert engineer is not None
    service = shop.timer(record_id, "node:service")
    assert shop.local(service.due_at) == "2025-09-22 14:40"

    _at(shop, "2025-09-22 16:30")
    shop.act(engineer, record_id, "wait_parts", comment="压缩机缺货")
    paused = shop.timer(record_id, "resolution")
    assert (paused.state, shop.local(paused.paused_since)) == ("paused", "2025-09-22 16:30")
    assert shop.timer(record_id, "response").state == "met"  # met at 09:05, never paused

    _at(shop, "2025-09-23 10:00")
    shop.act(engineer, record_id, "parts_arrived")
    resumed = shop.timer(record_id, "resolution")
    # Paused 16:30-17:30 Monday and 08:30-10:00 Tuesday: 2.5 working hours.
    assert (resumed.state, resumed.paused_seconds) == ("running", 9000)
    assert shop.local(resumed.due_at) == "2025-09-24 11:00"  # Tuesday 17:30 + 2.5 h
    with shop.db.transaction() as session:
        kinds = [item["kind"] for item in timer_history(session, resumed.id)]
    assert kinds == ["started", "paused", "resumed"]
    # The on-site step ran past its four hours before the wait; coming back keeps that.
    again = shop.timer(record_id, "node:service")
    assert (again.state, shop.local(again.breached_at)) == ("breached", "2025-09-22 14:40")
    assert again.closed_at is None
    assert shop.replay(record_id) == []


def test_priority_raised_midway_keeps_the_time_already_used(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create()
    assert shop.local(shop.timer(record_id, "response").due_at) == "2025-09-22 14:30"

    _at(shop, "2025-09-22 09:20")
    _set_values(shop, record_id, **URGENT)
    response = shop.timer(record_id, "response")
    assert (response.policy_key, response.elapsed_seconds) == ("urgent", 20 * 60)
    assert shop.local(response.started_at) == "2025-09-22 09:00"
    assert shop.local(response.due_at) == "2025-09-22 09:30"
    resolution = shop.timer(record_id, "resolution")
    assert (resolution.policy_key, shop.local(resolution.due_at)) == ("urgent", "2025-09-23 17:30")
    with shop.db.transaction() as session:
        history = timer_history(session, response.id)
    assert [(i["kind"], i["detail"].get("after")) for i in history] == [
        ("started", None),
        ("policy_changed", "urgent@1"),
    ]

    _at(shop, "2025-09-22 09:40")
    shop.act("agent1", record_id, "accept")
    late = shop.timer(record_id, "response")
    assert (late.state, late.breach_seconds) == ("breached", 600)
    assert shop.local(late.breached_at) == "2025-09-22 09:30"
    assert shop.replay(record_id) == []


def test_a_priority_raised_after_the_new_target_passed_breaches_at_once(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create()
    _at(shop, "2025-09-22 10:00")
    _set_values(shop, record_id, **URGENT)
    response = shop.timer(record_id, "response")
    assert (response.state, shop.local(response.breached_at)) == ("breached", "2025-09-22 10:00")
    assert response.elapsed_seconds == 3600


def test_reopening_starts_a_new_cycle_and_keeps_the_old_one(shop: TimerShop) -> None:
    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    _at(shop, "2025-09-22 09:10")
    shop.act("agent1", record_id, "accept")
    shop.act("disp1", record_id, "dispatch")
    [(_node, engineer, _pool)] = shop.tasks(record_id)
    _at(shop, "2025-09-22 11:00")
    shop.act(engineer, record_id, "complete", values={"resolution": "更换电容", "parts": [part()]})
    _at(shop, "2025-09-22 11:30")
    shop.act("agent2", record_id, "close", values={"satisfaction": "5"})
    first = shop.timer(record_id, "resolution")
    assert (first.state, shop.local(first.met_at)) == ("met", "2025-09-22 11:30")

    _at(shop, "2025-09-24 14:00")
    shop.op(reopen, "sup1", record_id, reason="客户再次来电")
    timers = shop.timers(record_id)
    assert timers[("resolution", 1)].state == "met"  # the first cycle is history
    second = timers[("resolution", 2)]
    assert (second.state, shop.local(second.started_at)) == ("running", "2025-09-24 14:00")
    assert shop.local(second.due_at) == "2025-09-25 17:30"
    assert timers[("node:service", 2)].state == "running"
    assert ("response", 2) not in timers  # the customer had their answer in the first cycle
    assert shop.replay(record_id) == []


def test_cancelling_keeps_a_recorded_breach(shop: TimerShop) -> None:
    from servicekit.runtime.workflow import cancel

    _at(shop, "2025-09-22 09:00")
    record_id = shop.create(**URGENT)
    _at(shop, "2025-09-22 10:00")
    shop.sweep()
    _at(shop, "2025-09-22 10:05")
    shop.op(cancel, "disp1", record_id, reason="重复工单")
    response = shop.timer(record_id, "response")
    assert (response.state, shop.local(response.breached_at)) == ("breached", "2025-09-22 09:30")
    assert response.closed_at is not None
    assert shop.timer(record_id, "resolution").state == "cancelled"
    assert shop.replay(record_id) == []
