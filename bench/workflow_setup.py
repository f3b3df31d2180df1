"""Data setup for the workflow benchmark: an app with the after-sales sample, its staff,
and :class:`Bench`, which creates work orders; shared by every runner in ``bench/workflow*.py``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from servicekit import create_app  # noqa: E402
from servicekit.platform.accounts.passwords import hash_password  # noqa: E402
from servicekit.platform.accounts.users import grant_app_role, set_skills  # noqa: E402
from servicekit.platform.db import get_db  # noqa: E402
from servicekit.platform.dbsetup import upgrade_database  # noqa: E402
from servicekit.platform.models import User, WorkflowTask  # noqa: E402
from servicekit.platform.packages import install_package  # noqa: E402
from servicekit.platform.registry import get_registry  # noqa: E402
from servicekit.runtime.forms import Context, actor_for, load_form_runtime  # noqa: E402
from servicekit.runtime.forms import records as records_module  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
APP, FORM = "after_sales", "work_order"
STAFF = [
    ("agent1", "Agent One", ("agent",), None, {}),
    ("disp1", "Dispatcher One", ("dispatcher",), None, {}),
    ("eng_a", "王工", ("engineer",), "east", {"electrical": 3}),
    ("eng_b", "李工", ("engineer",), "east", {"electrical": 2}),
    ("eng_c", "张工", ("engineer",), "north", {"electrical": 5}),
    ("eng_d", "赵工", ("engineer",), "east", {"mechanical": 4}),
]
# (action, login, values) after creation; the hand-written machine's transition table.
STEPS = [
    ("accept", "agent1", {}),
    ("dispatch", "disp1", {}),
    ("complete", None, {"resolution": "更换电容，试机正常"}),
    ("close", "agent1", {"satisfaction": "5"}),
]


def make_app(url: str, instance: Path) -> Any:
    app = create_app(
        {
            "SERVICEKIT_DATABASE_URL": url,
            "SERVICEKIT_INSTANCE_PATH": str(instance),
            "SERVICEKIT_SECRET_KEY": "bench",
            "SERVICEKIT_ASSETS": "local",
            "SERVICEKIT_RUN_JOBS_INLINE": True,
        }
    )
    upgrade_database(app)
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        install_package(
            session, ROOT / "sample_apps" / APP, get_registry(app), now=clock.now(), tz=TZ
        )
        password = hash_password("bench-password-1")
        for login, name, roles, region, skills in STAFF:
            user = User(
                login=login,
                display_name=name,
                password_hash=password,
                active=True,
                region=region,
                created_at=clock.now(),
            )
            session.add(user)
            session.flush()
            for role in roles:
                grant_app_role(session, user, APP, role)
            set_skills(session, user, skills)
    return app


class Bench:
    """One database: the app, its clock, the staff and a customer in the east."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = get_db(app)
        self.clock = app.extensions["servicekit.clock"]
        with self.db.transaction() as session:
            self.ids = {u.login: u.id for u in session.scalars(select(User))}
            table = load_form_runtime(session, APP, "customer").source.table
            self.customer = session.scalar(
                select(table.c.id).where(table.c.region == "east").order_by(table.c.id)
            )

    def context(self, session: Session, login: str) -> tuple[Any, Context]:
        actor = actor_for(session.get(User, self.ids[login]), APP)
        return actor, Context(now=self.clock.now(), tz=TZ, user=dict(actor.rule_user))

    def create(self, start: bool, then: Callable[[Session, int], None] | None = None) -> int:
        """Create a work order as agent1, with or without the workflow hook; ``then`` runs in
        the same transaction (where a baseline starts its own workflow, as the hook would)."""
        hooks = records_module._created_hooks
        saved = list(hooks)
        if not start:
            hooks.clear()
        try:
            with self.db.transaction() as session:
                runtime = load_form_runtime(session, APP, FORM)
                actor, context = self.context(session, "agent1")
                values = {
                    "customer": self.customer,
                    "fault_type": "electrical",
                    "priority": "normal",
                    "description": "空调不制冷",
                }
                record = runtime.store.create(session, values, context, actor_id=actor.id)
                if then is not None:
                    then(session, record.id)
                return record.id
        finally:
            hooks[:] = saved


def assignee_login(bench: Bench, session: Session, record_id: int) -> str:
    assignee = session.scalar(
        select(WorkflowTask.assignee_id).where(
            WorkflowTask.record_id == record_id, WorkflowTask.state == "open"
        )
    )
    return next(login for login, uid in bench.ids.items() if uid == assignee)
