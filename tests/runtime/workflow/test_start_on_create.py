"""Starting the workflow of a record just created reuses what the creator already loaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from servicekit.runtime.forms import Context, load_form_runtime
from tests.runtime.workflow.conftest import APP, Shop


def test_the_workflow_starts_on_create_without_looking_the_form_up_again(shop: Shop) -> None:
    shop.create()  # the first creation builds the workflow's runtime
    customer = shop.customer()
    lookups: list[Any] = []

    def seen(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if "metadata_documents" in statement:
            lookups.append(parameters)

    with shop.db.transaction() as session:
        runtime = load_form_runtime(session, APP, "work_order")
        actor = shop.actor(session, "agent1")
        values = {"customer": customer, "fault_type": "electrical", "priority": "normal"}
        event.listen(shop.db.engine, "before_cursor_execute", seen)
        try:
            record = runtime.store.create(
                session,
                {**values, "description": "空调不制冷"},
                Context(now=shop.clock.now(), tz=shop.tz, user=dict(actor.rule_user)),
                actor_id=actor.id,
            )
        finally:
            event.remove(shop.db.engine, "before_cursor_execute", seen)
    # The published workflows are still read (one may have been published meanwhile), but
    # not the app's forms: the creator's record store already is the current form.
    kinds = [kind for params in lookups for kind in ("form", "workflow") if kind in repr(params)]
    assert kinds == ["workflow"]
    assert shop.tasks(record.id) == [("accept", None, "role:agent")]
