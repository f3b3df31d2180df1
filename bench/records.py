"""Benchmark: record lists and saves through ServiceKit against hand-written equivalents.

    python bench/records.py [--rows 1000000] [--db sqlite|postgresql|both] [--repeat 7]

For each database it fills the after-sales work-order table with ``--rows`` records, then
times, interleaved and in the same process, each ServiceKit path against its baseline:

  list-first   the list query ServiceKit builds (filter on the indexed ``priority`` select,
               newest first, 50 rows) vs the same query written by hand in SQL
  list-deep    the same, 10,000 rows deep through the cursor vs a hand-written keyset query
  create       RecordStore.create (validate, formulas, number, insert, event row, and the
               work order's workflow started by the store's created hook) vs the same rows
               written by hand (bench/hand_records.py); both sides' rows are compared first
  list-page    the whole list page request (signed in, filter on priority, 25 rows) vs a
               hand-written Flask view running the hand-written query and rendering a table;
               once more with that table inside ServiceKit's page layout (navbar, apps)
  form-post    the whole new-work-order form POST (CSRF, read, validate, number, insert,
               event, redirect) vs a hand-written Flask + SQLAlchemy endpoint doing the same

Both sides must return the same rows. It prints the median time of each and the ratio
(ServiceKit / baseline); the target is at most 1.5. PostgreSQL needs
SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL) with a role that may create
databases. Results belong in docs/performance.md.
"""

from __future__ import annotations

import os
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

from bench import hand_list  # noqa: E402
from bench.common import database_arguments, median_pair, run_on_databases  # noqa: E402
from bench.hand_records import hand_create, order_values, writes_of  # noqa: E402
from servicekit import create_app  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
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


def _servicekit_create(app: Any, customer: int) -> int:
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        return runtime.store.create(
            session, order_values(customer), Context(now=clock.now(), tz=TZ), actor_id=None
        ).id


def _hand_create(app: Any, customer: int, actor_id: int | None = None) -> int:
    with get_db(app).transaction() as session:
        now = app.extensions["servicekit.clock"].now()
        return hand_create(session, customer, actor_id=actor_id, now=now, tz=TZ)


def _same_writes(app: Any, name: str, ours: int, theirs: int) -> None:
    """Stop unless both creations wrote the same rows (ids and times aside)."""
    with get_db(app).sessions() as session:
        mine, hand = writes_of(session, ours), writes_of(session, theirs)
    if mine != hand:
        raise SystemExit(
            f"{name}: ServiceKit and the baseline wrote different rows:\n{mine}\n{hand}"
        )


# Reference only: the rows' raw values in a bare table, no joins, labels, zones or layout.
_RAW_TEMPLATE = (
    "<!doctype html><title>Work orders</title><table>{% for row in rows %}<tr>"
    '<td><a href="/r/{{ row.id }}">{{ row.number }}</a></td><td>{{ row.priority }}</td>'
    "<td>{{ row.fault_type }}</td><td>{{ row.description }}</td>"
    "<td>{{ row.created_at }}</td></tr>{% endfor %}</table>"
)


def _add_baseline_views(app: Any) -> None:
    """Hand-written Flask views: the baselines of the whole-request comparisons."""
    from flask import redirect, render_template
    from flask import request as flask_request
    from flask_babel import get_locale
    from flask_login import current_user

    from servicekit.platform.db import get_session

    # Compiled once, as Flask keeps a template file it has loaded (render_template_string
    # would compile the template again on every request and slow the baseline).
    raw = app.jinja_env.from_string(_RAW_TEMPLATE)
    page = app.jinja_env.from_string(hand_list.TEMPLATE)

    def tables(session: Any) -> dict[str, Any]:
        forms = ("work_order", "customer", "equipment")
        return {key: load_form_runtime(session, "after_sales", key).source.table for key in forms}

    @app.get("/bench/list")
    def bench_list() -> str:
        table = tables(get_session())["work_order"]
        rows = get_session().execute(
            select(table)
            .where(table.c.deleted.is_(False), table.c.priority == "urgent")
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(25)
        )
        return render_template(raw, rows=rows.mappings().all())

    @app.get("/bench/list-page")
    def bench_list_page() -> str:
        session = get_session()
        tz = ZoneInfo(current_user.timezone or app.config["SERVICEKIT_TIMEZONE"])
        shown = hand_list.urgent_orders(
            session,
            tables(session),
            str(get_locale()),
            tz,
            count=flask_request.args.get("count") != "0",
        )
        return render_template(page, **shown)

    @app.post("/bench/new")
    def bench_new() -> Any:
        customer = int(flask_request.form["f-customer"])
        if not flask_request.form.get("f-description"):
            return "description required", 422
        record_id = _hand_create(app, customer, current_user.id)
        return redirect(f"/bench/records/{record_id}")


