"""Workflow histories and SLA timers for the after-sales demo's seeded work orders.

``servicekit demo`` calls ``seed_histories`` after the sample apps and demo users exist.
Every after-sales work order that has no workflow instance yet (the seeded ones; work
orders made in the app start their workflow when created) gets the journey ``story.plan``
invents for it, written by ``write_journey`` as the engine logs moves, and then its timers,
derived from that log by the SLA engine as of now. Work orders that already have an
instance are left alone, so running the demo again changes nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from servicekit.platform.models import User, WorkflowInstance
from servicekit.runtime.sla.backfill import TimerBackfill
from servicekit.runtime.sla.errors import SlaError
from servicekit.runtime.workflow.journeys import Act, Journey, write_journey
from servicekit.runtime.workflow.loader import find_workflow

APP, FORM = "after_sales", "work_order"
BATCH = 200


def records_without_history(
    session: Session, app_key: str = APP, form_key: str = FORM
) -> list[int]:
    """Ids of live records of the form that have no workflow instance, oldest first."""
    workflow = find_workflow(session, app_key, form_key)
    if workflow is None:
        return []
    table = workflow.form.store.table
    started = exists().where(
        WorkflowInstance.app_key == app_key,
        WorkflowInstance.form_key == form_key,
        WorkflowInstance.record_id == table.c.id,
    )
    query = select(table.c.id).where(table.c.deleted.is_(False), ~started).order_by(table.c.id)
    return list(session.scalars(query))


def data_end(session: Session, tz: ZoneInfo, app_key: str = APP, form_key: str = FORM) -> datetime:
    """Midnight after the last day a business number names: where the seed data stops."""
    workflow = find_workflow(session, app_key, form_key)
    assert workflow is not None
    table = workflow.form.store.table
    last = session.scalar(select(table.c.number).order_by(table.c.number.desc()).limit(1))
    day = datetime.strptime(str(last)[3:11], "%Y%m%d").date() + timedelta(days=1)
    return datetime.combine(day, time(), tzinfo=tz)


def seed_histories(
    session: Session, *, now: datetime, tz: ZoneInfo, record_ids: list[int] | None = None
) -> int:
    """Write histories and timers for work orders without one; returns how many were written.

    Open work orders move on by whole weeks when the demo is set up more than a week after
    the seed data ends, so their timers are due around now rather than long ago.
    """
    from servicekit.runtime.demo.story import plan

    workflow = find_workflow(session, APP, FORM)
    if workflow is None:
        return 0
    ids = records_without_history(session)
    if record_ids is not None:
        wanted = set(record_ids)
        ids = [i for i in ids if i in wanted]
    if not ids:
        return 0
    users = {u.login: u for u in session.scalars(select(User))}
    names = {u.id: u.display_name for u in users.values()}
    logins = {u.id: u.login for u in users.values()}
    sla = TimerBackfill(session, APP, FORM, tz)
    end = data_end(session, tz)
    weeks = max(0, (now.astimezone(tz) - end).days // 7)
    shift = timedelta(weeks=weeks)
    store = workflow.form.store
    written = []
    for record_id in ids:
        record = store.get(session, record_id)
        values = store.rule_values(session, record.values)
        local = dict(values)
        if local.get("appointment_at") is not None:
            local["appointment_at"] = local["appointment_at"].astimezone(tz)
        values = {**values, "id": record.id, "number": record.number}
        probe = sla.state_at(workflow.form, values, now)
        calendar = sla.calendar_of(probe) if probe and probe.get("policy") else None
        if calendar is None:
            continue
        engineer = record.values.get("engineer")
        story = plan(
            str(record.number),
            local,
            calendar,
            engineer_login=logins.get(engineer) if isinstance(engineer, int) else None,
            data_end=end,
            shift=shift,
            now=now,
        )
        if story is None or story.creator not in users:
            continue
        acts = [
            Act(step.at, users[step.login].id, step.action, step.comment)
            for step in story.steps
            if step.login in users
        ]
        state = sla.state_at(workflow.form, values, story.created_at)
        journey = Journey(story.created_at, users[story.creator].id, acts, state)
        write_journey(session, workflow, record_id, journey, values=values, names=names, tz=tz)
        written.append(record_id)
    for record_id in written:
        try:
            sla.store_timers(record_id, as_of=now)
        except SlaError:
            continue  # e.g. a year the holiday data does not cover: timers catch up later
    return len(written)
