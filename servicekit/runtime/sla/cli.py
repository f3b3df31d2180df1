"""``servicekit sla due|elapsed|holidays``: business time and calendars from a shell."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import inspect

from servicekit.platform.db import get_db
from servicekit.platform.models import MetadataDocument
from servicekit.runtime.sla.business_time import elapsed
from servicekit.runtime.sla.calendar import CN_MAINLAND, WEEKDAYS, Calendar, builtin_calendar
from servicekit.runtime.sla.durations import format_working, parse_target
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.sla.store import BUILTIN_KEYS, load_calendar

_DOCUMENTS = MetadataDocument.__tablename__
_CALENDAR = click.option(
    "--calendar", "calendar_key", default=CN_MAINLAND, show_default=True, help="Calendar key."
)
_APP = click.option("--app", "app_key", default=None, help="Look for the app's own calendar first.")


@click.group("sla", cls=AppGroup)
def sla_group() -> None:
    """Business-time arithmetic on working calendars (holidays, make-up days, lunch breaks)."""


@sla_group.command("due")
@click.argument("start")
@click.argument("duration")
@_CALENDAR
@_APP
def due_command(start: str, duration: str, calendar_key: str, app_key: str | None) -> None:
    """When DURATION of working time from START runs out (30m, 4h, 1h30m, or 3d whole days).

    START is an ISO date and time; without an offset it is read in the calendar's zone.
    """
    try:
        target = parse_target(duration)
        calendar = _calendar(calendar_key, app_key)
        click.echo(target.due(calendar, _moment(start)).isoformat())
    except SlaError as exc:
        raise click.ClickException(exc.render()) from exc


@sla_group.command("elapsed")
@click.argument("start")
@click.argument("end")
@_CALENDAR
@_APP
def elapsed_command(start: str, end: str, calendar_key: str, app_key: str | None) -> None:
    """Working time between START and END, e.g. ``7h30m (450 working minutes)``."""
    try:
        calendar = _calendar(calendar_key, app_key)
        amount = elapsed(calendar, _moment(start), _moment(end))
    except SlaError as exc:
        raise click.ClickException(exc.render()) from exc
    minutes = amount.total_seconds() / 60
    shown = f"{minutes:g}"
    click.echo(f"{format_working(amount)} ({shown} working minutes)")


@sla_group.command("holidays")
@click.argument("year", type=click.IntRange(1900, 2200))
@_CALENDAR
@_APP
def holidays_command(year: int, calendar_key: str, app_key: str | None) -> None:
    """List YEAR's holidays and make-up workdays in a calendar, one date a line."""
    try:
        calendar = _calendar(calendar_key, app_key)
        calendar.check_covered(date(year, 1, 1))
    except SlaError as exc:
        raise click.ClickException(exc.render()) from exc
    days = sorted(
        [(d, "holiday", h.label) for d, h in calendar.holidays.items() if d.year == year]
        + [
            (d, f"workday ({WEEKDAYS[m.follows]} hours)", m.label)
            for d, m in calendar.makeup_days.items()
            if d.year == year
        ]
    )
    for day, what, label in days:
        click.echo(f"{day.isoformat()} {day.strftime('%a')}  {what:<22} {_label(label)}".rstrip())


def _label(label: Any) -> str:
    if isinstance(label, dict):
        return " / ".join(str(text) for text in label.values())
    return "" if label is None else str(label)


def _calendar(key: str, app_key: str | None) -> Calendar:
    with get_db().sessions() as session:
        # Asking about the built-in calendar should not need `servicekit init` first.
        if key in BUILTIN_KEYS and not inspect(session.connection()).has_table(_DOCUMENTS):
            return builtin_calendar(key)
        return load_calendar(session, key, app_key=app_key)


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(
            f"'{text}' is not an ISO date and time such as 2025-09-26T17:00 or 2025-09-26 17:00+08:00."
        ) from exc