def _cells_in(html: str) -> list[list[str]]:
    """The text of every body cell of the page's record table, row by row."""
    import re
    from html import unescape

    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1) if body else "", re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


def _count_in(html: str) -> str:
    import re

    found = re.search(r'id="record-count">([^<]*)<', html)
    return " ".join(found.group(1).split()) if found else ""


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
    # Page reads write nothing and take milliseconds: more of them steady the medians on a
    # shared machine, where a burst of other work can land on a few of seven.
    reads = repeat * 5
    ours_url = "/apps/after_sales/forms/work_order?ff=priority&fo=eq&fv=urgent"
    ours_page = client.get(ours_url).get_data(as_text=True)
    hand_page = client.get("/bench/list-page").get_data(as_text=True)
    if not _cells_in(ours_page) or _cells_in(ours_page) != _cells_in(hand_page):
        raise SystemExit("list-page: ServiceKit and the hand-written page show different cells")
    if _count_in(ours_page) != _count_in(hand_page):
        raise SystemExit(
            f"list-page: counts differ ({_count_in(ours_page)!r}, {_count_in(hand_page)!r})"
        )
    raw_numbers = _numbers_in(client.get("/bench/list").get_data(as_text=True))
    if _numbers_in(ours_page) != raw_numbers:
        raise SystemExit("list-page: ServiceKit and /bench/list show different rows")
    listing = median_pair(
        lambda: client.get(ours_url), lambda: client.get("/bench/list-page"), reads
    )
    if _cells_in(client.get("/bench/list-page?count=0").get_data(as_text=True)) != _cells_in(
        ours_page
    ):
        raise SystemExit("list-page: the page without its count line shows other cells")
    uncounted = median_pair(
        lambda: client.get(ours_url), lambda: client.get("/bench/list-page?count=0"), reads
    )
    raw = median_pair(lambda: client.get(ours_url), lambda: client.get("/bench/list"), reads)

    token = _csrf(client.get("/apps/after_sales/forms/work_order/new").get_data(as_text=True))
    fields = {
        "f-customer": str(customer),
        "f-fault_type": "electrical",
        "f-priority": "high",
        "f-description": "压缩机不启动",
        "f-labor_cost": "120.00",
        "csrf_token": token,
    }

    def post(url: str) -> int:
        reply = client.post(url, data=fields)
        if reply.status_code not in (302, 303):
            raise SystemExit(f"form-post: {url} answered {reply.status_code}")
        return int(reply.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    ours, theirs = post("/apps/after_sales/forms/work_order/new"), post("/bench/new")
    _same_writes(app, "form-post", ours, theirs)

    posting = median_pair(
        lambda: post("/apps/after_sales/forms/work_order/new"),
        lambda: post("/bench/new"),
        repeat,
    )
    return [
        ("list-page", *listing),
        ("list-page (reference: same cells, no count line)", *uncounted),
        ("list-page (reference: raw values in a bare table)", *raw),
        ("form-post", *posting),
    ]


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
    _same_writes(app, "create", _servicekit_create(app, customer), _hand_create(app, customer))
    a, b = median_pair(
        lambda: _servicekit_create(app, customer), lambda: _hand_create(app, customer), repeat
    )
    results.append(("create", a, b))
    results += _whole_requests(app, customer, repeat)
    # The machine may be shared: say how busy it was, since the times depend on it.
    one, five, fifteen = os.getloadavg()
    print(f"  load average {one:.1f} {five:.1f} {fifteen:.1f}", file=sys.stderr, flush=True)
    get_db(app).dispose()
    return results


def main() -> None:
    args = database_arguments(__doc__.split("\n\n")[0], repeat=7).parse_args()
    run_on_databases(run, args, baseline="baseline")


if __name__ == "__main__":
    main()
