"""The escalation sweep over 1,000,000 timer rows on PostgreSQL, against the bare indexed query.

Run by ``python bench/sla.py`` (or alone: ``python bench/sla_sweep.py --rows 1000000
--due 1000``). It installs the after-sales app in a throw-away PostgreSQL database, adds
``--rows`` timer rows of which ``--due`` are due now (their steps fire: warnings and
escalations that notify the app's staff) and the rest are closed or due later, then:

1. prints the EXPLAIN of the sweep's read, which must be an index scan on
   ``ix_sla_timers_sweep`` reading only due rows;
2. times an idle sweep (nothing due) against the bare indexed query, interleaved;
3. times the sweep's locked, batched read of the due rows against the bare indexed query
   returning the same rows, interleaved (rolled back, so the rows stay due);
4. times the full sweep firing every due step once, and checks each fired exactly once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import median_pair, postgres_database  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.accounts.passwords import hash_password  # noqa: E402
from servicekit.platform.accounts.users import grant_app_role  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.models import SlaFiring, SlaTimer, User  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.runtime.sla.sweep import BATCH, due_timers_query, sweep  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 9, 22, 10, 0, tzinfo=TZ).astimezone(UTC)
STAFF = [
    ("disp", "dispatcher"),
    ("sup", "supervisor"),
    ("dir", "service_director"),
    ("mgr", "manager"),
]

# Filler rows: closed timers (no next step) and open ones due in the coming weeks.
_FILL = """
INSERT INTO sla_timers (app_key, form_key, record_id, target, cycle, state, policy_key,
    policy_version, calendar_key, calendar_version, target_seconds, started_at, due_at,
    elapsed_seconds, counted_at, paused_seconds, closed_at, next_step_at, updated_at)
SELECT 'after_sales', 'work_order', 1000000 + g, 'resolution', 1,
    CASE WHEN g % 10 < 7 THEN 'met' ELSE 'running' END, 'urgent', 1, 'cn_mainland', 1,
    27000, :now - interval '30 days', :now + (g % 20000) * interval '1 minute',
    0, :now - interval '1 day', 0,
    CASE WHEN g % 10 < 7 THEN :now - interval '1 day' END,
    CASE WHEN g % 10 < 7 THEN NULL ELSE :now + (1 + g % 20000) * interval '1 minute' END,
    :now
FROM generate_series(1, :count) AS g
"""

# Due rows: urgent response timers of the seeded work orders, at 100 % of 30 minutes, so
# the 80 % and 100 % steps are due now (the 150 % step later).
_DUE = """
INSERT INTO sla_timers (app_key, form_key, record_id, target, cycle, state, policy_key,
    policy_version, calendar_key, calendar_version, target_seconds, started_at, due_at,
    elapsed_seconds, counted_at, paused_seconds, next_step_at, updated_at)
SELECT 'after_sales', 'work_order', r.id, 'response', c, 'running', 'urgent', 1, 'cn_mainland', 1,
    1800, :now - interval '40 minutes', :now - interval '10 minutes', 1800,
    :now - interval '10 minutes', 0, :now - interval '10 minutes', :now
FROM (SELECT id FROM rec_after_sales_work_order ORDER BY id LIMIT :records) AS r,
     generate_series(1, :cycles) AS c
