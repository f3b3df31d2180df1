"""First-time fix rate: checked against plain Python over the same visits, tasks and events.

A fixed data set of visits to a few sites over four months, some returned (by the return
operation or a review's reject), some reopened, many revisited, and a few deleted; the
expected rate is recomputed here from those rows by the KPI's documented definition.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from servicekit.platform.accounts import create_user
from servicekit.platform.db import get_db
from servicekit.platform.models import Event, WorkflowInstance, WorkflowTask
from servicekit.platform.storage import create_app_tables, sources_for_app
from servicekit.runtime.forms import Actor, AppForms
from servicekit.runtime.reports import ReportDef, Viewer, report_problems, run_report
from tests.runtime.reports.conftest import ADMIN, NOW, TZ

SIX = Decimal("0.000001")
SITE = {"key": "site", "label": "Site", "fields": [{"key": "name", "type": "text"}]}
VISIT = {
    "key": "visit",
    "label": "Visit",
    "fields": [
        {"key": "site", "type": "lookup", "form": "site", "display": "name"},
        {"key": "visited", "type": "datetime"},
        {"key": "served", "type": "date"},
        {"key": "kind", "type": "select", "options": [{"value": "fix"}, {"value": "check"}]},
        {"key": "resolution", "type": "text"},
        {"key": "engineer", "type": "user"},
    ],
    "permissions": {
        "desk": {"read": True},
        "field": {"read": True, "scope": "engineer = user.id"},
        "blind": {"read": True, "fields": {"site": "hidden"}},
    },
}


@dataclass
class Visits:
    """The tables, the visits as plain values, and who returned or reopened what."""

    app: Any
    forms: AppForms
    visits: list[dict[str, Any]] = field(default_factory=list)  # live ones
    actions: dict[int, list[str]] = field(default_factory=dict)  # record id -> task actions
    reopened: set[int] = field(default_factory=set)
    users: dict[str, int] = field(default_factory=dict)

    def run(self, measure: dict[str, Any], actor: Actor = ADMIN, **body: Any) -> Any:
        report = ReportDef.from_dict(
            {
                "key": "ftf",
                "label": "FTF",
                "form": "visit",
                "date_field": "visited",
                "measures": [
                    {
                        "key": "ftf",
                        "kpi": "first_time_fix_rate",
                        **measure,
                        "params": {"equipment": "site", **measure.get("params", {})},
                    }
                ],
                **body,
            }
        )
        with get_db(self.app).sessions() as session:
            return run_report(session, self.forms, report, Viewer(actor, NOW, TZ))

    def actor(self, login: str, role: str) -> Actor:
        uid = self.users[login]
        return Actor(id=uid, roles=frozenset({role}), rule_user={"id": uid, "login": login})


@pytest.fixture(scope="module")
def visits(report_app) -> Visits:  # type: ignore[no-untyped-def]
    """40 sites, 160 visits over four months (about one in two revisited within 30 days),
    and three sites whose visits sit on the edges of the window."""
    rng = random.Random(7)
    bodies = {"site": SITE, "visit": VISIT}
    sources = sources_for_app("fix", bodies)
    forms = AppForms(
        "fix", (("site", 1), ("visit", 1)), sources, {k: b["fields"] for k, b in bodies.items()}, {}
    )
    found = Visits(report_app, forms)
    start = datetime(2026, 7, 1, tzinfo=UTC)
    with get_db(report_app).transaction() as session:
        create_app_tables(session.connection(), sources)
        for login in ("ann", "bob"):
            user = create_user(
                session, login=login, display_name=login, password="a-good-password-1", now=NOW
            )
            found.users[login] = user.id
        sites = [
            session.execute(
                sources["site"]
                .table.insert()
                .values(name=f"Site {i}", created_at=NOW, updated_at=NOW, version=1, deleted=False)
            ).inserted_primary_key[0]
            for i in range(43)
        ]
        table = sources["visit"].table
        edges = sites[40:]
        for index in range(160):
            visited = start + timedelta(minutes=rng.randint(0, 120 * 24 * 60))
            row = {
                "site": rng.choice([*sites[:40], None]),
                "visited": rng.choice([visited] * 9 + [None]),
                "served": rng.choice([visited.astimezone(TZ).date(), None]),
                "kind": rng.choice(["fix", "check"]),
                "resolution": rng.choice(["done", "done", "done", None]),
                "engineer": rng.choice([*found.users.values(), None]),
            }
            deleted = index % 23 == 0
            record_id = session.execute(
                table.insert().values(
                    created_at=visited, updated_at=visited, version=1, deleted=deleted, **row
                )
            ).inserted_primary_key[0]
            if not deleted:
                found.visits.append({"id": record_id, **row})
            _workflow(session, rng, found, record_id, visited)
        # Exactly 30 days later is a revisit, a minute more is not, the same moment is not.
        edge = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
        for site, later in zip(
            edges, (timedelta(days=30), timedelta(days=30, minutes=1), timedelta(0)), strict=True
        ):
            for at in (edge, edge + later):
                row = {
                    "site": site,
                    "visited": at,
                    "served": at.astimezone(TZ).date(),
                    "kind": "fix",
                    "resolution": "done",
                    "engineer": None,
                }
                record_id = session.execute(
                    table.insert().values(
                        created_at=at, updated_at=at, version=1, deleted=False, **row
                    )
                ).inserted_primary_key[0]
                found.visits.append({"id": record_id, **row})
        # Another form's event with a visit's id must not count as that visit's reopening.
        session.add(
            Event(
                app_key="fix",
                form_key="site",
                record_id=found.visits[0]["id"],
                kind="workflow.reopened",
                at=NOW,
            )
        )
    return found


def _workflow(
    session: Any, rng: random.Random, found: Visits, record_id: int, at: datetime
) -> None:
    """Half the visits ran through a workflow: tasks with actions, sometimes a reopening."""
    if rng.random() < 0.5:
        return
    instance = WorkflowInstance(
        app_key="fix",
        form_key="visit",
        record_id=record_id,
        workflow_key="visit",
        workflow_version=1,
        started_at=at,
    )
    session.add(instance)
    session.flush()
    actions = ["accept", rng.choice(["done", "done", "return", "reject"]), "close"]
    for action in actions:
        session.add(
            WorkflowTask(
                instance_id=instance.id,
                app_key="fix",
                form_key="visit",
                record_id=record_id,
                node_key="service",
                kind="task",
                state="completed",
                created_at=at,
                completed_at=at,
                action=action,
            )
        )
    found.actions[record_id] = actions
    if rng.random() < 0.15:
        session.add(
            Event(
                app_key="fix",
                form_key="visit",
                record_id=record_id,
                kind="workflow.reopened",
                at=at,
            )
        )
        found.reopened.add(record_id)


def _expected(
    found: Visits,
    rows: list[dict[str, Any]],
    *,
    days: int = 30,
    actions: tuple[str, ...] = ("return",),
    at: str = "visited",
    resolved: Any = lambda r: r["resolution"] is not None,
) -> Decimal | None:
    """The definition, written out: revisits are looked for among all live visits."""

    def revisited(row: dict[str, Any]) -> bool:
        if row["site"] is None or row[at] is None:
            return False
        return any(
            other["id"] != row["id"]
            and other["site"] == row["site"]
            and other[at] is not None
            and row[at] < other[at] <= row[at] + timedelta(days=days)
            for other in found.visits
        )

    done = [r for r in rows if resolved(r)]
    first = [
        r
        for r in done
        if not set(found.actions.get(r["id"], ())) & set(actions)
        and r["id"] not in found.reopened
        and not revisited(r)
    ]
    return (Decimal(len(first)) / len(done)).quantize(SIX) if done else None


def test_the_rate_over_all_visits_and_per_month(visits: Visits) -> None:
    result = visits.run({}, dimensions=[{"field": "visited", "bucket": "month"}])
    months: dict[Any, list[dict[str, Any]]] = {}
    for row in visits.visits:
        key = row["visited"].astimezone(TZ).strftime("%Y-%m") if row["visited"] else None
        months.setdefault(key, []).append(row)
    assert {row.keys[0]: row.values[0] for row in result.rows} == {
        key: _expected(visits, rows) for key, rows in months.items()
    }
    total = visits.run({}).rows[0].values[0]
    assert total == _expected(visits, visits.visits)
    # The data set exercises every way to miss the first time.
    assert Decimal(0) < total < Decimal(1)
    assert visits.reopened and any("return" in a for a in visits.actions.values())


def test_parameters_change_what_counts(visits: Visits) -> None:
    params = {
        "days": 7,
        "return_actions": ["return", "reject"],
        "date_field": "served",
        "resolved_if": 'resolution = "done" and kind = "fix"',
    }
    value = visits.run({"params": params, "filter": "engineer != null"}).rows[0].values[0]
    expected = _expected(
        visits,
        [r for r in visits.visits if r["engineer"] is not None],
        days=7,
        actions=("return", "reject"),
        at="served",
        resolved=lambda r: r["resolution"] == "done" and r["kind"] == "fix",
    )
    assert value == expected
    assert value != _expected(visits, visits.visits)


def test_a_narrower_scope_gives_another_rate(visits: Visits) -> None:
    ann, bob = visits.users["ann"], visits.users["bob"]
    desk = visits.run({}, visits.actor("ann", "desk")).rows[0].values[0]
    mine = visits.run({}, visits.actor("ann", "field")).rows[0].values[0]
    theirs = visits.run({}, visits.actor("bob", "field")).rows[0].values[0]
    assert desk == _expected(visits, visits.visits)
    # Revisits by someone else still count against the visit the reader may see.
    assert mine == _expected(visits, [r for r in visits.visits if r["engineer"] == ann])
    assert theirs == _expected(visits, [r for r in visits.visits if r["engineer"] == bob])
    assert len({desk, mine, theirs}) == 3


def test_a_reader_who_may_not_see_the_equipment_is_refused(visits: Visits) -> None:
    from servicekit.runtime.reports import ReportRefused

    blind = Actor(id=visits.users["bob"], roles=frozenset({"blind"}))
    with pytest.raises(ReportRefused, match="site"):
        visits.run({"params": {"equipment": "site"}}, blind)


def test_the_rate_is_part_of_the_reports_one_query(visits: Visits) -> None:
    statements: list[str] = []
    engine = get_db(visits.app).engine

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        visits.run({"params": {"days": 14}}, dimensions=[{"field": "kind"}])
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "rec_fix_visit" in s]) == 1


FORMS = {name: body["fields"] for name, body in {"site": SITE, "visit": VISIT}.items()}


@pytest.mark.parametrize(
    ("params", "path", "reason"),
    [
        ({"equipment": "visited"}, "$.measures[0].params.equipment", "lookup or text"),
        ({"equipment": "site.name"}, "$.measures[0].params.equipment", "lookup or text"),
        ({"equipment": "nowhere"}, "$.measures[0].params.equipment", "Unknown field"),
        ({"date_field": "kind"}, "$.measures[0].params.date_field", "date or datetime"),
        ({"days": 0}, "$.measures[0].params.days", "whole number"),
        ({"days": "30"}, "$.measures[0].params.days", "whole number"),
        ({"return_actions": "return"}, "$.measures[0].params.return_actions", "list"),
        ({"resolved_if": "resolution + 1"}, "$.measures[0].params.resolved_if", "type-check"),
    ],
)
def test_bad_parameters_are_named_with_their_path(params, path, reason) -> None:  # type: ignore[no-untyped-def]
    body = {
        "key": "r",
        "label": "R",
        "form": "visit",
        "measures": [{"key": "f", "kpi": "first_time_fix_rate", "params": params}],
    }
    problems = report_problems(body, FORMS, {"visit": VISIT, "site": SITE})
    assert path in [p for p, message in problems if reason in message], problems


def test_good_parameters_have_no_problems() -> None:
    body = {
        "key": "r",
        "label": "R",
        "form": "visit",
        "measures": [
            {
                "key": "f",
                "kpi": "first_time_fix_rate",
                "params": {"equipment": "site", "date_field": "served", "days": 60},
            }
        ],
    }
    assert report_problems(body, FORMS, {"visit": VISIT, "site": SITE}) == []


def test_the_window_ends_exactly_n_days_later(visits: Visits) -> None:
    values = [
        visits.run({}, filter=f'site.name = "Site {i}"').rows[0].values[0] for i in (40, 41, 42)
    ]
    # 30 days: the first visit was revisited; 30 days and a minute, and the same moment: not.
    assert values == [Decimal("0.5"), Decimal(1), Decimal(1)]
