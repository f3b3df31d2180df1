"""Building a simulation :class:`Scenario` from a request: draft documents, sample values, actor.

Everything is read in the caller's (read-only) session: the app's forms and SLA policies as
being edited (drafts over published versions), a picked record or typed values, the acting
user or a set of roles, and dispatch's candidates. Bad input raises ``SimulationError``
naming where (``values.priority``, ``actor``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.designer.workflows.simulation import Scenario, SimulationError
from servicekit.platform.metadata.forms import FieldDef, FormDef
from servicekit.platform.metadata.store import DRAFT, latest_bodies
from servicekit.platform.models import MetadataDocument, User
from servicekit.platform.storage.codecs import from_json, from_text
from servicekit.platform.storage.messages import N_, FieldValueError
from servicekit.runtime.forms import Actor, Context, FormLogic, FormNotFound, load_form_runtime
from servicekit.runtime.rules import RuleError
from servicekit.runtime.sla import Calendar, Policy, SlaError, load_calendar
from servicekit.runtime.workflow import Decision, NodeDef, WorkflowDef, decide
from servicekit.runtime.workflow.dispatch import pool_user_ids

MAX_ROWS = 200


def working_bodies(session: Session, app_key: str, kind: str) -> dict[str, Any]:
    """Every document of ``kind`` as being edited: its draft if any, else its newest version."""
    bodies = dict(latest_bodies(session, app_key, kind))
    drafts = session.execute(
        select(MetadataDocument.key, MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == kind,
            MetadataDocument.status == DRAFT,
        )
    )
    bodies.update({key: body for key, body in drafts if isinstance(body, dict)})
    return bodies


def build_scenario(
    session: Session,
    *,
    app_key: str,
    body: Mapping[str, Any],
    sample: Mapping[str, Any],
    actor_spec: Mapping[str, Any],
    now: datetime,
    tz: ZoneInfo,
    locale: str,
) -> Scenario:
    """The scenario for one simulation request (see the endpoint for the JSON shapes)."""
    try:
        workflow = WorkflowDef.load(body)
    except (KeyError, TypeError, AttributeError) as exc:
        raise SimulationError(
            N_("The workflow is incomplete: %(what)s is missing."), "$", what=str(exc)
        ) from exc
    forms_bodies = working_bodies(session, app_key, "form")
    form_body = forms_bodies.get(workflow.form)
    if not isinstance(form_body, dict):
        raise SimulationError(
            N_("The workflow's form '%(form)s' does not exist."), "$.form", form=workflow.form
        )
    forms = {k: list(b.get("fields") or []) for k, b in forms_bodies.items() if isinstance(b, dict)}
    form = FormDef.from_dict(app_key, form_body)
    actor = _actor(session, app_key, actor_spec)
    values = _values(session, app_key, form, forms, sample, actor, now, tz)
    app_body = working_bodies(session, app_key, "app").get(app_key) or {}
    default_calendar = (app_body.get("settings") or {}).get("calendar") or "cn_mainland"

    def assign(node: NodeDef, many: bool) -> Decision:
        rule = dict(node.assignment or {"strategy": "pool"})
        try:
            return decide(
                session,
                rule,
                values,
                app_key=app_key,
                scope=f"{app_key}.{workflow.key}.{node.key}",
                many=many,
                advance=False,
            )
        except (KeyError, ValueError, TypeError) as exc:
            return Decision(str(rule.get("strategy")), reason=f"incomplete rule: {exc}")

    def in_pool(pool: str | None) -> bool:
        if not pool:
            return False
        if actor.id is not None:
            return actor.id in pool_user_ids(session, pool, app_key)
        kind, _, key = pool.partition(":")
        return kind == "role" and key in actor.roles

    def calendar(key: str | None) -> Calendar:
        return load_calendar(session, key or default_calendar, app_key=app_key)

    return Scenario(
        workflow=workflow,
        form=form,
        forms=forms,
        values=values,
        actor=actor,
        now=now,
        tz=tz,
        assign=assign,
        in_pool=in_pool,
        policies=_policies(session, app_key),
        calendar=calendar,
        locale=locale,
    )


def _policies(session: Session, app_key: str) -> list[Policy]:
    policies = []
    for body in working_bodies(session, app_key, "sla").values():
        try:
            policies.append(Policy.from_body(body))
        except (SlaError, KeyError, TypeError, ValueError):
            continue  # an unfinished draft policy: its own problems are listed beside it
    return policies


def _actor(session: Session, app_key: str, spec: Mapping[str, Any]) -> Actor:
    """A real user (``{"user": id}``) or a person holding ``{"roles": [...]}``."""
    if spec.get("user") not in (None, ""):
        try:
            user = session.get(User, int(spec["user"]))
        except (TypeError, ValueError):
            user = None
        if user is None or not user.active:
            raise SimulationError(N_("Choose an active user as the actor."), "actor.user")
        return Actor(
            id=user.id,
            roles=frozenset(user.roles_in(app_key)),
            is_admin=user.is_admin,
            rule_user=user.rule_context(app_key),
        )
    roles = spec.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) or len(roles) > 50:
        raise SimulationError(N_("Roles must be a list of role keys."), "actor.roles")
    return Actor(id=None, roles=frozenset(roles), rule_user={"id": None, "roles": sorted(roles)})


def _values(
    session: Session,
    app_key: str,
    form: FormDef,
    forms: Mapping[str, list[dict[str, Any]]],
    sample: Mapping[str, Any],
    actor: Actor,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """The sample record's values: a stored record's, or typed ones; lookups expanded,
    formulas computed, as the engine reads them."""
    runtime = None
    try:
        runtime = load_form_runtime(session, app_key, form.key)
    except FormNotFound:
        pass
    values: dict[str, Any] = {}
    if sample.get("record") not in (None, ""):
        if runtime is None:
            raise SimulationError(N_("The form is not published yet; type the values."), "record")
        try:
            values = dict(runtime.store.get(session, int(sample["record"])).values)
        except (LookupError, TypeError, ValueError) as exc:
            raise SimulationError(N_("There is no record with this id."), "record") from exc
    typed = sample.get("values") or {}
    if not isinstance(typed, Mapping):
        raise SimulationError(N_("Values must be an object of field keys."), "values")
    for key, raw in typed.items():
        try:
            item = form.field(str(key))
        except KeyError:
            raise SimulationError(
                N_("'%(key)s' is not a field of the form."), f"values.{key}", key=str(key)
            ) from None
        values[item.key] = _typed(item, raw, tz, f"values.{key}")
    if runtime is not None:
        known = {f.key for f in runtime.form.fields}
        values.update(
            runtime.store.rule_values(session, {k: v for k, v in values.items() if k in known})
        )
    try:
        logic = FormLogic.build(form, forms)
        logic.compute(values, Context(now=now, tz=tz, user=dict(actor.rule_user)))
    except RuleError:
        pass  # a broken formula is the form designer's problem; guards see it as empty
    return values


def _typed(item: FieldDef, raw: Any, tz: ZoneInfo, where: str) -> Any:
    try:
        if item.type == "subform":
            if not isinstance(raw, list) or len(raw) > MAX_ROWS:
                raise FieldValueError(N_("Give the rows as a list (at most 200)."))
            columns = {c.key: c for c in item.children}
            rows = []
            for number, row in enumerate(raw):
                if not isinstance(row, Mapping):
                    raise FieldValueError(N_("Each row is an object of column keys."))
                rows.append(
                    {
                        k: _typed(columns[k], v, tz, f"{where}[{number}].{k}")
                        for k, v in row.items()
                        if k in columns
                    }
                )
            return rows
        if isinstance(raw, str):
            return from_text(item, raw, tz)
        return from_json(item, raw, tz)
    except FieldValueError as exc:
        raise SimulationError(exc.template, where, **exc.params) from exc
