"""Acceptance 1: every measure, bucket and KPI against a plain-Python computation of the same rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from servicekit.platform.db import get_db
from servicekit.runtime.reports import PageFilters
from tests.runtime.reports.conftest import TZ, World

SIX = Decimal("0.000001")


def _groups(
    rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(row)
    return dict(out)


def _values(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows if row[name] is not None]


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(SIX) if values else None


def _percentile(values: list[Any], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, written out for the test."""
    if not values:
        return None
    ordered = sorted(float(v) for v in values)
    rank = fraction * (len(ordered) - 1)
    below = int(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def _by_key(result: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {row.keys: row.values for row in result.rows}


def test_every_aggregate_per_group_matches_python(world: World) -> None:
    result = world.run(
        {
            "dimensions": [{"field": "priority"}],
            "measures": [
                {"key": "n", "aggregate": "count"},
                {"key": "with_cost", "aggregate": "count", "field": "cost"},
                {"key": "engineers", "aggregate": "count_distinct", "field": "engineer"},
                {"key": "cost_sum", "aggregate": "sum", "field": "cost"},
                {"key": "hours_sum", "aggregate": "sum", "field": "effort"},
                {"key": "cost_avg", "aggregate": "avg", "field": "cost"},
                {"key": "cost_min", "aggregate": "min", "field": "cost"},
                {"key": "cost_max", "aggregate": "max", "field": "cost"},
                {"key": "opened_min", "aggregate": "min", "field": "opened"},
                {"key": "due_max", "aggregate": "max", "field": "due"},
                {"key": "cost_median", "aggregate": "median", "field": "cost"},
                {
                    "key": "hours_p90",
                    "aggregate": "percentile",
                    "field": "effort",
                    "percentile": 0.9,
                },
                {"key": "score_avg", "aggregate": "avg", "field": "score"},
                {"key": "parts_qty", "aggregate": "sum", "field": "parts.qty"},
            ],
        }
    )
    got = _by_key(result)
    expected_groups = _groups(world.jobs, lambda r: r["priority"])
    assert set(got) == {(k,) for k in expected_groups}
    for priority, rows in expected_groups.items():
        values = got[(priority,)]
        costs = _values(rows, "cost")
        hours = _values(rows, "effort")
        assert values[0] == len(rows)
        assert values[1] == len(costs)
        assert values[2] == len(set(_values(rows, "engineer")))
        assert values[3] == sum(costs, Decimal(0))
        assert values[4] == sum(hours)
        assert values[5] == _mean(costs)
        assert values[6] == min(costs)
        assert values[7] == max(costs)
        assert values[8] == min(_values(rows, "opened"))
        assert values[9] == max(_values(rows, "due"))
        assert float(values[10]) == pytest.approx(_percentile(costs, 0.5), abs=1e-5)
        assert float(values[11]) == pytest.approx(_percentile(hours, 0.9), abs=1e-5)
        assert values[12] == _mean([Decimal(s) for s in _values(rows, "score")])
        assert values[13] == sum(p["qty"] for r in rows for p in r["parts"])


def _local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


BUCKETS: dict[str, Callable[[datetime], Any]] = {
    "hour": lambda m: _local(m).strftime("%Y-%m-%d %H:00"),
    "day": lambda m: _local(m).date().isoformat(),
    "week": lambda m: (_local(m).date() - timedelta(days=_local(m).weekday())).isoformat(),
    "month": lambda m: f"{_local(m).year}-{_local(m).month:02d}",
    "quarter": lambda m: f"{_local(m).year}-Q{(_local(m).month + 2) // 3}",
    "year": lambda m: str(_local(m).year),
    "weekday": lambda m: _local(m).isoweekday(),
}


def test_datetime_buckets_are_read_in_the_app_zone(world: World) -> None:
    # The data set must have records whose local day differs from their UTC day, or a
    # bucket computed in UTC would pass too.
    assert any(_local(r["created_at"]).date() != r["created_at"].date() for r in world.jobs)
    for unit, bucket in BUCKETS.items():
        result = world.run(
            {
                "dimensions": [{"field": "created_at", "bucket": unit}],
                "measures": [{"key": "n"}, {"key": "cost", "aggregate": "sum", "field": "cost"}],
            }
        )
        groups = _groups(world.jobs, lambda r, bucket=bucket: bucket(r["created_at"]))
        expected = {(k,): (len(v), sum(_values(v, "cost"), Decimal(0))) for k, v in groups.items()}
        assert _by_key(result) == expected, unit
        assert [row.keys for row in result.rows] == sorted(expected), unit


def test_buckets_in_a_zone_with_summer_time(world: World) -> None:
    # Berlin changes its offset twice a year, so SQLite cannot shift by a constant.
    berlin = ZoneInfo("Europe/Berlin")
    assert len({r["created_at"].astimezone(berlin).utcoffset() for r in world.jobs}) == 2
    for unit in ("hour", "day", "week", "month", "weekday"):
        result = world.run(
            {"dimensions": [{"field": "created_at", "bucket": unit}], "measures": [{"key": "n"}]},
            tz=berlin,
        )

        def key(row: dict[str, Any], unit: str = unit) -> Any:
            local = row["created_at"].astimezone(berlin)
            return BUCKETS[unit](local.replace(tzinfo=TZ).astimezone(TZ))

        expected = {(k,): (len(v),) for k, v in _groups(world.jobs, key).items()}
        assert _by_key(result) == expected, unit


def test_date_buckets_need_no_zone(world: World) -> None:
    for unit in ("day", "week", "month", "quarter", "year", "weekday"):
        result = world.run(
            {"dimensions": [{"field": "due", "bucket": unit}], "measures": [{"key": "n"}]}
        )

        def key(row: dict[str, Any], unit: str = unit) -> Any:
            day: date | None = row["due"]
            if day is None:
                return None
            return BUCKETS[unit](datetime(day.year, day.month, day.day, 12, tzinfo=TZ))

        expected = {(k,): (len(v),) for k, v in _groups(world.jobs, key).items()}
        assert _by_key(result) == expected, unit


def test_number_ranges(world: World) -> None:
    result = world.run(
        {"dimensions": [{"field": "effort", "ranges": [10, 20, 30]}], "measures": [{"key": "n"}]},
    )

    def index(row: dict[str, Any]) -> int | None:
        if row["effort"] is None:
            return None
        return sum(1 for bound in (10, 20, 30) if row["effort"] >= bound)

    expected = {(k,): (len(v),) for k, v in _groups(world.jobs, index).items()}
    assert _by_key(result) == expected
    labels = {row.keys[0]: row.labels[0] for row in result.rows}
    assert labels[0] == "< 10" and labels[1] == "10 – 20" and labels[3] == "≥ 30"


def test_lookup_dot_path_and_select_labels_in_the_readers_language(world: World) -> None:
    levels = {c["id"]: c["level"] for c in world.clients}
    expected = {
        (k,): (len(v),)
        for k, v in _groups(
            world.jobs, lambda r: levels.get(r["client"]) if r["client"] else None
        ).items()
    }
    english = world.run({"dimensions": [{"field": "client.level"}], "measures": [{"key": "n"}]})
    chinese = world.run(
        {"dimensions": [{"field": "client.level"}], "measures": [{"key": "n"}]}, locale="zh_CN"
    )
    assert _by_key(english) == expected
    assert {row.labels[0] for row in english.rows} <= {"Gold EN", "Plain EN", "(empty)"}
    assert {row.labels[0] for row in chinese.rows} <= {"gold中文", "plain中文", "（空）"}


def test_user_and_lookup_dimensions_show_names(world: World) -> None:
    result = world.run({"dimensions": [{"field": "engineer"}], "measures": [{"key": "n"}]})
    names = {uid: login.upper() for login, uid in world.users.items()}
    assert {row.labels[0] for row in result.rows if row.keys[0]} == set(names.values())
    by_client = world.run({"dimensions": [{"field": "client"}], "measures": [{"key": "n"}]})
    names = {c["id"]: c["name"] for c in world.clients}
    for row in by_client.rows:
        if row.keys[0] is not None:
            assert row.labels[0] == names[row.keys[0]]
            assert row.values[0] == sum(1 for j in world.jobs if j["client"] == row.keys[0])


def test_measure_filters_and_ratios(world: World) -> None:
    result = world.run(
        {
            "dimensions": [{"field": "kind"}],
            "measures": [
                {"key": "n"},
                {"key": "urgent", "aggregate": "count", "filter": 'priority = "urgent"'},
                {
                    "key": "urgent_cost",
                    "aggregate": "sum",
                    "field": "cost",
                    "filter": 'priority = "urgent"',
                },
                {"key": "share", "aggregate": "ratio", "numerator": "urgent", "denominator": "n"},
            ],
        }
    )
    for kind, rows in _groups(world.jobs, lambda r: r["kind"]).items():
        urgent = [r for r in rows if r["priority"] == "urgent"]
        n, count, cost, share = _by_key(result)[(kind,)]
        assert (n, count) == (len(rows), len(urgent))
        assert cost == sum(_values(urgent, "cost"), Decimal(0))
        assert share == (Decimal(len(urgent)) / len(rows)).quantize(SIX)


def test_report_filter_sort_and_limit(world: World) -> None:
    result = world.run(
        {
            "filter": "effort != null and effort >= 5",
            "dimensions": [{"field": "engineer"}],
            "measures": [{"key": "n"}, {"key": "h", "aggregate": "sum", "field": "effort"}],
            "sort": [{"by": "h", "descending": True}],
            "limit": 2,
        }
    )
    kept = [r for r in world.jobs if r["effort"] is not None and r["effort"] >= 5]
    totals = sorted(
        (
            (sum(r["effort"] for r in v), k)
            for k, v in _groups(kept, lambda r: r["engineer"]).items()
        ),
        reverse=True,
    )
    assert [row.values[1] for row in result.rows] == [t for t, _ in totals[:2]]


def test_the_page_date_range_applies_to_the_date_field(world: World) -> None:
    start = datetime(2026, 3, 1, tzinfo=TZ)
    end = datetime(2026, 6, 1, tzinfo=TZ)
    result = world.run(
        {"measures": [{"key": "n"}]},
        filters=PageFilters(start=start, end=end, selects=(("priority", "urgent"),)),
    )
    expected = [
        r for r in world.jobs if start <= r["created_at"] < end and r["priority"] == "urgent"
    ]
    assert result.rows[0].values == (len(expected),)


def test_kpis(world: World) -> None:
    result = world.run(
        {
            "measures": [
                {"key": "orders", "kpi": "work_orders"},
                {"key": "per_engineer", "kpi": "work_orders_per_engineer"},
                {"key": "backlog", "kpi": "backlog", "params": {"open_if": "note = null"}},
                {
                    "key": "satisfaction",
                    "kpi": "average_satisfaction",
                    "params": {"field": "score"},
                },
                {"key": "nps", "kpi": "nps", "params": {"field": "score"}},
                {
                    "key": "parts",
                    "kpi": "spare_part_cost",
                    "params": {"quantity": "qty", "price": "price"},
                },
            ]
        }
    )
    jobs = world.jobs
    scores = [int(r["score"]) for r in jobs if r["score"] is not None]
    promoters = sum(1 for s in scores if s >= 5)
    detractors = sum(1 for s in scores if s <= 3)
    part_cost = sum((p["qty"] * p["price"] for r in jobs for p in r["parts"]), Decimal(0))
    engineers = {r["engineer"] for r in jobs if r["engineer"] is not None}
    assert result.rows[0].values == (
        len(jobs),
        (Decimal(len(jobs)) / len(engineers)).quantize(SIX),
        sum(1 for r in jobs if r["note"] is None),
        (Decimal(sum(scores)) / len(scores)).quantize(SIX),
        (Decimal(100 * (promoters - detractors)) / len(scores)).quantize(SIX),
        (part_cost / len(jobs)).quantize(SIX),
    )


def test_work_orders_per_engineer_by_month(world: World) -> None:
    result = world.run(
        {
            "dimensions": [{"field": "created_at", "bucket": "month"}, {"field": "engineer"}],
            "measures": [{"key": "orders", "kpi": "work_orders"}],
        }
    )
    groups = _groups(world.jobs, lambda r: (BUCKETS["month"](r["created_at"]), r["engineer"]))
    assert _by_key(result) == {k: (len(v),) for k, v in groups.items()}


def test_a_report_is_one_query(world: World) -> None:
    statements: list[str] = []
    engine = get_db(world.app).engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        world.run(
            {
                "dimensions": [{"field": "created_at", "bucket": "month"}, {"field": "priority"}],
                "measures": [
                    {"key": "n"},
                    {"key": "avg", "aggregate": "avg", "field": "cost"},
                    {"key": "p", "aggregate": "median", "field": "effort"},
                    {"key": "nps", "kpi": "nps", "params": {"field": "score"}},
                ],
            }
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "job" in s]) == 1


def test_backlog_is_what_was_open_at_the_end_of_each_period(world: World) -> None:
    # "opened" stands in for the moment a job was closed.
    result = world.run(
        {
            "dimensions": [{"field": "created_at", "bucket": "month"}],
            "measures": [
                {"key": "n"},
                {"key": "backlog", "kpi": "backlog", "params": {"closed_field": "opened"}},
            ],
        }
    )
    assert len(result.rows) > 10
    for row in result.rows:
        year, month = map(int, row.keys[0].split("-"))
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=TZ)
        still_open = [
            r
            for r in world.jobs
            if r["created_at"] < end and (r["opened"] is None or r["opened"] >= end)
        ]
        assert row.values[1] == len(still_open), row.keys
