"""Creating users, the password policy, roles, skills and teams."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from servicekit.platform.accounts import (
    AccountError,
    add_team_member,
    check_password_policy,
    create_team,
    create_user,
    get_user_by_login,
    grant_app_role,
    remove_team_member,
    set_password,
    set_skills,
    update_user,
    verify_password,
)
from servicekit.platform.models.accounts import User


def _create(db, app, login: str = "wang.li", **extra):  # type: ignore[no-untyped-def]
    extra.setdefault("display_name", "王丽")
    extra.setdefault("password", "repair2024x")
    return create_user(db, login=login, now=app.extensions["servicekit.clock"].now(), **extra)


def test_create_user_stores_a_hash_and_roles(app, db) -> None:
    _create(
        db,
        app,
        platform_roles=["builder"],
        app_roles=[("after_sales", "engineer")],
        email="wang@example.com",
        region="华东",
    )
    db.commit()
    stored = db.scalar(select(User).where(User.login == "wang.li"))
    assert stored is not None
    assert "repair2024x" not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored, "repair2024x")
    assert not verify_password(stored, "repair2024y")
    assert stored.is_builder and not stored.is_admin
    assert stored.roles_in("after_sales") == {"engineer"}
    assert stored.region == "华东"


@pytest.mark.parametrize("login", ["a", "has space", "x" * 65, "中文名", ""])
def test_bad_login_names_are_refused_naming_the_field(app, db, login: str) -> None:
    with pytest.raises(AccountError) as caught:
        _create(db, app, login=login)
    assert caught.value.field == "login"
    assert "Login name" in str(caught.value)


def test_login_names_are_unique_ignoring_case(app, db) -> None:
    _create(db, app)
    with pytest.raises(AccountError, match="already taken"):
        _create(db, app, login="WANG.LI")
    assert get_user_by_login(db, "Wang.Li") is not None


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("short1", "at least 10"),
        ("onlyletters", "letters and digits"),
        ("1234567890", "letters and digits"),
        ("wang.li2024", None),
    ],
)
def test_password_policy(password: str, expected: str | None) -> None:
    problems = check_password_policy(password)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems)


def test_password_may_not_equal_the_login(app, db) -> None:
    with pytest.raises(AccountError) as caught:
        _create(db, app, login="engineer01", password="Engineer01")
    assert caught.value.field == "password"


def test_set_password_checks_policy_and_replaces_hash(app, db) -> None:
    user = _create(db, app)
    with pytest.raises(AccountError):
        set_password(db, user, "weak")
    set_password(db, user, "newsecret99")
    assert verify_password(user, "newsecret99")
    assert not verify_password(user, "repair2024x")


def test_update_user_validates_each_field(app, db) -> None:
    user = _create(db, app)
    update_user(
        user,
        timezone="Europe/Berlin",
        capacity="8",
        home_lat="31.2304",
        home_lng="121.4737",
        locale="en",
        email="",
    )
    assert user.timezone == "Europe/Berlin" and user.capacity == 8 and user.email is None
    for field, value in [
        ("timezone", "Mars/Base"),
        ("capacity", "many"),
        ("home_lat", "91"),
        ("locale", "fr"),
        ("email", "not-an-address"),
    ]:
        with pytest.raises(AccountError) as caught:
            update_user(user, **{field: value})
        assert caught.value.field == field


def test_skills_are_replaced_with_levels(app, db) -> None:
    user = _create(db, app)
    set_skills(db, user, {"repair": 3, "install": 1})
    db.commit()
    set_skills(db, user, {"repair": 5})
    db.commit()
    assert {(s.skill, s.level) for s in user.skills} == {("repair", 5)}
    with pytest.raises(AccountError):
        set_skills(db, user, {"repair": 9})


def test_app_role_grants_are_idempotent(app, db) -> None:
    user = _create(db, app)
    grant_app_role(db, user, "after_sales", "dispatcher")
    grant_app_role(db, user, "after_sales", "dispatcher")
    db.commit()
    assert len(user.app_roles) == 1


def test_teams_hold_members(app, db) -> None:
    user = _create(db, app)
    team = create_team(db, key="north", name="北区工程师")
    add_team_member(db, team, user)
    add_team_member(db, team, user)
    db.commit()
    assert [m.user_id for m in team.members] == [user.id]
    remove_team_member(db, team, user.id)
    db.commit()
    assert team.members == []
    with pytest.raises(AccountError):
        create_team(db, key="north", name="again")
