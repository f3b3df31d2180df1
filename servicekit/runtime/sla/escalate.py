"""What an escalation step does: notify users or roles, reassign, raise priority, set a field.

``run_step`` works in the sweep's transaction, the same one that inserts the step's
``sla_firings`` row, so a step's effects and the record that it fired commit together or
not at all. Notifications a step holds until the recipients' next working interval are
returned instead of sent; ``deliver_held`` sends them later, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.accounts.notifications import notify, notify_many
from servicekit.platform.accounts.users import named_user_ids
from servicekit.platform.models import Event, User, WorkflowTask
from servicekit.runtime.rules import RuleError, compile_template
from servicekit.runtime.sla.business_time import next_working_instant
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.policies import Step


class StepRun:
    """One step firing for one timer: the record, and what the actions did."""

    def __init__(
        self, session: Session, timer: Any, step: Step, *, now: datetime, tz: ZoneInfo
    ) -> None:
        from servicekit.runtime.forms import load_form_runtime

        self.session, self.timer, self.step, self.now, self.tz = session, timer, step, now, tz
        self.runtime = load_form_runtime(session, timer.app_key, timer.form_key)
        self.record = self.runtime.store.get(session, timer.record_id)
        self.done: list[dict[str, Any]] = []
        self.held: list[dict[str, Any]] = []

    @property
    def link(self) -> str:
        return record_link(self.timer)

    def values(self) -> dict[str, Any]:
        store = self.runtime.store
        return {
            **store.rule_values(self.session, self.record.values),
            "id": self.record.id,
            "number": self.record.number,
        }

    def render(self, source: str | None) -> str:
        if not source:
            return ""
        fields = self.runtime.app.fields.get(self.timer.form_key, [])
        try:
            template = compile_template(source, fields, self.runtime.app.fields)
            return template.render(self.values(), now=self.now, tz=self.tz)
        except RuleError:
            return source  # checked at publish; a form changed since: show the text as written


def run_step(
    session: Session,
    timer: Any,
    step: Step,
    calendar: Calendar,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> StepRun:
    """Run every action of ``step`` for ``timer``'s work order, in order."""
    run = StepRun(session, timer, step, now=now, tz=tz)
    for action in step.actions:
        kind = action.get("type")
        if kind == "notify":
            _notify(run, action, calendar)
        elif kind == "reassign":
            _reassign(run, action)
        elif kind in ("raise_priority", "set_field"):
            _set_field(run, action)
    return run


def record_link(timer: Any) -> str:
    """The work order's page, where a notification about its timer leads."""
    return f"/apps/{timer.app_key}/forms/{timer.form_key}/records/{timer.record_id}"


def step_title(step: Step, timer: Any, record: Any) -> str:
    """The notification title of ``step`` firing for ``timer``'s work order ``record``."""
    label = step.label
    if isinstance(label, Mapping):
        # Notifications carry no language; show Chinese first, as the app's people read it.
        order = sorted(label, key=lambda lang: (not lang.startswith("zh"), lang))
        label = " / ".join(str(label[lang]) for lang in order)
    number = record.number or f"#{record.id}"
    return f"{number} SLA {timer.target}: {label or step.key}"


def title_of(run: StepRun) -> str:
    return step_title(run.step, run.timer, run.record)


def _notify(run: StepRun, action: Mapping[str, Any], calendar: Calendar) -> None:
    session = run.session
    ids = named_user_ids(
        session, run.timer.app_key, action.get("users") or (), action.get("roles") or ()
    )
    holder = run.record.values.get(action.get("assignee_field") or "")
    if isinstance(holder, int):
        ids.add(holder)
    users = sorted(session.scalars(select(User.id).where(User.id.in_(ids), User.active.is_(True))))
    message = {"title": title_of(run), "body": run.render(action.get("message")), "link": run.link}
    # The recipients' working hours are those of the calendar the policy's clocks run in.
    hold = bool(action.get("hold_outside_working_hours"))
    if hold and next_working_instant(calendar, run.now) > run.now:
        deliver_at = next_working_instant(calendar, run.now)
        run.held.append({**message, "users": users, "deliver_at": deliver_at.isoformat()})
        run.done.append({"type": "notify", "users": users, "held_until": deliver_at.isoformat()})
        return
    for user_id in users:
        notify(session, user_id, message["title"], message["body"] or None, run.link, now=run.now)
    run.done.append({"type": "notify", "users": users})


def deliver_held(session: Session, held: list[Mapping[str, Any]], *, now: datetime) -> int:
    """Send notifications a step held; returns how many went out."""
    return notify_many(
        session,
        [
            (user_id, message["title"], message.get("body") or None, message["link"])
            for message in held
            for user_id in message.get("users") or ()
        ],
        now=now,
    )


def _reassign(run: StepRun, action: Mapping[str, Any]) -> None:
    session, timer = run.session, run.timer
    user_id = None
    if action.get("user"):
        user_id = session.scalar(
            select(User.id).where(User.login == action["user"], User.active.is_(True))
        )
        if user_id is None:
            run.done.append({"type": "reassign", "skipped": f"no active user {action['user']}"})
            return
    query = select(WorkflowTask).where(
        WorkflowTask.app_key == timer.app_key,
        WorkflowTask.form_key == timer.form_key,
        WorkflowTask.record_id == timer.record_id,
        WorkflowTask.state == "open",
        WorkflowTask.kind == "task",
    )
    if timer.target.startswith("node:"):
        query = query.where(WorkflowTask.node_key == timer.target[5:])
    reason = f"SLA {timer.target}: step {run.step.key}"
    moved = []
    for task in session.scalars(query.order_by(WorkflowTask.id)):
        before = task.assignee_id
        task.assignee_id = user_id
        task.claimed_at = run.now if user_id else None
        if action.get("role"):
            task.pool = f"role:{action['role']}"
        task.reason = reason
        session.add(
            Event(
                app_key=timer.app_key,
                form_key=timer.form_key,
                record_id=timer.record_id,
                kind="workflow.reassigned",
                actor_id=None,
                at=run.now,
                changes={
                    "node": task.node_key,
                    "task": task.id,
                    "before": before,
                    "assignee": user_id,
                    "pool": task.pool,
                    "reason": reason,
                },
            )
        )
        moved.append(task.id)
    session.flush()
    run.done.append(
        {"type": "reassign", "tasks": moved, "user": user_id, "role": action.get("role")}
    )


def _set_field(run: StepRun, action: Mapping[str, Any]) -> None:
    from servicekit.runtime.forms import Context

    key = action.get("field") or "priority"
    value = action.get("to")
    current = run.record.values.get(key)
    if action.get("type") == "raise_priority" and not _is_higher(run, key, value, current):
        run.done.append({"type": "raise_priority", "field": key, "kept": current})
        return
    if current == value:
        run.done.append({"type": action.get("type"), "field": key, "kept": current})
        return
    run.record = run.runtime.store.update(
        run.session,
        run.record.id,
        {key: value},
        Context(now=run.now, tz=run.tz, user={}),
        expected_version=run.record.version,
        actor_id=None,
    )
    run.done.append({"type": action.get("type"), "field": key, "from": current, "to": value})


def _is_higher(run: StepRun, key: str, value: Any, current: Any) -> bool:
    """Options are listed most important first: raising moves towards the top, never down."""
    field = run.runtime.form.field(key)
    options = [o.get("value") for o in (field.raw.get("options") or [])]
    if value not in options:
        return False
    return current not in options or options.index(value) < options.index(current)
