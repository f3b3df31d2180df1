"""The calendar pages: shared working calendars, a year view to toggle days, weekday hours.

Everyone signed in may look; app builders and admins may change a calendar, and every
change publishes a new version (the SLA clocks record which one they ran in).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from servicekit.platform.db import get_session
from servicekit.platform.metadata import MetadataError
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.web import current_locale, render
from servicekit.runtime.sla import (
    CN_MAINLAND,
    WEEKDAYS,
    Calendar,
    CalendarCoverageError,
    CalendarError,
    publish_shared_calendar,
    shared_calendar_body,
    shared_calendar_keys,
)
from servicekit.workspace.calendars.year import (
    day_cell,
    interval_summary,
    own_dates,
    parse_week,
    toggle_day,
    week_text,
    year_view,
)

bp = Blueprint(
    "calendars",
    __name__,
    url_prefix="/calendars",
    template_folder=str(Path(__file__).resolve().parents[1] / "templates"),
)


@bp.context_processor
def _labels() -> dict[str, Any]:
    """``label(x)`` in the calendar templates: a translatable label in the reader's language."""
    return {"label": lambda value: label_text(value, current_locale())}


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_FIRST_YEAR, _LAST_YEAR = 1970, 2200
_OFFICE = [{"start": "08:30", "end": "12:00"}, {"start": "13:30", "end": "17:30"}]


def _can_edit() -> bool:
    return bool(current_user.is_authenticated and current_user.is_builder)


def _load(key: str) -> tuple[dict[str, Any], int | None, Calendar]:
    if not _KEY.match(key):
        abort(404)
    found = shared_calendar_body(get_session(), key)
    if found is None:
        abort(404)
    body, version = found
    try:
        return body, version, Calendar.from_body(body, version=version)
    except CalendarError:
        abort(404)  # a stored body that no longer builds; publishing refuses those


def _publish(body: dict[str, Any]) -> list[Any]:
    """Publish ``body`` as the next version; returns the problems if it was refused."""
    clock = current_app.extensions["servicekit.clock"]
    session = get_session()
    try:
        publish_shared_calendar(session, body, author_id=current_user.id, now=clock.now())
    except MetadataError as exc:
        session.rollback()
        return exc.problems
    session.commit()
    return []


def _year() -> int:
    clock = current_app.extensions["servicekit.clock"]
    try:
        year = int(request.args.get("year", "")[:4])
    except ValueError:
        year = clock.today().year
    return min(max(year, _FIRST_YEAR), _LAST_YEAR)


@bp.get("/")
def index() -> Response:
    """Every shared calendar with its hours, and (for builders) a form to add one."""
    rows = []
    for key in shared_calendar_keys(get_session()):
        body, version, calendar = _load(key)
        rows.append(
            {"key": key, "body": body, "version": version, "hours": interval_summary(calendar)}
        )
    return render("calendars/index.html", rows=rows, can_edit=_can_edit(), weekdays=WEEKDAYS)


@bp.post("/")
def create() -> Response:
    """Add a shared calendar with office hours Monday to Friday (and China's holidays if asked)."""
    if not _can_edit():
        abort(403)
    key = (request.form.get("key") or "").strip()[:30]
    label = (request.form.get("label") or "").strip()[:200]
    if not _KEY.match(key) or not label:
        flash(
            _("Give the calendar a key (lowercase letters, digits, underscores) and a name."),
            "danger",
        )
        return redirect(url_for("calendars.index"))  # type: ignore[return-value]
    if shared_calendar_body(get_session(), key) is not None:
        flash(_("A calendar with the key %(key)s exists already.", key=key), "danger")
        return redirect(url_for("calendars.index"))  # type: ignore[return-value]
    body: dict[str, Any] = {
        "key": key,
        "label": label,
        "timezone": "Asia/Shanghai",
        "week": {day: list(_OFFICE) if day not in ("sat", "sun") else [] for day in WEEKDAYS},
    }
    if request.form.get("source") == CN_MAINLAND:
        body["source"] = CN_MAINLAND
    problems = _publish(body)
    if problems:
        flash("; ".join(str(p) for p in problems), "danger")
        return redirect(url_for("calendars.index"))  # type: ignore[return-value]
    return redirect(url_for("calendars.show", key=key))  # type: ignore[return-value]


@bp.get("/<key>")
def show(key: str) -> Response:
    """The year view of one calendar and its weekday hours."""
    body, version, calendar = _load(key)
    return _show(key, body, version, calendar, _year())


def _show(
    key: str,
    body: dict[str, Any],
    version: int | None,
    calendar: Calendar,
    year: int,
    *,
    status: int = 200,
    week_errors: dict[str, str] | None = None,
    texts: dict[str, str] | None = None,
    problems: list[Any] | None = None,
) -> Response:
    try:
        months = year_view(calendar, body, year)
        uncovered = None
    except CalendarCoverageError as exc:
        months, uncovered = [], exc
    return render(
        "calendars/calendar.html",
        status=status,
        key=key,
        body=body,
        version=version,
        year=year,
        months=months,
        uncovered=uncovered,
        can_edit=_can_edit(),
        weekdays=WEEKDAYS,
        texts=texts or week_text(body),
        week_errors=week_errors or {},
        problems=problems or [],
    )


@bp.post("/<key>/week")
def save_week(key: str) -> Response:
    """Replace the weekday hours with what the builder typed."""
    if not _can_edit():
        abort(403)
    body, version, calendar = _load(key)
    texts = {day: (request.form.get(day) or "")[:400] for day in WEEKDAYS}
    week, errors = parse_week(texts)
    problems: list[Any] = []
    if not errors:
        problems = _publish({**body, "week": week})
    if errors or problems:
        return _show(
            key,
            body,
            version,
            calendar,
            _year(),
            status=422,
            week_errors=errors,
            texts=texts,
            problems=problems,
        )
    flash(_("Working hours saved."), "success")
    return redirect(url_for("calendars.show", key=key, year=_year()))  # type: ignore[return-value]


@bp.post("/<key>/days/<day>")
def toggle(key: str, day: str) -> Response:
    """Flip one date between worked and free; htmx gets the redrawn day cell back."""
    if not _can_edit():
        abort(403)
    try:
        when = date.fromisoformat(day[:10])
    except ValueError:
        abort(404)
    body, _version, calendar = _load(key)
    try:
        new = toggle_day(body, calendar, when)
    except CalendarCoverageError:
        abort(404)
    problems = _publish(new)
    if problems:
        flash("; ".join(str(p) for p in problems), "danger")
    body, version, calendar = _load(key)
    if request.headers.get("HX-Request") == "true" and not problems:
        return render(
            "calendars/_day.html",
            cell=day_cell(calendar, when, own_dates(body)),
            key=key,
            can_edit=True,
        )
    return redirect(url_for("calendars.show", key=key, year=when.year))  # type: ignore[return-value]
