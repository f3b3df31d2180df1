"""Common automatic actions: set field values, notify people, call a webhook, create a record.

Used by workflow nodes (``on_enter``/``on_leave``, action nodes) and by later engines
(SLA escalations). Everything happens in the caller's transaction; mail and webhooks only
go into the outbox, so a failing receiver never undoes the change that caused them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.accounts.notifications import notify
from servicekit.platform.accounts.users import named_user_ids
from servicekit.platform.models import User
from servicekit.runtime.forms import Actor, Context, load_form_runtime, to_json
from servicekit.runtime.workflow.loader import WorkflowRuntime
from servicekit.runtime.workflow.outbox import enqueue


@dataclass
class ActionContext:
    """What an action needs: the session, workflow, record, actor, time and zone."""

    session: Session
    workflow: WorkflowRuntime
    record_id: int
    actor: Actor
    now: datetime
    tz: ZoneInfo
    extra: dict[str, Any] = field(default_factory=dict)  # node, action: for webhook bodies

    def record(self) -> Any:
        return self.workflow.form.store.get(self.session, self.record_id)

    def rule_values(self) -> dict[str, Any]:
        """The record's values with lookups expanded and its number, for rules and templates."""
        store = self.workflow.form.store
        record = self.record()
        return {
            **store.rule_values(self.session, record.values),
            "id": record.id,
            "number": record.number,
        }

    def evaluate(self, source: str, values: Mapping[str, Any], expect: str | None = None) -> Any:
        return self.workflow.rule(source, expect).evaluate(
            values, now=self.now, user=dict(self.actor.rule_user), tz=self.tz
        )


def run_actions(ctx: ActionContext, actions: Sequence[Mapping[str, Any]]) -> None:
    """Run ``actions`` in order, each seeing the values the previous ones set."""
    for action in actions:
        values = ctx.rule_values()
        if action.get("when") and ctx.evaluate(action["when"], values, "boolean") is not True:
            continue
        _RUNNERS[action["type"]](ctx, action, values)


def _set(ctx: ActionContext, action: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    changes = {key: ctx.evaluate(expr, values) for key, expr in action.get("values", {}).items()}
    record = ctx.record()
    ctx.workflow.form.store.update(
        ctx.session,
        ctx.record_id,
        changes,
        Context(now=ctx.now, tz=ctx.tz, user=dict(ctx.actor.rule_user)),
        expected_version=record.version,
        actor_id=ctx.actor.id,
    )


def _recipients(
    ctx: ActionContext, action: Mapping[str, Any], values: Mapping[str, Any]
) -> list[User]:
    session = ctx.session
    ids = named_user_ids(
        session, ctx.workflow.app_key, action.get("users") or (), action.get("roles") or ()
    )
    for key in action.get("fields") or ():
        value = values.get(key)
        if isinstance(value, int):
            ids.add(value)
    if not ids:
        return []
    return list(
        session.scalars(
            select(User).where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)
        )
    )


def _render(ctx: ActionContext, source: str | None, values: Mapping[str, Any]) -> str:
    if not source:
        return ""
    return ctx.workflow.template(source).render(
        values, now=ctx.now, user=dict(ctx.actor.rule_user), tz=ctx.tz
    )


def record_link(ctx: ActionContext) -> str:
    return f"/apps/{ctx.workflow.app_key}/forms/{ctx.workflow.form_key}/records/{ctx.record_id}"


def _notify(ctx: ActionContext, action: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    channels = action.get("channels") or ["in_app", "email"]
    title = _render(ctx, action.get("title"), values) or str(values.get("number") or "")
    body = _render(ctx, action.get("message"), values)
    for user in _recipients(ctx, action, values):
        if "in_app" in channels:
            notify(ctx.session, user.id, title, body or None, record_link(ctx), now=ctx.now)
        if "email" in channels and user.email:
            enqueue(
                ctx.session,
                "mail",
                {"to": user.email, "subject": title, "body": body},
                app_key=ctx.workflow.app_key,
                record_id=ctx.record_id,
                now=ctx.now,
            )


def webhook_body(ctx: ActionContext) -> dict[str, Any]:
    """The JSON a webhook receives: the event, the record's number and field values."""
    record = ctx.record()
    form = ctx.workflow.form.form
    return {
        "app": ctx.workflow.app_key,
        "form": ctx.workflow.form_key,
        "record": {
            "id": record.id,
            "number": record.number,
            "version": record.version,
            "values": {
                f.key: to_json(f, record.values.get(f.key))
                for f in form.fields
                if f.type != "subform"
            },
        },
        "workflow": ctx.workflow.definition.key,
        "at": ctx.now.isoformat(),
        **ctx.extra,
    }


def _webhook(ctx: ActionContext, action: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    enqueue(
        ctx.session,
        "webhook",
        {"url": action["url"], "body": webhook_body(ctx)},
        app_key=ctx.workflow.app_key,
        record_id=ctx.record_id,
        now=ctx.now,
    )


def _create_record(
    ctx: ActionContext, action: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    target = load_form_runtime(ctx.session, ctx.workflow.app_key, action["form"])
    new_values = {key: ctx.evaluate(expr, values) for key, expr in action.get("values", {}).items()}
    target.store.create(
        ctx.session,
        new_values,
        Context(now=ctx.now, tz=ctx.tz, user=dict(ctx.actor.rule_user)),
        actor_id=ctx.actor.id,
    )


_RUNNERS = {"set": _set, "notify": _notify, "webhook": _webhook, "create_record": _create_record}
