"""Benchmark: reports compiled by ServiceKit against the same queries written by hand in SQL.

    python bench/reports.py [--rows 1000000] [--db sqlite|postgresql|both] [--repeat 5]

For each database it fills the after-sales work orders with ``--rows`` records (about one
spare-part row for every two orders, one unit of equipment for every four, and the SLA
timers, workflow returns and reopenings of ``bench/report_data.py``), then times, interleaved and in the same
process, ``run_report`` (compile, one query, typed and labelled rows; no cache) against a
hand-written SQL query returning the same numbers:

  month-priority      work orders and average total cost per month and priority
  <dashboard widget>  each report of the after-sales service dashboard
  sla_breaches_by_month  SLA breaches per month (the KPI no sample report shows)

Both sides must agree (counts exactly, averages to 4 decimals) before timing. It prints
the median of each and the ratio ServiceKit / hand-written; the target is at most 1.5.
PostgreSQL needs SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL).
Results belong in docs/performance.md.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_arguments, median_pair, run_on_databases  # noqa: E402
from bench.hand_reports import Tables, hand_sql  # noqa: E402
from bench.report_data import History, equipment_rows  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.accounts import create_user  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.runtime.forms import Actor, load_app_forms  # noqa: E402
from servicekit.runtime.reports import ReportDef, Viewer, run_report  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = Actor(id=None, is_admin=True, rule_user={"id": None, "roles": []})
SAMPLE = ROOT / "sample_apps" / "after_sales"
PRIORITIES = ["urgent"] + ["high"] * 3 + ["normal"] * 8
FAULTS = ["electrical", "mechanical", "software", "installation", "maintenance"]
WIDGETS = (
    "orders_per_day",
    "top_fault_types",
    "part_cost_by_month",
    "engineer_workload",
    "satisfaction_trend",
    "nps",
    "average_satisfaction",
    "backlog",
    "first_time_fix",
    "first_time_fix_trend",
    "top_models",
    "sla_met",
    "sla_times_by_month",
)
# Ordered by their measure and cut to the top five: compared in order.
RANKED = ("top_fault_types", "top_models")
# The sla_breaches KPI per month, as a report builder would lay it out.
BREACHES = {
    "key": "sla_breaches_by_month",
    "label": "SLA breaches",
    "form": "work_order",
    "date_field": "appointment_at",
    "chart": {"type": "bar"},
    "dimensions": [{"field": "appointment_at", "bucket": "month"}],
    "measures": [{"key": "breaches", "kpi": "sla_breaches", "label": "Breaches"}],
}


def _fill(app: Any, rows: int) -> None:
    """Bulk-load work orders over 12 months with costs, ratings, engineers and part rows."""
    rng = random.Random(11)
    engine = get_db(app).engine
    with get_db(app).transaction() as session:
        engineers = [
            create_user(
                session,
                login=f"bench_eng{i}",
                display_name=f"Engineer {i}",
                password="a-good-password-1",
                now=datetime.now(UTC),
            ).id
            for i in range(20)
        ]
    with get_db(app).sessions() as session:
        forms = load_app_forms(session, "after_sales")
        source = forms.sources["work_order"]
        customers = session.scalars(select(forms.sources["customer"].table.c.id)).all()
        first_id = (session.scalar(select(func.max(source.table.c.id))) or 0) + 1
    table, parts = source.table, source.child("parts").table
    units = _fill_equipment(engine, forms.sources["equipment"].table, customers, rows // 4)
    history = History(seed=23)
    start = datetime(2025, 11, 1, tzinfo=UTC)
    orders: list[dict[str, Any]] = []
    rows_of_parts: list[dict[str, Any]] = []
    for index in range(rows):
        moment = start + timedelta(seconds=rng.randint(0, 365 * 86400))
        done = rng.random() < 0.85
        orders.append(
            {
                "id": first_id + index,
                "number": f"BENCH-{index:08d}",
                "customer": rng.choice(customers),
                "equipment": units[index % len(units)] if index % 33 else None,
                "fault_type": rng.choice(FAULTS),
                "priority": rng.choice(PRIORITIES),
                "description": "bench",
                "appointment_at": moment + timedelta(hours=rng.choice((2, 4, 24))),
                "engineer": rng.choice(engineers) if rng.random() < 0.9 else None,
                "labor_cost": Decimal(rng.randint(0, 90000)) / 100,
                "total_cost": Decimal(rng.randint(0, 500000)) / 100,
                "resolution": "ok" if done else None,
                "satisfaction": rng.choice("5554321") if done else None,
                "created_at": moment,
                "updated_at": moment,
                "version": 1,
                "deleted": False,
            }
        )
        history.add(first_id + index, moment, orders[-1]["priority"], done)
        if rng.random() < 0.5:
            rows_of_parts.append(
                {
                    "parent_id": first_id + index,
                    "position": 0,
                    "part_name": "bench",
                    "qty": rng.randint(1, 4),
                    "unit_price": Decimal(rng.randint(100, 100000)) / 100,
                }
            )
        if len(orders) == 20_000:
            _flush(engine, table, parts, orders, rows_of_parts, history)
    _flush(engine, table, parts, orders, rows_of_parts, history)
    with engine.begin() as connection:
        # Statistics for the part rows too: without them PostgreSQL expects 200 parents
        # with parts and may pick a nested loop for the spare-part report.
        connection.exec_driver_sql("ANALYZE")


def _fill_equipment(engine: Any, table: Any, customers: list[int], count: int) -> list[int]:
    """``count`` units of equipment; their ids shuffled, so visits to a unit spread over the year."""
    rows = equipment_rows(random.Random(17), count, customers)
    with engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(table.insert(), rows[start : start + 20_000])
        ids = [
            i
            for (i,) in connection.execute(select(table.c.id).where(table.c.number.like("BENCH-%")))
        ]
    random.Random(19).shuffle(ids)
    return ids


def _flush(
    engine: Any, table: Any, parts: Any, orders: list[Any], rows: list[Any], history: History
) -> None:
    with engine.begin() as connection:
        if orders:
            connection.execute(table.insert(), orders)
        if rows:
            connection.execute(parts.insert(), rows)
        history.flush(connection)
    orders.clear()
    rows.clear()


def _report(key: str) -> ReportDef:
    return ReportDef.from_dict(json.loads((SAMPLE / "reports" / f"{key}.json").read_text("utf-8")))


def _servicekit(app: Any, report: ReportDef) -> list[tuple[Any, ...]]:
    with get_db(app).sessions() as session:
        forms = load_app_forms(session, "after_sales")
        viewer = Viewer(ADMIN, app.extensions["servicekit.clock"].now(), TZ)
        result = run_report(session, forms, report, viewer, locale="en")
        return [(*row.keys, *row.values) for row in result.rows]


def _hand(app: Any, sql: str) -> list[tuple[Any, ...]]:
    with get_db(app).sessions() as session:
        return [tuple(row) for row in session.execute(text(sql))]


def _norm(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(float(v) if isinstance(v, Decimal | float) else v for v in row) for row in rows]


def _same(ours: list[tuple[Any, ...]], theirs: list[tuple[Any, ...]], ordered: bool) -> bool:
    """Same rows; numbers equal to within 0.0001 (exact decimals against floating point)."""
    a, b = _norm(ours), _norm(theirs)
    if not ordered:
        a, b = sorted(a, key=_sort_key), sorted(b, key=_sort_key)
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y):
            return False
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                if u is None or v is None or abs(float(u) - float(v)) > 1e-4:
                    return False
            elif u != v:
                return False
    return True


def _sort_key(row: tuple[Any, ...]) -> tuple[str, ...]:
    # Rows sort by their keys (text, numbers, None), never by the measured values.
    return tuple(repr(v) for v in row if not isinstance(v, float))


def run(
    url: str, rows: int, repeat: int, instance: Path, only: list[str] | None = None
) -> list[tuple[str, float, float]]:
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": str(instance),
            "SERVICEKIT_SECRET_KEY": "bench",
            "SERVICEKIT_ASSETS": "local",
        }
    )
    upgrade_database(app)
    with get_db(app).transaction() as session:
        install_package(
            session,
            SAMPLE,
            get_registry(app),
            now=app.extensions["servicekit.clock"].now(),
            tz=TZ,
        )
    started = time.perf_counter()
    _fill(app, rows)
    print(f"  loaded {rows:,} work orders in {time.perf_counter() - started:.0f} s", flush=True)
    pg = get_db(app).engine.dialect.name == "postgresql"
    with get_db(app).sessions() as session:
        source = load_app_forms(session, "after_sales").sources["work_order"]
        forms = load_app_forms(session, "after_sales")
        tables = Tables(
            wo=source.table.name,
            parts=source.child("parts").table.name,
            eq=forms.sources["equipment"].table.name,
        )
    results = []
    cases = [("month-priority", _report("orders_by_month"))]
    cases += [(key, _report(key)) for key in WIDGETS]
    cases += [("sla_breaches_by_month", ReportDef.from_dict(BREACHES))]
    for name, report in cases:
        if only and name not in only:
            continue
        sql = hand_sql(pg, name, tables)
        ours, theirs = _servicekit(app, report), _hand(app, sql)
        if not _same(ours, theirs, ordered=name in RANKED):
            print(f"  {name}: ServiceKit and the hand-written query disagree", file=sys.stderr)
            a, b = set(_norm(ours)), set(_norm(theirs))
            print(f"    only ServiceKit:   {sorted(a - b, key=_sort_key)[:5]}", file=sys.stderr)
            print(f"    only hand-written: {sorted(b - a, key=_sort_key)[:5]}", file=sys.stderr)
            raise SystemExit(1)
        a, b = median_pair(
            lambda r=report: _servicekit(app, r), lambda s=sql: _hand(app, s), repeat
        )
        results.append((name, a, b))
        print(f"  {name}: {a * 1000:.0f} ms vs {b * 1000:.0f} ms", file=sys.stderr, flush=True)
    get_db(app).dispose()
    return results


def main() -> None:
    parser = database_arguments(__doc__.split("\n\n")[0], repeat=5)
    parser.add_argument("--only", nargs="+", metavar="CASE", help="time only these cases")
    args = parser.parse_args()
    run_on_databases(partial(run, only=args.only), args, baseline="hand-written")


if __name__ == "__main__":
    main()
