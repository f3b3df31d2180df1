"""A thousand random work-order histories stored as event-log rows, their timers kept by the
live path's storing function, replay to the stored rows through the database
(issue 6, acceptance 4).

The histories (``random_histories``) hold the event kinds the workflow writes, comments,
and ``sla.state`` entries naming policy versions 1 and 2 (version 2 is published here).
They go into ``events`` and ``comments`` in bulk; at the end of an instant's events (a
commit; a random 40 % of them, and always the last) the record's timers are derived and
written with ``write_timers``, as the session hook does before a commit. Then ``replay_record`` (each history at its own end) and
``servicekit sla replay`` (every record at one moment) read the log back, derive again and
compare every stored column and timer history.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from servicekit.platform.accounts.users import grant_app_role
from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import add_version
from servicekit.platform.models import Comment, Event, SlaTimer, User
from servicekit.runtime.sla.catalog import DbCatalog
from servicekit.runtime.sla.derive import Happening, derive_timers
from servicekit.runtime.sla.history import staff_ids
from servicekit.runtime.sla.replay import replay_record
from servicekit.runtime.sla.rows import write_timers
from tests.platform.packages.conftest import install
from tests.runtime.sla.random_histories import CUSTOMER, STAFF, policy_bodies, random_history
from tests.runtime.sla.timer_support import APP, FORM, pausing_package

HISTORIES = {"sqlite": 1000, "postgresql": 100}
FIRST_RECORD = 1_000_000  # clear of the sample app's own work orders
CHUNK = 100  # histories per transaction


def _people(session: Any, now: datetime) -> dict[int, int]:
    """Users for the histories' staff and customer ids: history id -> user id."""
    users = {}
    for history_id in [*sorted(STAFF), CUSTOMER]:
        user = User(
            login=f"replay{history_id}",
            display_name=f"Replay {history_id}",
            password_hash="-",
            active=True,
            created_at=now,
        )
        session.add(user)
        session.flush()
        if history_id in STAFF:
            grant_app_role(session, user, APP, "engineer")
        users[history_id] = user.id
    return users


def _store(session: Any, record_id: int, history: list[Happening], people: dict[int, int]) -> None:
    """Write the history as log rows, deriving and storing the timers after each instant's
    events, as the live path does when each transaction commits."""
    catalog, staff = DbCatalog(session, APP), staff_ids(session, APP)
    rng = random.Random(record_id)
    events, comments = [], []
    for index, happening in enumerate(history):
        actor = None if happening.actor_id is None else people[happening.actor_id]
        if happening.kind == "comment":
            comments.append(
                {
                    "app_key": APP,
                    "form_key": FORM,
                    "record_id": record_id,
                    "author_id": actor,
                    "body": "已联系客户",
                    "created_at": happening.at,
                }
            )
        else:
            events.append(
                {
                    "app_key": APP,
                    "form_key": FORM,
                    "record_id": record_id,
                    "kind": happening.kind,
                    "actor_id": actor,
                    "at": happening.at,
                    "changes": dict(happening.data) or None,
                }
            )
        last = index + 1 == len(history)
        if not last and history[index + 1].at == happening.at:
            continue  # the same transaction goes on
        if not last and rng.random() < 0.6:
            continue  # stored at some commits only, to keep the test quick; always at the end
        live = [replace(h, actor_id=people.get(h.actor_id)) for h in history[: index + 1]]
        clocks = derive_timers(live, catalog, staff, happening.at)
        write_timers(session, APP, FORM, record_id, clocks, now=happening.at)
    if events:
        session.execute(insert(Event.__table__), events)
    if comments:
        session.execute(insert(Comment.__table__), comments)


def test_a_thousand_random_histories_replay_through_the_database_to_the_stored_rows(
    app: Any, tmp_path: Path
) -> None:
    install(app, pausing_package(tmp_path))
    database = get_db(app)
    count = HISTORIES[database.dialect]
    clock = app.extensions["servicekit.clock"]
    with database.transaction() as session:
        for (key, version), body in policy_bodies().items():
            if version == 2:  # version 1 came with the package
                add_version(session, APP, "sla", key, body, author_id=None, now=clock.now())
        people = _people(session, clock.now())
    ends = {}
    for first in range(0, count, CHUNK):
        with database.transaction() as session:
            for seed in range(first, min(first + CHUNK, count)):
                history = random_history(seed)
                _store(session, FIRST_RECORD + seed, history, people)
                hours = random.Random(seed).randrange(0, 80)
                ends[FIRST_RECORD + seed] = history[-1].at + timedelta(hours=hours)

    with database.transaction() as session:
        for record_id, end in ends.items():
            # Replayed at the history's own end: running clocks past due count as breached.
            assert replay_record(session, APP, FORM, record_id, as_of=end) == [], record_id
        stored = session.execute(
            select(SlaTimer.state, SlaTimer.policy_version).where(
                SlaTimer.record_id >= FIRST_RECORD
            )
        ).all()
    # The histories did exercise what they should, through both policy versions.
    assert {"running", "paused", "met", "breached", "cancelled"} <= {s for s, _v in stored}
    assert {1, 2} <= {v for _s, v in stored}
    assert len({r for r in ends}) == count

    # The command replays every record at one moment, after all the histories.
    clock.set(max(ends.values()) + timedelta(days=1))
    result = app.test_cli_runner().invoke(args=["sla", "replay", "--app", APP])
    assert result.exit_code == 0, result.output[-2000:]
    replayed = int(result.output.strip().splitlines()[-1].split()[1])
    assert replayed >= count and result.output.strip().endswith(": 0 differ")
