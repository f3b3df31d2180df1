"""The ``servicekit token`` commands: give an integrator a token, or take one back."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from servicekit.platform.accounts import get_user_by_login
from servicekit.platform.db import get_db
from servicekit.workspace.api.tokens import create_token, revoke_token

token_group = AppGroup("token", help="Create and revoke API tokens.")


def _fail(message: str) -> None:
    # One clear line on stderr and exit code 1, as every ServiceKit command does.
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@token_group.command("create")
@click.argument("login")
@click.option("--name", default="CLI", help="What the token is for (shown in the profile).")
def create_command(login: str, name: str) -> None:
    """Create an API token for user LOGIN and print it (it is shown only this once)."""
    now = current_app.extensions["servicekit.clock"].now()
    with get_db().transaction() as session:
        user = get_user_by_login(session, login)
        if user is None:
            _fail(f"no user with login “{login}”")
            return
        if not user.active:
            _fail(f"user “{login}” is disabled")
            return
        token, secret = create_token(session, user.id, name, now=now)
        token_id = token.id
    click.echo(f"token {token_id} for {login}: {secret}")
    click.echo("Keep it safe: it cannot be shown again.", err=True)


@token_group.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke API token TOKEN_ID; requests with it are refused from now on."""
    now = current_app.extensions["servicekit.clock"].now()
    with get_db().transaction() as session:
        token = revoke_token(session, token_id, now=now)
    if token is None:
        _fail(f"no API token with id {token_id}")
    click.echo(f"revoked token {token_id}")


def init_app(app: Flask) -> None:
    """Add the ``token`` command group to the app's CLI."""
    app.cli.add_command(token_group)
