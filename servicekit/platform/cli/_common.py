"""Helpers shared by the CLI commands: errors as one line each, the app's time and zone."""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn
from zoneinfo import ZoneInfo

import click
from flask import current_app

from servicekit.platform.metadata.problems import MetadataError


def fail(message: str | MetadataError, code: int = 1) -> NoReturn:
    """Print one line per problem on stderr and exit non-zero."""
    lines = message.problems if isinstance(message, MetadataError) else [message]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    raise SystemExit(code)


def now() -> datetime:
    return current_app.extensions["servicekit.clock"].now()


def app_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
