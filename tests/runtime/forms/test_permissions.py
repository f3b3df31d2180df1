"""Record permissions: role × action × scope on real tables, and field rights."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from servicekit.platform.accounts import create_user
from servicekit.platform.db import get_db
from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.models import Team, TeamMember
from servicekit.platform.storage import build_app_tables, create_app_tables
from servicekit.runtime.forms import Actor, form_access

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
FORM = {
    "key": "ticket",
    "label": "Ticket",
    "fields": [
        {"key": "title", "type": "text", "label": "Title"},
        {"key": "region", "type": "text", "label": "Region"},
        {"key": "cost", "type": "decimal", "scale": 2, "label": "Cost"},
    ],
    "permissions": {
        "agent": {"create": True, "read": True, "update": True, "scope": "own"},
        "lead": {"read": True, "update": True, "scope": "team"},
        "regional": {"read": True, "scope": "region = user.region", "fields": {"cost": "hidden"}},
        "auditor": {"read": True, "fields": {"cost": "readonly", "title": "hidden"}},
        "manager": {"create": True, "read": True, "update": True, "delete": True},
    },
}


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    """Four users, a team of two, and one ticket created by each user."""
    form = FormDef.from_dict("desk", FORM)
    source = build_app_tables("desk", [form])["ticket"]
    with get_db(app).transaction() as session:
        create_app_tables(session.connection(), {"ticket": source})
        users = {
            name: create_user(
                session, login=name, display_name=name, password="a-good-password-1", now=NOW
            ).id
            for name in ("ann", "bob", "cai", "dan")
        }
        team = Team(key="north", name="North")
        session.add(team)
        session.flush()
        session.add_all(
            [
                TeamMember(team_id=team.id, user_id=users["ann"]),
                TeamMember(team_id=team.id, user_id=users["bob"]),
            ]
        )
        for name, region in (("ann", "north"), ("bob", "north"), ("cai", "south"), ("dan", "east")):
            session.execute(
                source.table.insert().values(
                    title=f"by {name}",
                    region=region,
                    created_by=users[name],
                    created_at=NOW,
                    updated_at=NOW,
                    version=1,
                    deleted=False,
                )
            )
    return form, source, users


def _visible(app, form, source, actor: Actor, action: str = "read") -> set[str]:  # type: ignore[no-untyped-def]
    access = form_access(form, actor)
    condition = access.record_filter(action, source, now=NOW, tz=TZ)
    with get_db(app).sessions() as session:
        return set(session.scalars(select(source.table.c.title).where(condition)))


@pytest.mark.parametrize(
    ("roles", "action", "expected"),
    [
        ({"agent"}, "read", {"by ann"}),
        ({"agent"}, "update", {"by ann"}),
        ({"agent"}, "delete", set()),
        ({"lead"}, "read", {"by ann", "by bob"}),
        ({"lead"}, "create", set()),
        ({"regional"}, "read", {"by ann", "by bob"}),
        ({"regional"}, "update", set()),
        ({"manager"}, "delete", {"by ann", "by bob", "by cai", "by dan"}),
        ({"agent", "regional"}, "read", {"by ann", "by bob"}),
        ({"agent", "auditor"}, "read", {"by ann", "by bob", "by cai", "by dan"}),
        (set(), "read", set()),
    ],
)
def test_role_action_scope_matrix(app, world, roles, action, expected) -> None:  # type: ignore[no-untyped-def]
    form, source, users = world
    actor = Actor(
        id=users["ann"],
        roles=frozenset(roles),
        rule_user={"id": users["ann"], "region": "north", "roles": sorted(roles)},
    )
    assert _visible(app, form, source, actor, action) == expected
    assert form_access(form, actor).allows(action) == bool(expected) or action == "create"


def test_admins_see_everything(app, world) -> None:  # type: ignore[no-untyped-def]
    form, source, users = world
    actor = Actor(id=users["dan"], is_admin=True)
    assert len(_visible(app, form, source, actor, "delete")) == 4


def test_field_rights_apply_only_where_every_role_agrees(world) -> None:  # type: ignore[no-untyped-def]
    form, _source, users = world
    regional = form_access(form, Actor(id=1, roles=frozenset({"regional"})))
    assert regional.field_right("cost") == "hidden"
    both = form_access(form, Actor(id=1, roles=frozenset({"regional", "auditor"})))
    assert both.field_right("cost") == "editable"  # the auditor may read it
    assert both.field_right("title") == "editable"
    auditor = form_access(form, Actor(id=1, roles=frozenset({"auditor"})))
    assert auditor.field_right("title") == "hidden"
