"""The SLA KPIs against plain Python over the same timer rows, on SQLite and PostgreSQL.

Timer rows are written straight into ``sla_timers`` for the report data set's jobs (in
every state a timer can end in, over two cycles for some), plus rows of another form and
another app that must not count.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.models.sla import SlaTimer
from servicekit.runtime.reports import ReportError, report_problems
from tests.runtime.reports.conftest import NOW, World

SIX = Decimal("0.000001")
OUTCOMES = ("met", "late", "breached_open", "running", "paused", "cancelled")


def _timer(rng: random.Random, job: dict[str, Any], target: str, cycle: int) -> dict[str, Any]:
    outcome = rng.choice(OUTCOMES)
    start = job["created_at"] + timedelta(minutes=rng.randint(0, 600))
    row: dict[str, Any] = {
        "record_id": job["id"],
        "target": target,
        "cycle": cycle,
        "target_seconds": 1800,
        "started_at": start,
        "counted_at": start,
        "elapsed_seconds": rng.randint(60, 40000),
        "paused_seconds": rng.choice([0, 0, 1200]),
        "state": {"met": "met", "late": "breached", "breached_open": "breached"}.get(
            outcome, outcome
        ),
    }
    if outcome in ("met", "late"):
        row["met_at"] = row["closed_at"] = start + timedelta(hours=3)
    if outcome in ("late", "breached_open"):
        row["breached_at"] = start + timedelta(hours=1)
        row["breach_seconds"] = rng.randint(1, 5000)
    if outcome == "cancelled":
        row["closed_at"] = start + timedelta(hours=2)
    if outcome == "paused":
        row["paused_since"] = start + timedelta(minutes=30)
    return row


@pytest.fixture(scope="module")
def timers(world: World) -> list[dict[str, Any]]:
    """Timer rows for every job: response and resolution per cycle, dispatch limits for some."""
    rng = random.Random(6)
    rows: list[dict[str, Any]] = []
    for job in world.jobs:
        for cycle in (1, 2) if rng.random() < 0.2 else (1,):
            targets = ["response", "resolution"] + (["node:dispatch"] if rng.random() < 0.5 else [])
            rows += [_timer(rng, job, target, cycle) for target in targets]
    rng.shuffle(rows)
    strangers = [dict(row, form_key="client") for row in rows[:40]]
    strangers += [dict(row, app_key="other") for row in rows[40:80]]
    with get_db(world.app).transaction() as session:
        for row in rows + strangers:
            session.add(
                SlaTimer(
                    **{
                        "app_key": "svc",
                        "form_key": "job",
                        "policy_key": "p",
                        "calendar_key": "cn_mainland",
                        "updated_at": NOW,
                        **row,
                    }
                )
            )
    return rows


def _minutes(seconds: list[int]) -> Decimal | None:
    return (Decimal(sum(seconds)) / (len(seconds) * 60)).quantize(SIX) if seconds else None


def _expected(jobs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    ids = {job["id"] for job in jobs}
    mine = [row for row in rows if row["record_id"] in ids]
    response = [
        row["elapsed_seconds"]
        for row in mine
        if row["target"] == "response" and row["cycle"] == 1 and row.get("met_at")
    ]
    per_record: dict[int, int] = defaultdict(int)
    for row in mine:
        if row["target"] == "resolution" and row.get("met_at"):
            per_record[row["record_id"]] += row["elapsed_seconds"]
    met = sum(
        1 for r in mine if r.get("closed_at") and r.get("met_at") and not r.get("breached_at")
    )
    breached = sum(1 for r in mine if r.get("breached_at"))
    resolution_met = sum(
        1
        for r in mine
        if r["target"] == "resolution"
        and r.get("closed_at")
        and r.get("met_at")
        and not r.get("breached_at")
    )
    resolution_decided = resolution_met + sum(
        1 for r in mine if r["target"] == "resolution" and r.get("breached_at")
    )
    node_breaches = sum(1 for r in mine if r["target"].startswith("node:") and r.get("breached_at"))
    return (
        _minutes(response),
        _minutes(list(per_record.values())),
        (Decimal(100 * met) / (met + breached)).quantize(SIX) if met + breached else None,
        breached,
        (Decimal(100 * resolution_met) / resolution_decided).quantize(SIX)
        if resolution_decided
        else None,
        node_breaches,
    )


MEASURES = [
    {"key": "response", "kpi": "first_response_time"},
    {"key": "resolution", "kpi": "resolution_time"},
    {"key": "met", "kpi": "sla_met"},
    {"key": "breaches", "kpi": "sla_breaches"},
    {"key": "resolution_met", "kpi": "sla_met", "params": {"target": "resolution"}},
    {"key": "node_breaches", "kpi": "sla_breaches", "params": {"target": "nodes"}},
]


def test_sla_kpis_per_priority_match_python(world: World, timers: list[dict[str, Any]]) -> None:
    result = world.run({"dimensions": [{"field": "priority"}], "measures": MEASURES})
    found = {row.keys[0]: row.values for row in result.rows}
    for priority in ("urgent", "normal"):
        jobs = [job for job in world.jobs if job["priority"] == priority]
        assert found[priority] == _expected(jobs, timers), priority
    assert all(value for value in found["urgent"])  # every measure has something to count
    assert sum(found[p][3] for p in found) == sum(1 for r in timers if r.get("breached_at"))


def test_sla_kpis_respect_the_measure_filter_and_the_record_scope(
    world: World, timers: list[dict[str, Any]]
) -> None:
    filtered = [dict(m, filter='kind = "fix"') for m in MEASURES]
    result = world.run({"measures": filtered})
    fixes = [job for job in world.jobs if job["kind"] == "fix"]
    assert result.rows[0].values == _expected(fixes, timers)
    # An engineer sees only their own jobs, and the SLA numbers of those only.
    ann = world.actor("ann", "field")
    result = world.run({"measures": MEASURES}, actor=ann)
    mine = [job for job in world.jobs if job["engineer"] == world.users["ann"]]
    assert result.rows[0].values == _expected(mine, timers)


def test_an_unknown_target_is_refused_with_its_path(world: World) -> None:
    with pytest.raises(ReportError) as caught:
        world.run({"measures": [{"key": "m", "kpi": "sla_met", "params": {"target": "lunch"}}]})
    assert caught.value.path == "$.measures[0].params.target"
    assert "lunch" in str(caught.value)


def test_the_static_check_names_a_bad_target_and_accepts_good_ones() -> None:
    fields = {"job": [{"key": "note", "type": "text", "label": "Note"}]}
    bodies = {"job": {"fields": fields["job"]}}

    def problems(target: str) -> list[tuple[str, str]]:
        measure = {"key": "m", "kpi": "sla_breaches", "params": {"target": target}}
        body = {"key": "r", "label": "R", "form": "job", "measures": [measure]}
        return report_problems(body, fields, bodies)

    assert problems("lunch") == [
        (
            "$.measures[0].params.target",
            "target 'lunch' is none of all, response, resolution, nodes or node:<node key>.",
        )
    ]
    for good in ("all", "response", "resolution", "nodes", "node:dispatch"):
        assert problems(good) == [], good


# Reports of these only join each decided timer to its record, instead of grouping per record.
COUNTS = [m for m in MEASURES if m["kpi"] in ("sla_met", "sla_breaches")]


def test_reports_counting_timers_only_match_python(
    world: World, timers: list[dict[str, Any]]
) -> None:
    result = world.run({"dimensions": [{"field": "priority"}], "measures": COUNTS})
    found = {row.keys[0]: row.values for row in result.rows}
    for priority in ("urgent", "normal"):
        jobs = [job for job in world.jobs if job["priority"] == priority]
        assert found[priority] == _expected(jobs, timers)[2:], priority
    fixes = [job for job in world.jobs if job["kind"] == "fix"]
    filtered = [dict(m, filter='kind = "fix"') for m in COUNTS]
    assert world.run({"measures": filtered}).rows[0].values == _expected(fixes, timers)[2:]
    ann = world.actor("ann", "field")
    mine = [job for job in world.jobs if job["engineer"] == world.users["ann"]]
    result = world.run({"measures": COUNTS}, actor=ann)
    assert result.rows[0].values == _expected(mine, timers)[2:]
    # Breaches only: the breached timers alone are joined.
    breaches = [m for m in COUNTS if m["kpi"] == "sla_breaches"]
    result = world.run({"measures": breaches}, actor=ann)
    assert result.rows[0].values == _expected(mine, timers)[3::2]
