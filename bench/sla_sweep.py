"""The escalation sweep over 1,000,000 timer rows on PostgreSQL, against a hand-written sweep.

Run by ``python bench/sla.py`` (or alone: ``python bench/sla_sweep.py --rows 1000000
--due 1000``). It installs the after-sales app in a throw-away PostgreSQL database, adds
``--rows`` timer rows of which ``--due`` are due now (their steps fire: warnings and
escalations that notify the app's staff) and the rest are closed or due later, then:

1. prints the EXPLAIN of the sweep's read, which must be an index scan on
   ``ix_sla_timers_sweep`` reading only due rows;
2. times an idle sweep (nothing due) against a hand-written idle sweep (the same locked
   reads of due timers and held notifications in one transaction), interleaved;
3. times the sweep's locked, batched read of the due rows against the same batches read
   by hand with the bare indexed query (rolled back, so the rows stay due), interleaved;
4. times the full sweep firing every due step once against ``hand_sweep``, SQL written
   for this one ladder that writes the same rows (firings, notifications, breach notes,
   timer updates) with one statement of each per batch; each run starts from the same
   rows, and the two must leave identical rows behind.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import median_pair, postgres_database  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.accounts.passwords import hash_password  # noqa: E402
from servicekit.platform.accounts.users import grant_app_role  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.models import User  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.runtime.sla import builtin_calendar  # noqa: E402
from servicekit.runtime.sla.business_time import due  # noqa: E402
from servicekit.runtime.sla.sweep import BATCH, DueTimer, due_timers_query, sweep  # noqa: E402

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


# The hand-written sweep the ServiceKit sweep is held against: the same predicate, lock and
# batches, and the same rows written, by SQL written for this one ladder (the urgent
# response ladder: notify at 80 % and 100 %, the 150 % step later) with nothing looked up
# per row. It is what a sweep for one known policy would run at best.
_HAND_READ = text(
    "SELECT id, record_id, due_at, elapsed_seconds, target_seconds, counted_at "
    "FROM sla_timers WHERE state IN ('running', 'breached') AND next_step_at <= :now "
    "ORDER BY next_step_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_HAND_HELD = text(
    "SELECT id, detail FROM sla_firings WHERE state = 'held' AND deliver_at <= :now "
    "ORDER BY deliver_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_HAND_CLAIM = text(
    "INSERT INTO sla_firings (timer_id, step_key, scheduled_at, fired_at, state, worker, detail) "
    "SELECT t, s, a, :now, 'done', 'hand', CAST(d AS jsonb) FROM unnest(CAST(:t AS bigint[]), "
    "CAST(:s AS text[]), CAST(:a AS timestamptz[]), CAST(:d AS text[])) AS u(t, s, a, d) "
    "ON CONFLICT (timer_id, step_key) DO NOTHING RETURNING timer_id, step_key"
)
_HAND_NOTIFY = text(
    "INSERT INTO notifications (user_id, title, body, link, created_at) "
    "SELECT * FROM unnest(CAST(:u AS int[]), CAST(:t AS text[]), CAST(:b AS text[]), "
    "CAST(:l AS text[]), CAST(:c AS timestamptz[]))"
)
_HAND_BREACH_NOTES = text(
    "INSERT INTO sla_timer_events (timer_id, position, at, kind) "
    "SELECT t.id, COALESCE((SELECT max(e.position) + 1 FROM sla_timer_events e "
    "WHERE e.timer_id = t.id), 0), t.due_at, 'breached' FROM sla_timers t "
    "WHERE t.id = ANY(:ids) AND t.breached_at IS NULL AND t.due_at < :now"
)
_HAND_UPDATE = text(
    "UPDATE sla_timers t SET state = 'breached', breached_at = t.due_at, "
    "breach_seconds = GREATEST(t.elapsed_seconds - t.target_seconds, 0), updated_at = :now, "
    "next_step_at = u.n FROM unnest(CAST(:ids AS bigint[]), CAST(:n AS timestamptz[])) "
    "AS u(i, n) WHERE t.id = u.i"
)
_STEPS = (
    ("warn", 80, "预警 / Warning", "即将超过响应时限 / response due soon", ("disp", "sup")),
    (
        "director",
        100,
        "升级至服务总监 / To the service director",
        "响应已超时 / response overdue",
        ("dir",),
    ),
)
_RESET = (
    "DELETE FROM notifications",
    "DELETE FROM sla_firings",
    "DELETE FROM sla_timer_events",
    "UPDATE sla_timers SET state = 'running', breached_at = NULL, breach_seconds = NULL, "
    "next_step_at = :now - interval '10 minutes', updated_at = :now WHERE record_id < 1000000",
)


def hand_sweep(database: Any, now: datetime, batch: int = BATCH) -> int:
    """The hand-written sweep; returns the steps it fired."""
    calendar = builtin_calendar("cn_mainland")
    fired = 0
    with database.engine.connect() as connection:
        staff = dict(connection.execute(select(User.login, User.id)).all())
        connection.commit()
        while True:
            with connection.begin():
                rows = connection.execute(_HAND_READ, {"now": now, "limit": batch}).all()
                if rows:
                    fired += _hand_batch(connection, rows, staff, calendar, now)
                if len(rows) < batch:
                    connection.execute(_HAND_HELD, {"now": now, "limit": batch}).all()
                    return fired


def _hand_batch(
    connection: Any, rows: list[Any], staff: dict[str, int], calendar: Any, now: datetime
) -> int:
    ids = [r.id for r in rows]
    numbers = dict(
        connection.execute(
            text("SELECT id, number FROM rec_after_sales_work_order WHERE id = ANY(:ids)"),
            {"ids": [r.record_id for r in rows]},
        ).all()
    )
    claim: dict[str, list[Any]] = {"t": [], "s": [], "a": [], "d": []}
    for row in rows:
        for key, _percent, _label, _body, logins in _STEPS:
            claim["t"].append(row.id)
            claim["s"].append(key)
            claim["a"].append(row.counted_at)
            claim["d"].append(
                json.dumps([{"type": "notify", "users": sorted(staff[x] for x in logins)}])
            )
    claimed = set(connection.execute(_HAND_CLAIM, {"now": now, **claim}).all())
    notes: dict[str, list[Any]] = {"u": [], "t": [], "b": [], "l": [], "c": []}
    by_id = {r.id: r for r in rows}
    for timer_id, step_key in sorted(claimed):
        row = by_id[timer_id]
        key, _percent, label, body, logins = next(s for s in _STEPS if s[0] == step_key)
        number = numbers[row.record_id]
        for user_id in sorted(staff[x] for x in logins):
            notes["u"].append(user_id)
            notes["t"].append(f"{number} SLA response: {label}")
            notes["b"].append(f"{number} {body}")
            notes["l"].append(f"/apps/after_sales/forms/work_order/records/{row.record_id}")
            notes["c"].append(now)
    connection.execute(_HAND_NOTIFY, notes)
    connection.execute(_HAND_BREACH_NOTES, {"ids": ids, "now": now})
    # The 150 % step comes next: half the target again, in working time.
    following = [
        due(calendar, r.counted_at, timedelta(seconds=r.target_seconds // 2)) for r in rows
    ]
    connection.execute(_HAND_UPDATE, {"now": now, "ids": ids, "n": following})
    return len(claimed)


def _reset(database: Any) -> None:
    """Put the due timers back as they were before any sweep, and clean up after it."""
    with database.engine.begin() as connection:
        for statement in _RESET:
            connection.execute(text(statement), {"now": NOW})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE sla_timers, sla_firings, notifications, sla_timer_events")
        )


def _outcome(database: Any) -> tuple[Any, ...]:
    """Everything a sweep wrote, to check the two sweeps did the same."""
    with database.engine.connect() as connection:
        return (
            sorted(
                connection.execute(
                    text(
                        "SELECT timer_id, step_key, state, scheduled_at, detail::text FROM sla_firings"
                    )
                ).all()
            ),
            sorted(
                connection.execute(
                    text("SELECT user_id, title, body, link FROM notifications")
                ).all()
            ),
            sorted(
                connection.execute(
                    text("SELECT timer_id, position, at, kind FROM sla_timer_events")
                ).all()
            ),
            sorted(
                connection.execute(
                    text(
                        "SELECT id, state, breached_at, breach_seconds, next_step_at FROM sla_timers "
                        "WHERE record_id < 1000000"
                    )
                ).all()
            ),
        )


def _timed(work: Any, database: Any, repeat: int) -> tuple[list[float], Any]:
    times, outcome = [], None
    for _ in range(repeat):
        _reset(database)
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
        outcome = _outcome(database)
    return times, outcome


def run(url: str, instance: Path, rows: int, due_count: int, repeat: int) -> None:
    app, database = _prepare(url, instance, rows, due_count)
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

    bare = text(
        "SELECT * FROM sla_timers WHERE state IN ('running', 'breached') "
        "AND next_step_at <= :now ORDER BY next_step_at LIMIT :limit OFFSET :offset "
        "FOR UPDATE SKIP LOCKED"
    )

    def bare_reads() -> int:
        """The same batches by hand: every column, as the driver returns them."""
        seen = 0
        with database.engine.connect() as connection:
            while True:
                params = {"now": NOW, "limit": BATCH, "offset": seen}
                batch = connection.execute(bare, params).all()
                seen += len(batch)
                if len(batch) < BATCH:
                    connection.rollback()
                    return seen

    def locked_reads() -> int:
        """The sweep's read path: its batches as timers, locked, then rolled back."""
        seen = 0
        with database.engine.connect() as connection:
            while True:
                query = due_timers_query(NOW, BATCH, lock=True).offset(seen)
                batch = [DueTimer(**r._mapping) for r in connection.execute(query)]
                seen += len(batch)
                if len(batch) < BATCH:
                    connection.rollback()
                    return seen

    idle_at = NOW - timedelta(hours=1)
    idle_sweep, idle_hand = median_pair(
        lambda: sweep(database.transaction, now=idle_at, tz=TZ),
        lambda: hand_sweep(database, idle_at),
        repeat,
    )
    read_sweep, read_bare = median_pair(locked_reads, bare_reads, repeat)
    assert locked_reads() == bare_reads() == due_count

    full_runs = max(3, repeat // 2)
    results: list[Any] = []

    def service_sweep() -> None:
        results.append(sweep(database.transaction, now=NOW, tz=TZ, worker="bench"))

    sweep_times, sweep_outcome, hand_times, hand_outcome = [], None, [], None
    for _ in range(full_runs):  # interleaved, each from the same starting rows
        times, sweep_outcome = _timed(service_sweep, database, 1)
        sweep_times += times
        times, hand_outcome = _timed(lambda: hand_sweep(database, NOW), database, 1)
        hand_times += times
    result = results[-1]
    assert len(result.fired) == 2 * due_count and not result.problems, result.problems
    # The same firings (bar the worker name), notifications, breach notes and timer rows.
    assert sweep_outcome == hand_outcome, "the two sweeps wrote different rows"
    full_sweep, full_hand = statistics.median(sweep_times), statistics.median(hand_times)

    print()
    print(
        f"| PostgreSQL, {rows:,} timer rows, {due_count:,} due | ServiceKit ms | baseline ms | ratio |"
    )
    print("|---|---:|---:|---:|")
    print(
        f"| idle sweep (nothing due) vs hand-written idle sweep | {idle_sweep * 1000:.2f} | "
        f"{idle_hand * 1000:.2f} | {idle_sweep / idle_hand:.2f} |"
    )
    print(
        f"| sweep's locked read of the due rows vs the same batches by hand | {read_sweep * 1000:.2f} | "
        f"{read_bare * 1000:.2f} | {read_sweep / read_bare:.2f} |"
    )
    print(
        f"| full sweep, {len(result.fired):,} steps fired once each, vs hand-written sweep "
        f"writing the same rows | {full_sweep * 1000:.1f} | {full_hand * 1000:.1f} | "
        f"{full_sweep / full_hand:.2f} |"
    )
    print(f"({full_sweep / len(result.fired) * 1000:.3f} ms per fired step, actions included)")
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
