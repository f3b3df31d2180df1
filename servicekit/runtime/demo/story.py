"""The after-sales demo's work order stories: who did what when, from the seed data's fields.

For ``servicekit demo``: the seed CSV says what became of each work order (its engineer,
resolution and rating) and when the visit was booked, but not how it got there. ``plan``
invents that path from those fields, deterministically (one random stream per business
number), in working time of the SLA calendar: the agent accepts, the dispatcher dispatches,
the engineer finishes at the appointment, a supervisor reviews costly parts (and returns a
few), the agent follows up and closes; a few closed ones are reopened. Most meet their SLA
targets; some answer late, wait for a busy customer or need rework, and breach — more
often in the summer peak, less once the fifth engineer has joined.

Work orders without a resolution are still open: at the service visit when an engineer is
named, else waiting for dispatch or acceptance. Finished but unrated ones from the last
days wait at the follow-up.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from servicekit.runtime.sla.business_time import due

MINUTE = timedelta(minutes=1)
# How long a finished, unrated work order may wait at the follow-up before the agent closes it.
FOLLOW_UP_WAIT = timedelta(days=14)
# How much more often work runs late, by month: the summer chiller peak stretches the team;
# from October the fifth engineer has settled in.
BUSY = {6: 1.8, 7: 2.4, 8: 2.0, 9: 1.3, 10: 0.7, 11: 0.7}


@dataclass(frozen=True)
class Step:
    """One action of the story: when, by which login, which button (or ``reopen``)."""

    at: datetime
    login: str
    action: str
    comment: str | None = None


@dataclass(frozen=True)
class Story:
    created_at: datetime
    creator: str
    steps: list[Step]


def reported_at(number: str, appointment: datetime | None, rng: random.Random) -> datetime | None:
    """When the customer called: the day in the business number, the booked visit 2, 4, 24
    or 48 hours later (how the seed data was made), in office hours 08:00–19:59."""
    day = date(int(number[3:7]), int(number[7:9]), int(number[9:11]))
    if appointment is None:
        return None
    fits = [
        appointment - timedelta(hours=hours)
        for hours in (2, 4, 24, 48)
        if (appointment - timedelta(hours=hours)).date() == day
        and 8 <= (appointment - timedelta(hours=hours)).hour <= 19
    ]
    if fits:
        return rng.choice(fits)
    return appointment.replace(
        year=day.year,
        month=day.month,
        day=day.day,
        hour=rng.randint(8, 11),
        minute=rng.randint(0, 59),
    )


def parts_total(values: Mapping[str, Any]) -> Decimal:
    return sum(
        (Decimal(row.get("qty") or 0) * Decimal(row.get("unit_price") or 0))
        for row in values.get("parts") or []
    ) or Decimal(0)


def plan(
    number: str,
    values: Mapping[str, Any],
    calendar: Any,
    *,
    engineer_login: str | None,
    data_end: datetime,
    shift: timedelta,
    now: datetime,
) -> Story | None:
    """The story of one work order, up to ``now`` (None: it starts after ``now``).

    ``data_end`` is the moment the seed data stops; open work orders are moved on by
    ``shift`` (whole weeks) so that a demo set up later still has a live backlog.
    """
    rng = random.Random(number)
    appointment = values.get("appointment_at")
    created = reported_at(number, appointment, rng)
    if created is None or appointment is None:
        return None
    finished = bool(values.get("resolution"))
    if not finished:
        created, appointment = created + shift, appointment + shift
    if created >= now:
        return None
    urgent = values.get("priority") == "urgent"
    steps: list[Step] = []

    def at(start: datetime, low: float, high: float, *, working: bool = True) -> datetime:
        minutes = timedelta(minutes=round(rng.uniform(low, high)))
        moment = due(calendar, start, minutes) if working else start + minutes
        last = steps[-1].at if steps else created
        return max(moment, last + MINUTE)

    busy = BUSY.get(created.month, 1.0)

    def late(share: float) -> bool:
        return rng.random() < share * busy

    # Response: accepting the work order (30 working minutes urgent, 4 hours otherwise).
    if urgent:
        accept = at(created, 35, 90) if late(0.1) else at(created, 3, 25)
    else:
        accept = at(created, 250, 600) if late(0.07) else at(created, 10, 200)
    steps.append(Step(accept, "dispatcher", "accept"))
    if not finished and not engineer_login and data_end - created < timedelta(days=1) and late(0.5):
        steps.pop()  # not accepted yet
    if finished or engineer_login:
        if urgent:
            dispatched = at(accept, 35, 70) if late(0.1) else at(accept, 5, 25)
        else:
            dispatched = at(accept, 15, 240)
        steps.append(Step(dispatched, "dispatcher", "dispatch"))
    if finished:
        _service_to_close(steps, values, appointment, engineer_login, urgent, data_end, at, late)
        if len(steps) and steps[-1].action == "close" and late(0.03):
            if not str(values.get("description") or "").startswith("复修"):
                _reopened(steps, values, engineer_login, at)
    return Story(created, "dispatcher", [s for s in steps if s.at < now])


def _service_to_close(
    steps: list[Step],
    values: Mapping[str, Any],
    appointment: datetime,
    engineer: str | None,
    urgent: bool,
    data_end: datetime,
    at: Any,
    late: Any,
) -> None:
    engineer = engineer or "engineer1"
    start = max(appointment, steps[-1].at + timedelta(minutes=20))
    steps.append(Step(at(start, 60, 180, working=False), engineer, "complete"))
    if parts_total(values) > 1000:
        if late(0.12):
            steps.append(
                Step(
                    at(steps[-1].at, 20, 240),
                    "supervisor",
                    "reject",
                    "配件费用偏高，请说明更换原因",
                )
            )
            steps.append(Step(at(steps[-1].at, 60, 480), engineer, "complete"))
        steps.append(Step(at(steps[-1].at, 20, 180), "supervisor", "approve"))
    if not values.get("satisfaction") and data_end - steps[-1].at < FOLLOW_UP_WAIT:
        return  # the customer has not been reached yet
    if late(0.07):
        closing = at(steps[-1].at, 600, 1500)  # the customer was hard to reach
    elif urgent:
        closing = at(steps[-1].at, 15, 90)
    else:
        closing = at(steps[-1].at, 30, 480)
    comment = None if values.get("satisfaction") else "客户未评价"
    steps.append(Step(closing, "dispatcher", "close", comment))


def _reopened(steps: list[Step], values: Mapping[str, Any], engineer: str | None, at: Any) -> None:
    """The customer calls back: the fault came back; the same engineer goes again."""
    reopened = at(steps[-1].at, 480, 1800)
    steps.append(Step(reopened, "dispatcher", "reopen", "客户反映故障复现"))
    steps.append(Step(at(reopened, 120, 720), engineer or "engineer1", "complete"))
    if parts_total(values) > 1000:
        steps.append(Step(at(steps[-1].at, 20, 180), "supervisor", "approve"))
    steps.append(Step(at(steps[-1].at, 30, 240), "dispatcher", "close"))
