"""Entry point of the ``servicekit`` console script."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app() -> object:
    from servicekit import create_app

    return create_app()


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False
)
def cli() -> None:
    """ServiceKit: a low-code platform for service management apps."""


def main() -> None:
    cli(prog_name="servicekit")
