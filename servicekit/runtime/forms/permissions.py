"""Who may do what with a form's records: actions per app role, record scopes, field rights.

Rights add up across a user's roles: an action is allowed when any role allows it, and
the records it applies to are the union of those roles' scopes. A scope is ``all``
(the default), ``own`` (records I created), ``team`` (records created by anyone in a team
of mine), ``assigned`` (records with an open workflow task of mine), ``team_tasks`` (open
tasks of mine, my team mates' or my teams' pools) or a rule such as ``region = user.region``,
compiled to SQL. Platform admins may do everything. Field rights (``hidden`` or ``readonly`` per role) apply only when every
role the user reads or edits through agrees, so one role's restriction does not take away
what another role grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, or_, select, true

from servicekit.platform.metadata.forms import FormDef
from servicekit.platform.models import TeamMember
from servicekit.platform.storage import RecordSource
from servicekit.runtime.rules import compile_rule

ACTIONS = ("create", "read", "update", "delete")
KEYWORD_SCOPES = ("all", "own", "team", "assigned", "team_tasks")


@dataclass(frozen=True)
class Actor:
    """The person acting: their id, app roles, admin flag and the rule language's ``user``."""

    id: int | None
    roles: frozenset[str] = frozenset()
    is_admin: bool = False
    rule_user: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormAccess:
    """One actor's rights on one form."""

    form: FormDef
    actor: Actor
    grants: Mapping[str, tuple[str | None, ...]]  # action -> scopes of the roles granting it
    hidden: frozenset[str]
    readonly: frozenset[str]

    def allows(self, action: str) -> bool:
        return self.actor.is_admin or bool(self.grants.get(action))

    def record_filter(
        self,
        action: str,
        source: RecordSource,
        *,
        now: datetime,
        tz: ZoneInfo,
        forms: Mapping[str, list[dict[str, Any]]] | None = None,
    ) -> ColumnElement[bool]:
        """A SQL condition selecting the records ``action`` applies to."""
        if self.actor.is_admin:
            return true()
        scopes = self.grants.get(action, ())
        if not scopes:
            return false()
        parts = [self._scope_sql(scope, source, now=now, tz=tz, forms=forms) for scope in scopes]
        if any(part is None for part in parts):
            return true()
        return or_(*parts)  # type: ignore[arg-type]

    def _scope_sql(
        self,
        scope: str | None,
        source: RecordSource,
        *,
        now: datetime,
        tz: ZoneInfo,
        forms: Mapping[str, list[dict[str, Any]]] | None,
    ) -> ColumnElement[bool] | None:
        table = source.table
        if scope is None or scope.strip() == "all":
            return None
        if scope.strip() == "own":
            return table.c.created_by == self.actor.id
        if scope.strip() == "team":
            mine = select(TeamMember.team_id).where(TeamMember.user_id == self.actor.id)
            mates = select(TeamMember.user_id).where(TeamMember.team_id.in_(mine))
            return or_(table.c.created_by == self.actor.id, table.c.created_by.in_(mates))
        if scope.strip() in ("assigned", "team_tasks"):
            return _task_scope(scope.strip(), source, self.actor.id)
        rule = compile_rule(scope, [f.raw for f in self.form.fields], forms=forms, expect="boolean")
        return rule.to_sql(source, now=now, user=dict(self.actor.rule_user), tz=tz)

    def field_right(self, key: str) -> str:
        """``hidden``, ``readonly`` or ``editable`` for this actor."""
        if key in self.hidden:
            return "hidden"
        if key in self.readonly:
            return "readonly"
        return "editable"


def _task_scope(scope: str, source: RecordSource, user_id: int | None) -> ColumnElement[bool]:
    """Records with an open workflow task for me (``assigned``) or my teams (``team_tasks``)."""
    from servicekit.platform.models import Team, WorkflowTask

    mine = WorkflowTask.assignee_id == user_id
    if scope == "team_tasks":
        teams = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
        mates = select(TeamMember.user_id).where(TeamMember.team_id.in_(teams))
        pools = select("team:" + Team.key).where(Team.id.in_(teams))
        mine = or_(mine, WorkflowTask.assignee_id.in_(mates), WorkflowTask.pool.in_(pools))
    tasks = select(WorkflowTask.record_id).where(
        WorkflowTask.app_key == source.app_key,
        WorkflowTask.form_key == (source.form.key if source.form else ""),
        WorkflowTask.state == "open",
        mine,
    )
    return source.table.c.id.in_(tasks)


def form_access(form: FormDef, actor: Actor) -> FormAccess:
    """Work out ``actor``'s rights on ``form`` from its role permissions."""
    permissions = form.raw.get("permissions") or {}
    grants: dict[str, list[str | None]] = {action: [] for action in ACTIONS}
    read_rights: list[dict[str, str]] = []
    edit_rights: list[dict[str, str]] = []
    for role in sorted(actor.roles):
        permission = permissions.get(role)
        if not permission:
            continue
        for action in ACTIONS:
            if permission.get(action):
                grants[action].append(permission.get("scope"))
        rights = permission.get("fields") or {}
        if permission.get("read"):
            read_rights.append(rights)
        if permission.get("update") or permission.get("create"):
            edit_rights.append(rights)
    if actor.is_admin:
        hidden: frozenset[str] = frozenset()
        readonly: frozenset[str] = frozenset()
    else:
        hidden = _agreed(read_rights, {"hidden"})
        readonly = _agreed(edit_rights, {"hidden", "readonly"}) | hidden
    return FormAccess(
        form=form,
        actor=actor,
        grants={action: tuple(scopes) for action, scopes in grants.items()},
        hidden=hidden,
        readonly=readonly,
    )


def _agreed(rights: list[dict[str, str]], restricted: set[str]) -> frozenset[str]:
    """Fields every one of ``rights`` restricts (none when there are no rights at all)."""
    if not rights:
        return frozenset()
    common = {key for key, right in rights[0].items() if right in restricted}
    for other in rights[1:]:
        common &= {key for key, right in other.items() if right in restricted}
    return frozenset(common)


def scope_problems(
    form_body: Mapping[str, Any], forms: Mapping[str, list[dict[str, Any]]]
) -> list[tuple[str, str]]:
    """``(json path, message)`` for every rule scope of a form that does not compile."""
    from servicekit.runtime.rules import RuleError

    problems = []
    fields = list(form_body.get("fields") or [])
    for role, permission in sorted((form_body.get("permissions") or {}).items()):
        scope = (permission or {}).get("scope")
        if not scope or scope.strip() in KEYWORD_SCOPES:
            continue
        try:
            compile_rule(scope, fields, forms=forms, expect="boolean")
        except RuleError as exc:
            for problem in exc.problems:
                problems.append(
                    (
                        f"$.permissions.{role}.scope",
                        f"line {problem.line}, column {problem.column}: {problem.message}",
                    )
                )
    return problems
