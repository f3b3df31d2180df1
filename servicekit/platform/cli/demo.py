"""``servicekit demo``: an instance to try ServiceKit with, safe to run again and again."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app

from servicekit.platform.cli._common import app_zone, fail, now
from servicekit.platform.db import get_db
from servicekit.platform.dbsetup import upgrade_database
from servicekit.platform.packages import installed_keys
from servicekit.platform.registry import get_registry

# (login, display name, platform roles, after-sales roles)
DEMO_USERS = (
    ("admin", "系统管理员", ("admin", "builder"), ("supervisor",)),
    ("dispatcher", "调度员 陈静", (), ("dispatcher", "agent")),
    ("engineer1", "工程师 刘洋", (), ("engineer",)),
    ("engineer2", "工程师 赵磊", (), ("engineer",)),
    ("engineer3", "工程师 王芳", (), ("engineer",)),
    ("engineer4", "工程师 周杰", (), ("engineer",)),
    ("engineer5", "工程师 吴婷", (), ("engineer",)),
    ("supervisor", "服务主管 孙丽", (), ("supervisor",)),
)


def demo_password(instance: Path) -> str:
    """The shared demo password, made once and kept in the instance folder."""
    path = instance / "demo_password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = "Demo-" + secrets.token_hex(4) + "9"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    return password


def _ensure_demo_users(password: str) -> None:
    from servicekit.platform.accounts import (
        AccountError,
        create_user,
        get_user_by_login,
        grant_app_role,
        set_active,
        set_password,
        update_user,
    )

    apps = set(installed_keys_now())
    with get_db().transaction() as session:
        for login, name, platform_roles, roles in DEMO_USERS:
            try:
                user = get_user_by_login(session, login)
                if user is None:
                    user = create_user(
                        session,
                        login=login,
                        display_name=name,
                        password=password,
                        platform_roles=platform_roles,
                        now=now(),
                    )
                else:
                    if not user.password_hash:
                        # An account the sample data named (seeded inactive, no password).
                        update_user(user, display_name=name)
                        set_active(session, user, True)
                    set_password(session, user, password)
                if "after_sales" in apps:
                    for role in roles:
                        grant_app_role(session, user, "after_sales", role)
            except AccountError as exc:
                fail(f"demo user {login}: {exc}")


def installed_keys_now() -> list[str]:
    with get_db().sessions() as session:
        return installed_keys(session)


def _run_ready_hooks() -> None:
    """Let the runtime add what the demo data lacks (histories, timers), once per record."""
    for hook in get_registry(current_app).hooks_for("demo.ready"):
        with get_db().transaction() as session:
            message = hook(session, now(), app_zone())
        if message:
            click.echo(message)


def run_demo(install: Callable[[Path], None], sample_apps: Path) -> None:
    """Upgrade the database, install missing sample apps, create demo users, print logins."""
    upgrade_database(current_app)
    present = set(installed_keys_now())
    for package in sorted(p for p in sample_apps.iterdir() if (p / "app.json").is_file()):
        key = json.loads((package / "app.json").read_text(encoding="utf-8")).get("key")
        if key in present:
            click.echo(f"Sample app {key} is already installed.")
            continue
        install(package)
    password = demo_password(Path(current_app.config["SERVICEKIT_INSTANCE_PATH"]))
    _ensure_demo_users(password)
    _run_ready_hooks()
    click.echo("")
    click.echo("Demo logins (one shared password) · 演示账号（共用密码）:")
    for login, name, platform_roles, roles in DEMO_USERS:
        click.echo(
            f"  login: {login:<11} password: {password}   {name} ({', '.join(platform_roles + roles)})"
        )