LIMIT :count
"""


def _prepare(url: str, instance: Path, rows: int, due: int):  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": str(instance),
            "SERVICEKIT_SECRET_KEY": "bench",
            "SERVICEKIT_ASSETS": "local",
            "SERVICEKIT_RUN_JOBS_INLINE": True,
        }
    )
    upgrade_database(app)
    database = get_db(app)
    with database.transaction() as session:
        install_package(
            session, ROOT / "sample_apps" / "after_sales", get_registry(app), now=NOW, tz=TZ
        )
        password = hash_password("bench-password-1")
        for login, role in STAFF:
            user = User(
                login=login, display_name=login, password_hash=password, active=True, created_at=NOW
            )
            session.add(user)
            session.flush()
            grant_app_role(session, user, "after_sales", role)
    with database.transaction() as session:
        records = session.scalar(text("SELECT count(*) FROM rec_after_sales_work_order"))
        cycles = -(-due // int(records))
        session.execute(text(_FILL), {"now": NOW, "count": rows - due})
        session.execute(
            text(_DUE), {"now": NOW, "records": records, "cycles": cycles, "count": due}
        )
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE sla_timers")
        )
    return app, database


def run(url: str, instance: Path, rows: int, due: int, repeat: int) -> None:
    app, database = _prepare(url, instance, rows, due)
    bare = text(
        "SELECT * FROM sla_timers WHERE state IN ('running', 'breached') "
        "AND next_step_at <= :now ORDER BY next_step_at"
    )
    with database.engine.connect() as connection:
        compiled = due_timers_query(NOW, BATCH, lock=True).compile(
            connection, compile_kwargs={"render_postcompile": True}
        )
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params
        ).scalars()
        print("EXPLAIN of the sweep's read (one batch):")
        for line in plan:
            print("    " + line)
        connection.rollback()

    def bare_query(at: datetime) -> int:
        with database.engine.connect() as connection:
            return len(connection.execute(bare, {"now": at}).all())

    def locked_reads() -> int:
        """The sweep's read path: batches locked FOR UPDATE SKIP LOCKED, then rolled back."""
        seen = 0
        session = database.sessions()
        try:
            while True:
                batch = list(session.scalars(due_timers_query(NOW, BATCH, lock=True).offset(seen)))
                seen += len(batch)
                if len(batch) < BATCH:
                    return seen
        finally:
            session.rollback()
            session.close()

    idle_at = NOW - timedelta(hours=1)
    idle_sweep, idle_bare = median_pair(
        lambda: sweep(database.transaction, now=idle_at, tz=TZ), lambda: bare_query(idle_at), repeat
    )
    read_sweep, read_bare = median_pair(locked_reads, lambda: bare_query(NOW), repeat)
    assert locked_reads() == bare_query(NOW) == due

    began = time.perf_counter()
    result = sweep(database.transaction, now=NOW, tz=TZ, worker="bench")
    full = time.perf_counter() - began
    with database.transaction() as session:
        firings = session.scalar(select(func.count()).select_from(SlaFiring))
        distinct = session.scalar(
            select(func.count()).select_from(
                select(SlaFiring.timer_id, SlaFiring.step_key).distinct().subquery()
            )
        )
        left = session.scalar(
            select(func.count()).select_from(SlaTimer).where(SlaTimer.next_step_at <= NOW)
        )
    assert firings == distinct == len(result.fired) == 2 * due, (
        firings,
        distinct,
        len(result.fired),
    )
    assert left == 0 and not result.problems, (left, result.problems)

    print()
    print(
        f"| PostgreSQL, {rows:,} timer rows, {due:,} due | sweep ms | bare indexed query ms | ratio |"
    )
    print("|---|---:|---:|---:|")
    print(
        f"| idle sweep (nothing due) | {idle_sweep * 1000:.2f} | {idle_bare * 1000:.2f} | {idle_sweep / idle_bare:.2f} |"
    )
    print(
        f"| sweep's locked batched read of the due rows | {read_sweep * 1000:.2f} | {read_bare * 1000:.2f} | {read_sweep / read_bare:.2f} |"
    )
    print(
        f"| full sweep: {len(result.fired):,} steps fired once each (notifications) | "
        f"{full * 1000:.0f} | {read_bare * 1000:.2f} | {full / read_bare:.0f} |"
    )
    print(f"({full / len(result.fired) * 1000:.2f} ms per fired step, actions included)")
    database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    made = postgres_database()
    if made is None:
        print("(sweep skipped: set SERVICEKIT_BENCH_POSTGRES_URL)", file=sys.stderr)
        return 0
    url, drop = made
    try:
        with tempfile.TemporaryDirectory() as folder:
            run(url, Path(folder), args.rows, args.due, args.repeat)
    finally:
        drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
