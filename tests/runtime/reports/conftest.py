"""A fixed data set for report tests: clients, jobs with part rows, users, on real tables."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.accounts import create_user
from servicekit.platform.db import get_db
from servicekit.platform.storage import create_app_tables, sources_for_app
from servicekit.runtime.forms import Actor, AppForms
from servicekit.runtime.reports import PageFilters, ReportDef, Viewer, run_report
from tests.conftest import DATABASES, make_test_app, temporary_database

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ADMIN = Actor(id=None, is_admin=True)


def _options(*values: str) -> list[dict[str, Any]]:
    return [{"value": v, "label": {"en": f"{v.title()} EN", "zh": f"{v}中文"}} for v in values]


CLIENT = {
    "key": "client",
    "label": "Client",
    "fields": [
        {"key": "name", "type": "text", "label": "Name"},
        {"key": "level", "type": "select", "label": "Level", "options": _options("gold", "plain")},
    ],
    "permissions": {"desk": {"read": True}, "field": {"read": True}},
}
JOB = {
    "key": "job",
    "label": "Job",
    "fields": [
        {"key": "client", "type": "lookup", "form": "client", "display": "name", "label": "Client"},
        {
            "key": "kind",
            "type": "select",
            "label": "Kind",
            "options": _options("fix", "install", "check"),
        },
        {
            "key": "priority",
            "type": "select",
            "label": "Priority",
            "options": _options("urgent", "normal"),
        },
        {
            "key": "score",
            "type": "select",
            "label": "Score",
            "options": _options("1", "2", "3", "4", "5"),
        },
        {"key": "effort", "type": "integer", "label": "Effort"},
        {"key": "cost", "type": "decimal", "scale": 2, "label": "Cost"},
        {"key": "opened", "type": "datetime", "label": "Opened"},
        {"key": "due", "type": "date", "label": "Due"},
        {"key": "engineer", "type": "user", "label": "Engineer"},
        {"key": "note", "type": "text", "label": "Note"},
        {"key": "secret", "type": "decimal", "scale": 2, "label": "Margin"},
        {
            "key": "parts",
            "type": "subform",
            "label": "Parts",
            "fields": [
                {"key": "qty", "type": "integer", "label": "Qty"},
                {"key": "price", "type": "decimal", "scale": 2, "label": "Price"},
            ],
        },
    ],
    "permissions": {
        "desk": {"read": True, "create": True},
        "field": {
            "read": True,
            "scope": "engineer = user.id",
            "fields": {"secret": "hidden", "note": "hidden"},
        },
    },
}


@dataclass
class World:
    """The installed tables, the generated rows (as plain Python values) and the users."""

    app: Any
    forms: AppForms
    jobs: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)

    def run(
        self,
        body: dict[str, Any],
        actor: Actor = ADMIN,
        filters: PageFilters | None = None,
        locale: str = "en",
        tz: ZoneInfo = TZ,
    ):  # type: ignore[no-untyped-def]
        report = ReportDef.from_dict({"key": "r", "label": "R", "form": "job", **body})
        with get_db(self.app).sessions() as session:
            return run_report(
                session, self.forms, report, Viewer(actor, NOW, tz), locale=locale, filters=filters
            )

    def actor(self, login: str, role: str) -> Actor:
        uid = self.users[login]
        return Actor(id=uid, roles=frozenset({role}), rule_user={"id": uid, "login": login})


def _money(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(0, 200000)) / 100


@pytest.fixture(scope="module", params=DATABASES)
def report_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """An app per database for a whole module: the data set is only read, so build it once."""
    with temporary_database(request.param, tmp_path_factory.mktemp("reports")) as url:
        application = make_test_app(url, tmp_path_factory.mktemp("instance"))
        try:
            yield application
        finally:
            get_db(application).dispose()


@pytest.fixture(scope="module")
def world(report_app) -> World:  # type: ignore[no-untyped-def]
    """Three engineers, 8 clients and 120 jobs spread over 14 months, with nulls sprinkled in."""
    rng = random.Random(20261123)
    bodies = {"client": CLIENT, "job": JOB}
    sources = sources_for_app("svc", bodies)
    forms = AppForms(
        "svc", (("client", 1), ("job", 1)), sources, {k: b["fields"] for k, b in bodies.items()}, {}
    )
    app = report_app
    found = World(app, forms)
    start = datetime(2025, 10, 1, tzinfo=UTC)
    with get_db(app).transaction() as session:
        create_app_tables(session.connection(), sources)
        for login in ("ann", "bob", "cai"):
            user = create_user(
                session,
                login=login,
                display_name=login.upper(),
                password="a-good-password-1",
                now=NOW,
            )
            found.users[login] = user.id
        client_table = sources["client"].table
        for index in range(8):
            row = {"name": f"Client {index}", "level": rng.choice(["gold", "plain", None])}
            new_id = session.execute(
                client_table.insert().values(
                    created_at=NOW, updated_at=NOW, version=1, deleted=False, **row
                )
            ).inserted_primary_key[0]
            found.clients.append({"id": new_id, **row})
        job_table = sources["job"].table
        parts_table = sources["job"].child("parts").table
        engineers = [*found.users.values(), None]
        for index in range(120):
            created = start + timedelta(
                hours=rng.randint(0, 14 * 30 * 24), minutes=rng.randint(0, 59)
            )
            row = {
                "client": rng.choice([c["id"] for c in found.clients] + [None]),
                "kind": rng.choice(["fix", "install", "check"]),
                "priority": rng.choice(["urgent", "normal", "normal"]),
                "score": rng.choice(["1", "2", "3", "4", "5", "5", None]),
                "effort": rng.choice([None, *range(0, 40)]),
                "cost": rng.choice([None, _money(rng), _money(rng), _money(rng)]),
                "opened": rng.choice([None, created + timedelta(minutes=rng.randint(1, 3000))]),
                "due": rng.choice([None, (created + timedelta(days=rng.randint(0, 20))).date()]),
                "engineer": rng.choice(engineers),
                "note": rng.choice(["a", "b", None]),
                "secret": _money(rng),
            }
            deleted = index % 29 == 0
            new_id = session.execute(
                job_table.insert().values(
                    created_at=created, updated_at=created, version=1, deleted=deleted, **row
                )
            ).inserted_primary_key[0]
            parts = [
                {"qty": rng.randint(1, 5), "price": _money(rng)}
                for _ in range(rng.choice([0, 0, 1, 2, 3]))
            ]
            for position, part in enumerate(parts):
                session.execute(
                    parts_table.insert().values(parent_id=new_id, position=position, **part)
                )
            if not deleted:
                found.jobs.append({"id": new_id, "created_at": created, "parts": parts, **row})
    return found


def local(moment: datetime) -> datetime:
    return moment.astimezone(TZ)


__all__ = ["ADMIN", "NOW", "TZ", "World", "date", "local"]
