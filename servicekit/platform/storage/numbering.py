"""Business numbers such as ``WO-20261123-0001`` from a form's numbering pattern, and the
values of auto-number fields, which follow a pattern of their own.

A counter row per (sequence, period) is incremented inside the caller's transaction; on
PostgreSQL the row is locked (``FOR UPDATE``) so concurrent creators never share a number,
and SQLite serialises writers by itself. The business number's sequence is ``app.form``,
an auto-number field's is ``app.form.field``, so each counts on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import Sequence

PLACEHOLDER = re.compile(r"\{(yyyy|yy|mm|dd|seq:(\d{1,2}))\}")
# What an auto-number field without a ``numbering`` of its own counts with.
AUTO_NUMBERING = {"pattern": "{seq:6}", "reset": "never"}


def field_numbering(item: FieldDef) -> dict[str, Any]:
    """The numbering of an auto-number field: its own, or :data:`AUTO_NUMBERING`."""
    return item.get("numbering") or AUTO_NUMBERING


def form_sequence(app_key: str, form_key: str) -> str:
    """The sequence name of a form's business number."""
    return f"{app_key}.{form_key}"


def field_sequence(app_key: str, form_key: str, field_key: str) -> str:
    """The sequence name of an auto-number field (the business number's is ``app.form``)."""
    return f"{app_key}.{form_key}.{field_key}"


def period_of(reset: str, local_now: datetime) -> str:
    """The counter period a number falls in: the day, month, year or ``all``."""
    if reset == "daily":
        return local_now.strftime("%Y%m%d")
    if reset == "monthly":
        return local_now.strftime("%Y%m")
    if reset == "yearly":
        return local_now.strftime("%Y")
    return "all"


def render_number(pattern: str, local_now: datetime, seq: int) -> str:
    """Fill ``pattern``'s placeholders for the given local time and sequence value."""

    def fill(match: re.Match[str]) -> str:
        token = match.group(1)
        if token == "yyyy":
            return local_now.strftime("%Y")
        if token == "yy":
            return local_now.strftime("%y")
        if token == "mm":
            return local_now.strftime("%m")
        if token == "dd":
            return local_now.strftime("%d")
        return str(seq).zfill(int(match.group(2)))

    return PLACEHOLDER.sub(fill, pattern)


def next_number(session: Session, sequence_name: str, numbering: dict, local_now: datetime) -> str:
    """Take the next business number for ``sequence_name`` (usually ``app.form``)."""
    period = period_of(numbering.get("reset", "never"), local_now)
    counter = _locked_counter(session, sequence_name, period)
    counter.value += 1
    session.flush()
    return render_number(numbering["pattern"], local_now, counter.value)


def peek_number(session: Session, sequence_name: str, numbering: dict, local_now: datetime) -> str:
    """The number :func:`next_number` would take now, without taking it (designer preview).

    Reads the counter without a lock, so a record created meanwhile may take it first.
    """
    period = period_of(numbering.get("reset", "never"), local_now)
    value = session.scalar(
        select(Sequence.value).where(Sequence.name == sequence_name, Sequence.period == period)
    )
    return render_number(numbering["pattern"], local_now, (value or 0) + 1)


def _locked_counter(session: Session, name: str, period: str) -> Sequence:
    query = select(Sequence).where(Sequence.name == name, Sequence.period == period)
    counter = session.scalars(query.with_for_update()).first()
    if counter is not None:
        return counter
    try:
        with session.begin_nested():
            counter = Sequence(name=name, period=period, value=0)
            session.add(counter)
    except IntegrityError:
        # Another transaction created the row first; lock theirs.
        counter = session.scalars(query.with_for_update()).one()
    return counter


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts, last = [], 0
    for match in PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[last : match.start()]))
        token = match.group(1)
        parts.append(
            r"(?P<seq>\d+)" if token.startswith("seq") else rf"(?P<{token}>\d{{{len(token)}}})"
        )
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("^" + "".join(parts) + "$")


def observe_number(session: Session, sequence_name: str, numbering: dict, number: str) -> None:
    """Advance the counter past a number that was given, not taken (seed data, imports).

    Later numbers then never collide with it. A number that does not fit the pattern is
    left alone: it cannot collide with generated ones.
    """
    observe_numbers(session, sequence_name, numbering, [number])


def observe_numbers(
    session: Session, sequence_name: str, numbering: dict, numbers: Iterable[str]
) -> None:
    """:func:`observe_number` for many numbers, touching each period's counter once."""
    highest: dict[str, int] = {}
    regex = _pattern_regex(numbering["pattern"])
    reset = numbering.get("reset", "never")
    for number in numbers:
        match = regex.match(number)
        if match is None:
            continue
        parts = match.groupdict()
        year = parts.get("yyyy") or ("20" + parts["yy"] if parts.get("yy") else "")
        period = {
            "daily": year + (parts.get("mm") or "") + (parts.get("dd") or ""),
            "monthly": year + (parts.get("mm") or ""),
            "yearly": year,
        }.get(reset, "all")
        highest[period] = max(highest.get(period, 0), int(parts["seq"]))
    if not highest:
        return
    # One locked read for the counters that exist and one insert for the rest: seed files
    # name hundreds of days, and a statement or two per day made installs slow.
    existing = session.scalars(
        select(Sequence)
        .where(Sequence.name == sequence_name, Sequence.period.in_(sorted(highest)))
        .with_for_update()
    ).all()
    for counter in existing:
        counter.value = max(counter.value, highest[counter.period])
    missing = sorted(set(highest) - {c.period for c in existing})
    if missing:
        rows = [{"name": sequence_name, "period": p, "value": highest[p]} for p in missing]
        try:
            with session.begin_nested():
                session.execute(insert(Sequence), rows)
        except IntegrityError:
            # Another transaction created some of them first; take the slow, locked way.
            for period in missing:
                counter = _locked_counter(session, sequence_name, period)
                counter.value = max(counter.value, highest[period])
    session.flush()
