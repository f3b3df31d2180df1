"""Benchmark: record lists and saves through ServiceKit against hand-written equivalents.

    python bench/records.py [--rows 1000000] [--db sqlite|postgresql|both] [--repeat 7]

For each database it fills the after-sales work-order table with ``--rows`` records, then
times, interleaved and in the same process, each ServiceKit path against its baseline:

  list-first   the list query ServiceKit builds (filter on the indexed ``priority`` select,
               newest first, 50 rows) vs the same query written by hand in SQL
  list-deep    the same, 10,000 rows deep through the cursor vs a hand-written keyset query
  create       RecordStore.create (validate, formulas, number, insert, event row) vs a
               hand-written SQLAlchemy insert of the same row, number and event
  list-page    the whole list page request (signed in, filter on priority, 25 rows) vs a
               hand-written Flask view running the hand-written query and rendering a table
  form-post    the whole new-work-order form POST (CSRF, read, validate, number, insert,
               event, redirect) vs a hand-written Flask + SQLAlchemy endpoint doing the same

Both sides must return the same rows. It prints the median time of each and the ratio
(ServiceKit / baseline); the target is at most 1.5. PostgreSQL needs
SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL) with a role that may create
databases. Results belong in docs/performance.md.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import database_arguments, median_pair, run_on_databases  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.models import Event  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.platform.storage import next_number  # noqa: E402
from servicekit.runtime.forms import Actor, Context, form_access, load_form_runtime  # noqa: E402
from servicekit.runtime.forms.query import ListRequest, _encode_cursor, list_records  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = Actor(id=None, is_admin=True, rule_user={"id": None, "roles": []})
PRIORITIES = ["urgent"] + ["high"] * 3 + ["normal"] * 8
FAULTS = ["electrical", "mechanical", "software", "installation", "maintenance"]


def _fill(app: Any, rows: int) -> None:
    """Bulk-load ``rows`` work orders (plain inserts: this is set-up, not measured)."""
    rng = random.Random(7)
    with get_db(app).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        table = runtime.source.table
        customers = session.scalars(select(runtime.source.lookup("customer").table.c.id)).all()
        existing = session.scalar(select(func.count()).select_from(table)) or 0
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch: list[dict[str, Any]] = []
    engine = get_db(app).engine
    for index in range(existing, rows):
        moment = start + timedelta(seconds=index * 60)
        batch.append(
            {
                "number": f"BENCH-{index:08d}",
                "customer": rng.choice(customers),
                "fault_type": rng.choice(FAULTS),
                "priority": rng.choice(PRIORITIES),
                "description": f"故障描述 {index}",
                "labor_cost": Decimal(rng.randint(0, 900)),
                "total_cost": None,
                "created_at": moment,
                "updated_at": moment,
                "version": 1,
                "deleted": False,
            }
        )
        if len(batch) == 20_000:
            with engine.begin() as connection:
                connection.execute(table.insert(), batch)
            batch.clear()
    if batch:
        with engine.begin() as connection:
            connection.execute(table.insert(), batch)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"ANALYZE {table.name}")
        else:
            connection.exec_driver_sql("ANALYZE")


def _hand_list(app: Any, cursor: tuple[datetime, int] | None) -> list[int]:
    """The baseline: the list query written by hand."""
    with get_db(app).sessions() as session:
        table = load_form_runtime(session, "after_sales", "work_order").source.table
        sql = (
            f"SELECT * FROM {table.name} WHERE deleted = :no AND priority = :p "
            + ("AND (created_at < :c OR (created_at = :c AND id < :i)) " if cursor else "")
            + "ORDER BY created_at DESC, id DESC LIMIT 51"
        )
        params: dict[str, Any] = {"no": False, "p": "urgent"}
        if cursor:
            params.update(
                c=table.c.created_at.type.process_bind_param(cursor[0], session.get_bind().dialect),
                i=cursor[1],
            )
        rows = session.execute(text(sql), params).mappings().all()
        page = [dict(row) for row in rows[:50]]
        return [row["id"] for row in page]


def _servicekit_list(app: Any, cursor: tuple[datetime, int] | None) -> list[int]:
    clock = app.extensions["servicekit.clock"]
    with get_db(app).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        access = form_access(runtime.form, ADMIN)
        request = ListRequest(
            filter='priority = "urgent"',
            sort="created_at",
            descending=True,
            limit=50,
            cursor=_encode_cursor(*cursor) if cursor else None,
        )
        page = list_records(session, runtime, access, request, now=clock.now(), tz=TZ)
        return [row["id"] for row in page.rows]


def _deep_cursor(app: Any) -> tuple[datetime, int]:
    with get_db(app).sessions() as session:
        table = load_form_runtime(session, "after_sales", "work_order").source.table
        matching = (table.c.deleted.is_(False), table.c.priority == "urgent")
        total = session.scalar(select(func.count()).select_from(table).where(*matching)) or 0
        # 10,000 rows deep, or half-way down a smaller table.
        depth = min(10_000, total // 2)
        row = session.execute(
            select(table.c.created_at, table.c.id)
            .where(*matching)
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .offset(depth - 1)
            .limit(1)
        ).one()
        return row.created_at, row.id


def _values(customer: int) -> dict[str, Any]:
    return {
        "customer": customer,
        "fault_type": "electrical",
        "priority": "high",
        "description": "压缩机不启动",
        "labor_cost": Decimal("120.00"),
    }


def _servicekit_create(app: Any, customer: int) -> None:
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        runtime.store.create(
            session, _values(customer), Context(now=clock.now(), tz=TZ), actor_id=None
        )


def _hand_create(app: Any, customer: int) -> None:
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        table = runtime.source.table
        values = _values(customer)
        if values["labor_cost"] < 0 or not values["description"]:
            raise ValueError("invalid")
        now = clock.now()
        number = next_number(
            session, "after_sales.work_order", runtime.form.numbering or {}, now.astimezone(TZ)
        )
        record_id = session.execute(
            table.insert().values(
                **values,
                total_cost=values["labor_cost"],
                number=number,
                created_at=now,
                updated_at=now,
                version=1,
                deleted=False,
            )
        ).inserted_primary_key[0]
        session.add(
            Event(
                app_key="after_sales",
                form_key="work_order",
                record_id=record_id,
                kind="record.created",
                at=now,
                changes={"version": 1, "fields": {k: [None, str(v)] for k, v in values.items()}},
            )
        )


_ROW_TEMPLATE = (
    "<!doctype html><title>Work orders</title><table>{% for row in rows %}<tr>"
    '<td><a href="/r/{{ row.id }}">{{ row.number }}</a></td><td>{{ row.priority }}</td>'
    "<td>{{ row.fault_type }}</td><td>{{ row.description }}</td>"
    "<td>{{ row.created_at }}</td></tr>{% endfor %}</table>"
)


def _add_baseline_views(app: Any) -> None:
    """Hand-written Flask views: the baselines of the whole-request comparisons."""
    from flask import redirect, render_template_string
    from flask import request as flask_request

    from servicekit.platform.db import get_session

    @app.get("/bench/list")
    def bench_list() -> str:
        session = get_session()
        table = load_form_runtime(session, "after_sales", "work_order").source.table
        rows = (
            session.execute(
                select(table)
                .where(table.c.deleted.is_(False), table.c.priority == "urgent")
                .order_by(table.c.created_at.desc(), table.c.id.desc())
                .limit(25)
            )
            .mappings()
            .all()
        )
        return render_template_string(_ROW_TEMPLATE, rows=rows)

    @app.post("/bench/new")
    def bench_new() -> Any:
        customer = int(flask_request.form["f-customer"])
        if not flask_request.form.get("f-description"):
            return "description required", 422
        _hand_create(app, customer)
        return redirect("/bench/list")


def _numbers_in(html: str) -> list[str]:
    import re

    return re.findall(r">((?:WO|BENCH)-[0-9-]+)<", html)


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    if not found:
        raise SystemExit("bench: no CSRF token on the page")
    return found.group(1)


def _signed_in_client(app: Any) -> Any:
    from servicekit.platform.accounts import create_user

    with get_db(app).transaction() as session:
        create_user(
            session,
            login="bench",
            display_name="Bench",
            password="bench-password-1",
            platform_roles=("admin",),
            now=app.extensions["servicekit.clock"].now(),
        )
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    reply = client.post(
        "/login", data={"login": "bench", "password": "bench-password-1", "csrf_token": token}
    )
    if reply.status_code not in (302, 303):
        raise SystemExit("bench: could not sign in")
    return client


def _whole_requests(app: Any, customer: int, repeat: int) -> list[tuple[str, float, float]]:
    client = _signed_in_client(app)
    ours_url = "/apps/after_sales/forms/work_order?ff=priority&fo=eq&fv=urgent"
    page_numbers = _numbers_in(client.get(ours_url).get_data(as_text=True))
    hand_numbers = _numbers_in(client.get("/bench/list").get_data(as_text=True))
    if not page_numbers or page_numbers != hand_numbers:
        raise SystemExit("list-page: ServiceKit and the baseline show different rows")
    listing = median_pair(lambda: client.get(ours_url), lambda: client.get("/bench/list"), repeat)

    token = _csrf(client.get("/apps/after_sales/forms/work_order/new").get_data(as_text=True))
    fields = {
        "f-customer": str(customer),
        "f-fault_type": "electrical",
        "f-priority": "high",
        "f-description": "压缩机不启动",
        "f-labor_cost": "120.00",
        "csrf_token": token,
    }

    def post(url: str) -> None:
        reply = client.post(url, data=fields)
        if reply.status_code not in (302, 303):
            raise SystemExit(f"form-post: {url} answered {reply.status_code}")

    posting = median_pair(
        lambda: post("/apps/after_sales/forms/work_order/new"),
        lambda: post("/bench/new"),
        repeat,
    )
    return [("list-page", *listing), ("form-post", *posting)]


def run(url: str, rows: int, repeat: int, instance: Path) -> list[tuple[str, float, float]]:
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": str(instance),
            "SERVICEKIT_SECRET_KEY": "bench",
            "SERVICEKIT_ASSETS": "local",
        }
    )
    _add_baseline_views(app)
    upgrade_database(app)
    with get_db(app).transaction() as session:
        install_package(
            session,
            ROOT / "sample_apps" / "after_sales",
            get_registry(app),
            now=app.extensions["servicekit.clock"].now(),
            tz=TZ,
        )
    started = time.perf_counter()
    _fill(app, rows)
    print(f"  loaded {rows:,} work orders in {time.perf_counter() - started:.0f} s", flush=True)
    results = []
    for name, cursor in (("list-first", None), ("list-deep", _deep_cursor(app))):
        ours, theirs = _servicekit_list(app, cursor), _hand_list(app, cursor)
        if ours != theirs:
            raise SystemExit(f"{name}: ServiceKit and the baseline disagree")
        a, b = median_pair(
            lambda c=cursor: _servicekit_list(app, c), lambda c=cursor: _hand_list(app, c), repeat
        )
        results.append((name, a, b))
    with get_db(app).sessions() as session:
        customer = session.scalar(
            select(load_form_runtime(session, "after_sales", "customer").source.table.c.id).limit(1)
        )
    a, b = median_pair(
        lambda: _servicekit_create(app, customer), lambda: _hand_create(app, customer), repeat
    )
    results.append(("create", a, b))
    results += _whole_requests(app, customer, repeat)
    get_db(app).dispose()
    return results


def main() -> None:
    args = database_arguments(__doc__.split("\n\n")[0], repeat=7).parse_args()
    run_on_databases(run, args, baseline="baseline")


if __name__ == "__main__":
    main()
