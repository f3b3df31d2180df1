"""Acceptance 2 (engine): aggregates cover only readable records; hidden fields are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicekit.runtime.forms import Actor
from servicekit.runtime.reports import ReportRefused
from tests.runtime.reports.conftest import World

TOTALS = {"measures": [{"key": "n"}, {"key": "cost", "aggregate": "sum", "field": "cost"}]}


def _expected(rows: list[dict]) -> tuple[int, Decimal]:  # type: ignore[type-arg]
    return len(rows), sum((r["cost"] for r in rows if r["cost"] is not None), Decimal(0))


def test_readers_with_different_scopes_see_different_totals(world: World) -> None:
    desk = world.run(TOTALS, world.actor("ann", "desk"))
    ann = world.run(TOTALS, world.actor("ann", "field"))
    bob = world.run(TOTALS, world.actor("bob", "field"))
    assert desk.rows[0].values == _expected(world.jobs)
    assert ann.rows[0].values == _expected(
        [r for r in world.jobs if r["engineer"] == world.users["ann"]]
    )
    assert bob.rows[0].values == _expected(
        [r for r in world.jobs if r["engineer"] == world.users["bob"]]
    )
    assert ann.rows[0].values != bob.rows[0].values != desk.rows[0].values


def test_someone_without_read_rights_sees_nothing(world: World) -> None:
    stranger = Actor(id=world.users["cai"], roles=frozenset({"visitor"}))
    result = world.run(TOTALS, stranger)
    assert result.rows[0].values == (0, Decimal("0.00"))


@pytest.mark.parametrize(
    "body",
    [
        {"dimensions": [{"field": "secret"}], "measures": [{"key": "n"}]},
        {"measures": [{"key": "m", "aggregate": "sum", "field": "secret"}]},
        {"measures": [{"key": "m", "aggregate": "count", "field": "secret"}]},
    ],
)
def test_a_hidden_field_is_refused_as_dimension_or_measure(world: World, body: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ReportRefused) as refused:
        world.run(body, world.actor("ann", "field"))
    assert "secret" in str(refused.value)
    # The same report runs for a reader who may see the field.
    assert world.run(body, world.actor("ann", "desk")).rows


def test_a_shared_select_filter_on_a_hidden_field_is_refused(world: World) -> None:
    from servicekit.runtime.reports import PageFilters

    with pytest.raises(ReportRefused):
        world.run(
            TOTALS, world.actor("ann", "field"), filters=PageFilters(selects=(("note", "a"),))
        )
