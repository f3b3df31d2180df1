"""Dispatch strategies: named user, field, pool, round robin, least loaded, skill, region,
nearest and combinations, with ties, inactive users, no candidate and concurrent turns."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from servicekit.platform.models import User, WorkflowInstance, WorkflowTask
from servicekit.runtime.workflow import decide, great_circle_km
from tests.runtime.workflow.conftest import APP, Shop


@pytest.fixture
def staff(app: Any) -> Shop:
    shop = Shop(app)
    shop.add_staff()
    with shop.db.transaction() as session:
        # Homes: 王工 in Shanghai, 李工 in Hangzhou, 张工 in Beijing.
        for login, lat, lng in (
            ("eng_a", "31.2304", "121.4737"),
            ("eng_b", "30.2741", "120.1551"),
            ("eng_c", "39.9042", "116.4074"),
        ):
            session.execute(
                update(User)
                .where(User.id == shop.ids[login])
                .values(home_lat=Decimal(lat), home_lng=Decimal(lng))
            )
    return shop


def run(shop: Shop, rule: dict[str, Any], values: dict[str, Any] | None = None, **kw: Any) -> Any:
    with shop.db.transaction() as session:
        return decide(session, rule, values or {}, app_key=APP, scope="test.rr", **kw)


def name_of(shop: Shop, decision: Any) -> list[str]:
    names = {v: k for k, v in shop.ids.items()}
    return [names[i] for i in decision.assignees]


def give_open_tasks(shop: Shop, login: str, count: int, *, hours_ago: int = 1) -> None:
    """Open tasks for ``login`` (the load least-loaded dispatch counts)."""
    with shop.db.transaction() as session:
        now = shop.clock.now()
        instance = WorkflowInstance(
            app_key=APP,
            form_key="work_order",
            record_id=10_000 + shop.ids[login] * 100 + count,
            workflow_key="x",
            workflow_version=1,
            state="active",
            moves=0,
            started_at=now,
        )
        session.add(instance)
        session.flush()
        for _ in range(count):
            session.add(
                WorkflowTask(
                    instance_id=instance.id,
                    app_key=APP,
                    form_key="work_order",
                    record_id=instance.record_id,
                    node_key="service",
                    kind="task",
                    state="open",
                    token="",
                    assignee_id=shop.ids[login],
                    created_at=now - timedelta(hours=hours_ago),
                )
            )


def deactivate(shop: Shop, login: str) -> None:
    with shop.db.transaction() as session:
        session.execute(update(User).where(User.id == shop.ids[login]).values(active=False))


ENGINEERS = {"role": "engineer"}


def test_named_user_and_inactive_named_user(staff: Shop) -> None:
    decision = run(staff, {"strategy": "user", "user": "eng_b", "fallback_role": "dispatcher"})
    assert name_of(staff, decision) == ["eng_b"]
    assert decision.reason == "assigned to 李工: named user eng_b"
    deactivate(staff, "eng_b")
    decision = run(staff, {"strategy": "user", "user": "eng_b", "fallback_role": "dispatcher"})
    assert decision.assignees == [] and decision.pool == "role:dispatcher"
    assert decision.reason == (
        "no candidate (named user eng_b holds inactive user 李工); sent to the role:dispatcher queue"
    )


def test_user_held_in_a_field(staff: Shop) -> None:
    rule = {"strategy": "field", "field": "engineer", "role": "engineer"}
    decision = run(staff, rule, {"engineer": staff.ids["eng_c"]})
    assert name_of(staff, decision) == ["eng_c"]
    empty = run(staff, rule, {"engineer": None})
    assert empty.pool == "role:engineer"
    assert empty.reason == "no candidate (field engineer is empty); sent to the role:engineer queue"


def test_pool_leaves_the_task_to_be_claimed(staff: Shop) -> None:
    deactivate(staff, "eng_c")
    decision = run(staff, {"strategy": "pool", "role": "engineer"})
    assert decision.assignees == [] and decision.pool == "role:engineer"
    assert [c["name"] for c in decision.candidates] == ["王工", "李工"]


def test_least_loaded_counts_open_tasks_in_the_database(staff: Shop) -> None:
    give_open_tasks(staff, "eng_a", 2)
    give_open_tasks(staff, "eng_b", 1)
    give_open_tasks(staff, "eng_c", 3)
    decision = run(staff, {"strategy": "least_loaded", **ENGINEERS})
    assert name_of(staff, decision) == ["eng_b"]
    assert decision.reason == "assigned to 李工: 1 open tasks"
    scores = {c["name"]: c["open_tasks"] for c in decision.candidates}
    assert scores == {"王工": 2, "李工": 1, "张工": 3}


def test_ties_go_to_fewer_tasks_then_longest_ago_then_lowest_id(staff: Shop) -> None:
    # Nobody has work: the lowest id wins.
    assert name_of(staff, run(staff, {"strategy": "least_loaded", **ENGINEERS})) == ["eng_a"]
    # Same load; eng_c was assigned longer ago than eng_a and eng_b.
    give_open_tasks(staff, "eng_a", 1, hours_ago=1)
    give_open_tasks(staff, "eng_b", 1, hours_ago=2)
    give_open_tasks(staff, "eng_c", 1, hours_ago=5)
    assert name_of(staff, run(staff, {"strategy": "least_loaded", **ENGINEERS})) == ["eng_c"]


def test_inactive_users_are_skipped(staff: Shop) -> None:
    deactivate(staff, "eng_a")
    decision = run(staff, {"strategy": "least_loaded", **ENGINEERS})
    assert name_of(staff, decision) == ["eng_b"]
    assert "王工" not in [c["name"] for c in decision.candidates]


def test_skill_picks_the_highest_level(staff: Shop) -> None:
    rule = {"strategy": "skill", "skill_field": "fault_type", **ENGINEERS}
    decision = run(staff, rule, {"fault_type": "electrical"})
    assert name_of(staff, decision) == ["eng_c"]
    assert decision.reason == "assigned to 张工: skill electrical level 5, 0 open tasks"
    mechanical = run(staff, rule, {"fault_type": "mechanical"})
    assert name_of(staff, mechanical) == ["eng_b"]
    minimum = run(staff, {**rule, "min_level": 5}, {"fault_type": "mechanical"})
    assert minimum.assignees == []
    assert minimum.reason == (
        "no candidate (skill mechanical level ≥ 5); sent to the role:engineer queue"
    )


def test_region_reads_lookup_paths(staff: Shop) -> None:
    rule = {"strategy": "region", "region_field": "customer.region", **ENGINEERS}
    decision = run(staff, rule, {"customer": {"region": "north"}})
    assert name_of(staff, decision) == ["eng_c"]
    assert decision.reason == "assigned to 张工: region north, 0 open tasks"
    nobody = run(staff, {**rule, "fallback_role": "dispatcher"}, {"customer": {"region": "south"}})
    assert nobody.pool == "role:dispatcher"
    assert nobody.reason == "no candidate (region south); sent to the role:dispatcher queue"


def test_nearest_uses_great_circle_distance(staff: Shop) -> None:
    rule = {"strategy": "nearest", "location_fields": ["customer.location", "customer.location"]}
    # Suzhou is nearer Shanghai than Hangzhou.
    values = {"customer": {"location": {"lat": "31.2990", "lng": "120.5853"}}}
    decision = run(staff, {**rule, **ENGINEERS}, values)
    assert name_of(staff, decision) == ["eng_a"]
    distances = {c["name"]: c["distance_km"] for c in decision.candidates}
    assert distances["王工"] < distances["李工"] < distances["张工"]
    assert round(great_circle_km((31.2304, 121.4737), (39.9042, 116.4074))) == 1067


def test_combination_filters_then_picks(staff: Shop) -> None:
    rule = {
        "strategy": "least_loaded",
        "filters": ["skill", "region"],
        "skill_field": "fault_type",
        "region_field": "customer.region",
        **ENGINEERS,
    }
    values = {"fault_type": "electrical", "customer": {"region": "east"}}
    give_open_tasks(staff, "eng_a", 2)
    decision = run(staff, rule, values)
    assert name_of(staff, decision) == ["eng_b"]
    assert (
        decision.reason == "assigned to 李工: skill electrical level 2, region east, 0 open tasks"
    )
    # 张工 has the best skill but the wrong region; nobody in the south.
    nobody = run(staff, rule, {**values, "customer": {"region": "south"}})
    assert nobody.assignees == [] and nobody.pool == "role:engineer"


def test_round_robin_takes_turns(staff: Shop) -> None:
    rule = {"strategy": "round_robin", **ENGINEERS}
    picks = [name_of(staff, run(staff, rule))[0] for _ in range(5)]
    assert picks == ["eng_a", "eng_b", "eng_c", "eng_a", "eng_b"]


def test_round_robin_without_advancing_names_the_next_turn_and_keeps_the_cursor(
    staff: Shop,
) -> None:
    rule = {"strategy": "round_robin", **ENGINEERS}
    assert name_of(staff, run(staff, rule, advance=False)) == ["eng_a"]
    assert name_of(staff, run(staff, rule)) == ["eng_a"]
    assert name_of(staff, run(staff, rule, advance=False)) == ["eng_b"]
    assert name_of(staff, run(staff, rule, advance=False)) == ["eng_b"]
    assert name_of(staff, run(staff, rule)) == ["eng_b"]


def test_approvals_get_every_candidate(staff: Shop) -> None:
    decision = run(staff, {"strategy": "pool", "role": "supervisor"}, many=True)
    assert name_of(staff, decision) == ["sup1", "sup2"]


def test_one_hundred_concurrent_round_robin_turns_spread_evenly(staff: Shop) -> None:
    if staff.db.dialect == "sqlite":
        pytest.skip("row locks are a PostgreSQL matter; SQLite writes one at a time")
    rule = {"strategy": "round_robin", **ENGINEERS}
    picks: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(100)

    def turn() -> None:
        try:
            barrier.wait()
            picks.extend(run(staff, rule).assignees)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=turn) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = Counter(picks)
    assert sum(counts.values()) == 100
    assert max(counts.values()) - min(counts.values()) <= 1
    with staff.db.transaction() as session:
        from servicekit.platform.models import RoundRobinCursor

        assert session.scalar(select(RoundRobinCursor.turns)) == 100
