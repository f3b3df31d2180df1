"""The ``servicekit user`` commands: create a user and change a password from the shell."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from servicekit.platform.accounts.errors import AccountError
from servicekit.platform.accounts.users import create_user, get_user_by_login, set_password
from servicekit.platform.db import get_db

user_group = AppGroup("user", help="Create users and change passwords.")


def _fail(message: str) -> None:
    # One clear line on stderr and exit code 1, as every ServiceKit command does.
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _password_option(password: str | None) -> str:
    if password is not None:
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_group.command("create")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--email", default=None, help="Email address.")
@click.option("--admin", is_flag=True, help="Grant the platform role admin.")
@click.option("--builder", is_flag=True, help="Grant the platform role builder.")
@click.option("--password", default=None, help="Password (prompted twice when omitted).")
def create_command(
    login: str,
    display_name: str,
    email: str | None,
    admin: bool,
    builder: bool,
    password: str | None,
) -> None:
    """Create user LOGIN."""
    roles = [role for role, wanted in (("admin", admin), ("builder", builder)) if wanted]
    secret = _password_option(password)
    clock = current_app.extensions["servicekit.clock"]
    try:
        with get_db().transaction() as session:
            create_user(
                session,
                login=login,
                display_name=display_name,
                password=secret,
                email=email,
                platform_roles=roles,
                now=clock.now(),
            )
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"created user {login}")


@user_group.command("passwd")
@click.argument("login")
@click.option("--password", default=None, help="New password (prompted twice when omitted).")
def passwd_command(login: str, password: str | None) -> None:
    """Set a new password for user LOGIN."""
    try:
        with get_db().transaction() as session:
            user = get_user_by_login(session, login)
            if user is None:
                raise AccountError(f"no user with login “{login}”", "login")
            set_password(session, user, _password_option(password))
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"password changed for {login}")


def init_app(app: Flask) -> None:
    """Add the ``user`` command group to the app's CLI."""
    app.cli.add_command(user_group)
