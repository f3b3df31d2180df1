"""``servicekit init`` and ``servicekit db upgrade``: create or upgrade the database."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from sqlalchemy import select

from servicekit.platform.cli._common import fail, now
from servicekit.platform.db import get_db
from servicekit.platform.dbsetup import upgrade_database
from servicekit.platform.models import PlatformRoleGrant


def _has_admin() -> bool:
    with get_db().sessions() as session:
        return (
            session.scalar(
                select(PlatformRoleGrant.id).where(PlatformRoleGrant.role == "admin").limit(1)
            )
            is not None
        )


def ensure_admin(login: str, password: str | None) -> str | None:
    """Create the first admin unless one exists; returns the password when one was made up."""
    from servicekit.platform.accounts import AccountError, create_user

    if _has_admin():
        return None
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12) + "9a"
    try:
        with get_db().transaction() as session:
            create_user(
                session,
                login=login,
                display_name="Administrator",
                password=password,
                platform_roles=("admin", "builder"),
                now=now(),
            )
    except AccountError as exc:
        fail(str(exc))
    return generated


def register(cli: click.Group) -> None:
    @cli.command("init")
    @click.option(
        "--admin-login", default="admin", show_default=True, help="Login of the first admin."
    )
    @click.option(
        "--admin-password", default=None, help="Password of the first admin (random if omitted)."
    )
    def init_command(admin_login: str, admin_password: str | None) -> None:
        """Create or upgrade the database and make sure an admin exists."""
        upgrade_database(current_app)
        click.echo(f"Database ready: {get_db().engine.url.render_as_string(hide_password=True)}")
        generated = ensure_admin(admin_login, admin_password)
        if generated:
            click.echo(f"Created admin '{admin_login}' with password: {generated}")
            click.echo("This password is shown only once; change it after signing in.")
        elif admin_password is None:
            click.echo("An admin already exists; no account was created.")

    @cli.group("db")
    def db_group() -> None:
        """Database maintenance."""

    @db_group.command("upgrade")
    def upgrade_command() -> None:
        """Apply pending platform migrations."""
        upgrade_database(current_app)
        click.echo("Database is up to date.")
