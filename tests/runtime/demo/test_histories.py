"""The demo's work order histories: instances, tasks and timers for seeded work orders.

On a sample of the after-sales seed data (every twelfth work order and the open backlog at
the end), on SQLite and PostgreSQL, with the clock frozen the day after the data ends.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from servicekit.platform.db import get_db
from servicekit.platform.models import Event, SlaTimer, WorkflowInstance, WorkflowTask
from servicekit.runtime.demo import records_without_history, seed_histories
from servicekit.runtime.forms import Actor, load_app_forms
from servicekit.runtime.reports import ReportDef, Viewer, run_report
from servicekit.runtime.sla.replay import replay_record
from tests.platform.packages.conftest import SAMPLE_APP, install

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=TZ)


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    """The after-sales app with its seed data and the demo users, histories not yet written."""
    from servicekit.platform.cli.demo import _ensure_demo_users

    app.extensions["servicekit.clock"].set(NOW)
    install(app, SAMPLE_APP)
    with app.app_context():
        _ensure_demo_users("Demo-test-pass-1")
    with get_db(app).sessions() as session:
        ids = records_without_history(session)
    return app, sorted(set(ids[::12] + ids[-40:]))


def _counts(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (WorkflowInstance, WorkflowTask, Event, SlaTimer)
    )


def _sla_met(app) -> float:  # type: ignore[no-untyped-def]
    body = {
        "key": "met",
        "label": "met",
        "form": "work_order",
        "measures": [{"key": "met", "kpi": "sla_met", "label": "met"}],
    }
    with get_db(app).sessions() as session:
        forms = load_app_forms(session, "after_sales")
        viewer = Viewer(Actor(id=None, is_admin=True), NOW, TZ)
        result = run_report(session, forms, ReportDef.from_dict(body), viewer)
    return float(result.rows[0].values[0])


def test_seeded_work_orders_get_histories_whose_timers_replay_the_same(demo) -> None:  # type: ignore[no-untyped-def]
    app, sample = demo
    with get_db(app).transaction() as session:
        written = seed_histories(session, now=NOW, tz=TZ, record_ids=sample)
    assert written == len(sample)
    with get_db(app).sessions() as session:
        instances = {
            i.record_id: i
            for i in session.scalars(
                select(WorkflowInstance).where(WorkflowInstance.record_id.in_(sample))
            )
        }
        assert set(instances) == set(sample)
        closed = [i for i in instances.values() if i.state == "closed"]
        assert closed and all(i.outcome == "resolved" for i in closed)
        # The backlog at the end of the data is still being worked on, at several steps.
        open_nodes = set(
            session.scalars(
                select(WorkflowTask.node_key).where(
                    WorkflowTask.record_id.in_(sample), WorkflowTask.state == "open"
                )
            )
        )
        assert {"dispatch", "service"} <= open_nodes
        timed = set(session.scalars(select(SlaTimer.record_id).distinct()))
        assert timed == set(sample)
        states = set(session.scalars(select(SlaTimer.state).distinct()))
        assert {"met", "breached", "running"} <= states
        for record_id in sample:
            assert replay_record(session, "after_sales", "work_order", record_id, as_of=NOW) == []
    met = _sla_met(app)
    assert 75 < met < 99
    # Running the demo again finds nothing to do and changes nothing.
    with get_db(app).sessions() as session:
        before = _counts(session)
    with get_db(app).transaction() as session:
        assert seed_histories(session, now=NOW, tz=TZ, record_ids=sample) == 0
    with get_db(app).sessions() as session:
        assert _counts(session) == before
