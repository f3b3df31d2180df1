"""Accounts: users, passwords, roles, teams, sign-in throttling and notifications."""

from __future__ import annotations

from flask import Flask

from servicekit.platform.accounts.errors import AccountError
from servicekit.platform.accounts.notifications import (
    list_notifications,
    mark_all_read,
    mark_read,
    notify,
    unread_count,
)
from servicekit.platform.accounts.passwords import check_password_policy
from servicekit.platform.accounts.teams import add_team_member, create_team, remove_team_member
from servicekit.platform.accounts.throttle import clear_failures, is_throttled, record_failure
from servicekit.platform.accounts.users import (
    create_user,
    get_user_by_login,
    grant_app_role,
    grant_platform_role,
    revoke_app_role,
    revoke_platform_role,
    set_active,
    set_password,
    set_skills,
    update_user,
    verify_password,
)


def init_app(app: Flask) -> None:
    """Install flask-login and the ``servicekit user`` commands."""
    from servicekit.platform.accounts import cli, login

    login.init_login(app)
    cli.init_app(app)


__all__ = [
    "AccountError",
    "add_team_member",
    "check_password_policy",
    "clear_failures",
    "create_team",
    "create_user",
    "get_user_by_login",
    "grant_app_role",
    "grant_platform_role",
    "init_app",
    "is_throttled",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "notify",
    "record_failure",
    "remove_team_member",
    "revoke_app_role",
    "revoke_platform_role",
    "set_active",
    "set_password",
    "set_skills",
    "unread_count",
    "update_user",
    "verify_password",
]
