"""Ordinary edits of a running work order obey the current node's field rights."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from servicekit.runtime.forms import Context, RecordInvalid, load_form_runtime
from servicekit.runtime.forms.permissions import Actor
from tests.runtime.workflow.conftest import APP, Shop
from tests.runtime.workflow.test_walk import to_service


def _edit(shop: Shop, login: str | None, record_id: int, **values: Any) -> Any:
    with shop.db.transaction() as session:
        runtime = load_form_runtime(session, APP, "work_order")
        actor = shop.actor(session, login) if login else Actor(id=None, is_admin=True)
        current = runtime.store.get(session, record_id)
        return runtime.store.update(
            session,
            record_id,
            values,
            Context(now=shop.clock.now(), tz=shop.tz, user=dict(actor.rule_user)),
            expected_version=current.version,
            actor_id=actor.id,
            actor=actor,
        )


def test_the_engineer_edits_what_the_on_site_step_allows_and_nothing_else(shop: Shop) -> None:
    record_id = to_service(shop)
    saved = _edit(shop, "eng_a", record_id, labor_cost=Decimal("80.00"))
    assert saved.values["labor_cost"] == Decimal("80.00")
    with pytest.raises(RecordInvalid) as refused:
        _edit(shop, "eng_a", record_id, description="改过的描述", satisfaction="5")
    assert {error.field for error in refused.value.errors} == {"description", "satisfaction"}
    assert all(error.params.get("node") for error in refused.value.errors)
    assert shop.record(record_id).values["description"] == "空调不制冷"


def test_someone_without_a_task_may_change_nothing_while_it_runs(shop: Shop) -> None:
    record_id = to_service(shop)
    with pytest.raises(RecordInvalid) as refused:
        _edit(shop, "agent1", record_id, description="客服改的")
    assert [error.field for error in refused.value.errors] == ["description"]
    # Unchanged values posted back (as a full form does) are not changes.
    same = shop.record(record_id).values["description"]
    assert _edit(shop, "agent1", record_id, description=same).values["description"] == same


def test_admins_repair_data_at_any_step(shop: Shop) -> None:
    record_id = to_service(shop)
    assert (
        _edit(shop, None, record_id, description="管理员更正").values["description"] == "管理员更正"
    )
