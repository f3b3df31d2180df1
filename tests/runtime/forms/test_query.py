"""Record lists: scope, filter, search, sort with nulls last, and cursor pages."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.db import get_db
from servicekit.runtime.forms import Actor, form_access, load_form_runtime
from servicekit.runtime.forms.query import ListRequest, QueryError, count_records, list_records
from tests.platform.packages.conftest import SAMPLE_APP, install, seed_rows

TZ = ZoneInfo("Asia/Shanghai")
ADMIN = Actor(id=None, is_admin=True)


@pytest.fixture
def orders(app):  # type: ignore[no-untyped-def]
    install(app, SAMPLE_APP)
    return app


def _all_pages(app, request: ListRequest, actor: Actor = ADMIN) -> list[dict]:  # type: ignore[no-untyped-def]
    now = app.extensions["servicekit.clock"].now()
    rows: list[dict] = []
    with get_db(app).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        access = form_access(runtime.form, actor)
        while True:
            page = list_records(session, runtime, access, request, now=now, tz=TZ)
            rows += page.rows
            if not page.next_cursor:
                return rows
            request.cursor = page.next_cursor


def test_cursor_pages_visit_every_row_once_in_order(orders) -> None:
    rows = _all_pages(orders, ListRequest(sort="number", descending=False, limit=37))
    numbers = [row["number"] for row in rows]
    assert len(numbers) == len(seed_rows(SAMPLE_APP, "work_order"))
    assert numbers == sorted(numbers)


def test_decimal_sort_is_numeric_with_nulls_last(orders) -> None:
    rows = _all_pages(orders, ListRequest(sort="total_cost", descending=True, limit=50))
    costs = [row["total_cost"] for row in rows]
    filled = [c for c in costs if c is not None]
    assert filled == sorted(filled, reverse=True)
    assert costs[: len(filled)] == filled  # nulls after every number
    assert isinstance(filled[0], Decimal) and filled[0] > Decimal("1000")


def test_filter_and_search_narrow_the_list(orders) -> None:
    urgent = _all_pages(orders, ListRequest(filter='priority = "urgent"', limit=500))
    assert urgent and all(row["priority"] == "urgent" for row in urgent)
    found = _all_pages(orders, ListRequest(search="泵体", limit=500))
    assert found and all("泵体" in row["description"] for row in found)
    with get_db(orders).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")

        def count(cap: int | None = None) -> int:
            return count_records(
                session,
                runtime,
                form_access(runtime.form, ADMIN),
                ListRequest(filter='priority = "urgent"'),
                now=orders.extensions["servicekit.clock"].now(),
                tz=TZ,
                cap=cap,
            )

        total, short, enough = count(), count(cap=len(urgent) - 2), count(cap=len(urgent))
    assert total == len(urgent)
    # A capped count stops one past the cap ("more than ..."), and is exact below it.
    assert short == len(urgent) - 1 and enough == len(urgent)


def test_search_escapes_like_wildcards(orders) -> None:
    assert _all_pages(orders, ListRequest(search="%")) == []


def test_engineers_see_only_their_orders(orders) -> None:
    engineer = Actor(id=999, roles=frozenset({"engineer"}), rule_user={"id": 999})
    assert _all_pages(orders, ListRequest(), engineer) == []


def test_a_broken_filter_or_cursor_is_a_clear_error(orders) -> None:
    with pytest.raises(QueryError) as caught:
        _all_pages(orders, ListRequest(filter="prioriti = 1"))
    assert caught.value.problems and "prioriti" in str(caught.value)
    with pytest.raises(QueryError, match="cursor"):
        _all_pages(orders, ListRequest(cursor="not-a-cursor"))
    with pytest.raises(QueryError, match="sort"):
        _all_pages(orders, ListRequest(sort="photos"))


def test_a_page_can_carry_its_count_and_lookup_targets(orders) -> None:
    """The list page asks for one statement: its rows, the matches counted, target titles."""
    urgent = _all_pages(orders, ListRequest(filter='priority = "urgent"', limit=500))
    now = orders.extensions["servicekit.clock"].now()
    with get_db(orders).sessions() as session:
        runtime = load_form_runtime(session, "after_sales", "work_order")
        access = form_access(runtime.form, ADMIN)

        def page(**asked) -> object:  # type: ignore[no-untyped-def]
            request = ListRequest(filter='priority = "urgent"', limit=5, count=True, **asked)
            return list_records(session, runtime, access, request, now=now, tz=TZ)

        first = page(lookup_columns={"customer": ("id", "name")})
        capped = page(count_cap=len(urgent) - 2)
        # Past the last match no row carries the count, and it is still given.
        beyond = page(cursor=_all_pages_cursor_after_last(orders))
        customers = runtime.source.lookup("customer").table
        names = dict(
            session.execute(
                customers.select().with_only_columns(customers.c.id, customers.c.name)
            ).all()
        )
    assert first.total == len(urgent) and len(first.rows) == 5
    assert capped.total == len(urgent) - 1
    assert beyond.rows == [] and beyond.total == len(urgent)
    shown = {row["customer"] for row in first.rows if row["customer"] is not None}
    assert shown and set(first.targets["customer"]) == shown
    for customer_id, values in first.targets["customer"].items():
        assert values == {"id": customer_id, "name": names[customer_id]}


def _all_pages_cursor_after_last(app) -> str:  # type: ignore[no-untyped-def]
    from servicekit.runtime.forms.query import _encode_cursor

    last = _all_pages(app, ListRequest(filter='priority = "urgent"', limit=500))[-1]
    return _encode_cursor(last["created_at"], last["id"])
