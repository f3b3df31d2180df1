"""Escalation steps that only notify, planned and sent for a whole sweep batch at once.

Most ladder steps only notify roles and people. The sweep plans them here for every due
timer of a batch with a fixed number of queries — the batch's work orders in one read per
form, role members and active users once — so that firing costs the rows it writes, not
a round of queries per step. ``plan_notify_steps`` runs before the steps' ``sla_firings``
rows are claimed (the plan fills in their ``detail``); only the claimed steps' messages
are then sent. Steps with any other action, or whose work order cannot be read in bulk,
go through ``escalate.run_step`` one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.accounts.users import named_user_ids
from servicekit.platform.models import User
from servicekit.runtime.rules import RuleError, Template, compile_template
from servicekit.runtime.sla.business_time import next_working_instant
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.escalate import record_link, step_title
from servicekit.runtime.sla.policies import Step


@dataclass
class NotifyPlan:
    """What one notify-only step will do: its messages and the firing row's figures."""

    timer: Any
    step: Step
    at: datetime  # when the step was due (the firing's ``scheduled_at``)
    messages: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    done: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)

    def firing_columns(self) -> dict[str, Any]:
        """``state``, ``deliver_at`` and ``detail`` of the step's ``sla_firings`` row."""
        if not self.held:
            return {"state": "done", "deliver_at": None, "detail": self.done}
        deliver_at = min(datetime.fromisoformat(h["deliver_at"]) for h in self.held)
        return {
            "state": "held",
            "deliver_at": deliver_at,
            "detail": {"done": self.done, "held": self.held},
        }


def notify_only(step: Step) -> bool:
    return all(action.get("type") == "notify" for action in step.actions)


def plan_notify_steps(
    session: Session,
    due: Sequence[tuple[Any, Step, datetime, Calendar]],
    *,
    now: datetime,
    tz: ZoneInfo,
    runtimes: dict[tuple[str, str], Any] | None = None,
) -> dict[tuple[int, str], NotifyPlan]:
    """Plans for the notify-only steps among ``due`` (timer, step, due instant, calendar),
    by (timer id, step key). Steps left out must be run by ``run_step``.

    ``runtimes`` keeps loaded forms by (app, form) from one batch to the next."""
    from servicekit.runtime.forms import load_form_runtime

    wanted = [item for item in due if notify_only(item[1])]
    by_form: dict[tuple[str, str], set[int]] = {}
    for timer, _step, _at, _calendar in wanted:
        by_form.setdefault((timer.app_key, timer.form_key), set()).add(timer.record_id)
    runtimes = {} if runtimes is None else runtimes
    for key in by_form:
        if key not in runtimes:
            runtimes[key] = load_form_runtime(session, *key)
    texts = _Texts(session, runtimes, now=now, tz=tz)
    # Only the values the steps use: the fields their messages name, and the assignees.
    needed: dict[tuple[str, str], set[str]] = {key: set() for key in by_form}
    for timer, step in {(t.app_key, t.form_key, id(s)): (t, s) for t, s, _a, _c in wanted}.values():
        for action in step.actions:
            fields = needed[(timer.app_key, timer.form_key)]
            fields |= texts.fields(timer, action.get("message"))
            fields.add(action.get("assignee_field") or "number")
    records = {}
    for (app_key, form_key), ids in by_form.items():
        store = runtimes[(app_key, form_key)].store
        for record_id, record in store.get_many(session, ids, needed[(app_key, form_key)]).items():
            records[(app_key, form_key, record_id)] = record
    people = _People(session)
    holds: dict[int, datetime] = {}
    plans: dict[tuple[int, str], NotifyPlan] = {}
    for timer, step, at, calendar in wanted:
        record = records.get((timer.app_key, timer.form_key, timer.record_id))
        if record is None:
            continue  # run_step reports it as it always has
        plan = NotifyPlan(timer, step, at)
        title, link = step_title(step, timer, record), record_link(timer)
        for action in step.actions:
            holder = record.values.get(action.get("assignee_field") or "")
            users = people.recipients(timer.app_key, action, holder)
            body = texts.render(timer, record, action.get("message")) or None
            if action.get("hold_outside_working_hours"):
                if id(calendar) not in holds:
                    holds[id(calendar)] = next_working_instant(calendar, now)
                deliver_at = holds[id(calendar)]
                if deliver_at > now:
                    message = {"title": title, "body": body or "", "link": link}
                    plan.held.append(
                        {**message, "users": users, "deliver_at": deliver_at.isoformat()}
                    )
                    plan.done.append(
                        {"type": "notify", "users": users, "held_until": deliver_at.isoformat()}
                    )
                    continue
            plan.messages += [(user_id, title, body, link) for user_id in users]
            plan.done.append({"type": "notify", "users": users})
        plans[(timer.id, step.key)] = plan
    return plans


class _People:
    """Recipients of notify actions: named users, role members and the record's assignee,
    active ones only; each (app, users, roles) looked up once per batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._named: dict[tuple[str, tuple[str, ...], tuple[str, ...]], set[int]] = {}
        self._active: dict[int, bool] = {}

    def recipients(self, app_key: str, action: Mapping[str, Any], holder: Any) -> list[int]:
        key = (app_key, tuple(action.get("users") or ()), tuple(action.get("roles") or ()))
        if key not in self._named:
            self._named[key] = named_user_ids(self.session, *key)
        ids = set(self._named[key])
        if isinstance(holder, int):
            ids.add(holder)
        unknown = [i for i in ids if i not in self._active]
        if unknown:
            active = set(
                self.session.scalars(
                    select(User.id).where(User.id.in_(unknown), User.active.is_(True))
                )
            )
            self._active.update((i, i in active) for i in unknown)
        return sorted(i for i in ids if self._active[i])


class _Texts:
    """Message templates compiled once per form and source, rendered per work order."""

    def __init__(
        self, session: Session, runtimes: Mapping[Any, Any], *, now: datetime, tz: ZoneInfo
    ) -> None:
        self.session, self.runtimes, self.now, self.tz = session, runtimes, now, tz
        self._compiled: dict[tuple[str, str, str], Template | None] = {}

    def template(self, timer: Any, source: str) -> Template | None:
        key = (timer.app_key, timer.form_key, source)
        if key not in self._compiled:
            runtime = self.runtimes[(timer.app_key, timer.form_key)]
            fields = runtime.app.fields.get(timer.form_key, [])
            try:
                self._compiled[key] = compile_template(source, fields, runtime.app.fields)
            except RuleError:
                self._compiled[key] = None  # checked at publish; the form changed since
        return self._compiled[key]

    def fields(self, timer: Any, source: str | None) -> set[str]:
        """The record's fields a message names (the first part of each path)."""
        template = self.template(timer, source) if source else None
        return {path.split(".")[0] for path in template.fields} if template else set()

    def render(self, timer: Any, record: Any, source: str | None) -> str:
        if not source:
            return ""
        runtime = self.runtimes[(timer.app_key, timer.form_key)]
        template = self.template(timer, source)
        if template is None:
            return source
        values: Mapping[str, Any] = record.values
        lookups = {f.key for f in runtime.store.form.lookups}
        if any(path.split(".")[0] in lookups for path in template.fields):
            values = runtime.store.rule_values(self.session, record.values)
        values = {**values, "id": record.id, "number": record.number}
        try:
            return template.render(values, now=self.now, tz=self.tz)
        except RuleError:
            return source
