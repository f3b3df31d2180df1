"""Static checks of SLA policy documents beyond their schema, as (key, JSON path, message) triples.

Run at publish and install after the schema has passed: conditions type-check against the
policy's form, node keys exist in the form's workflow, target lengths and ladders make
sense, and the roles and fields that escalation actions name exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from servicekit.runtime.rules import RuleError, compile_rule, compile_template
from servicekit.runtime.sla.durations import parse_target
from servicekit.runtime.sla.errors import SlaError

Found = Iterator[tuple[str, str]]
_TARGETS = ("response", "resolution")


def check_policies(
    policies: Mapping[str, Mapping[str, Any]],
    forms: Mapping[str, Mapping[str, Any]],
    workflows: Mapping[str, Mapping[str, Any]],
    roles: set[str] | None,
) -> list[tuple[str, str, str]]:
    """Every problem of every policy (by key), given the app's forms, workflows and role keys.

    ``roles`` is None when the app document is not among those checked; roles go unchecked.
    """
    problems: list[tuple[str, str, str]] = []
    taken: dict[tuple[str | None, int], str] = {}
    for key in sorted(policies):
        body = policies[key]
        context = _Context(body, forms, workflows, roles)
        problems.extend((key, path, message) for path, message in context.check())
        order = body.get("order")
        if isinstance(order, int):
            slot = (body.get("form"), order)
            if slot in taken:
                problems.append(
                    (
                        key,
                        "$.order",
                        f"Policy '{taken[slot]}' has order {order} too; give each policy of a "
                        f"form its own number so the one tried first is clear.",
                    )
                )
            else:
                taken[slot] = key
    return problems


class _Context:
    """One policy with what it may refer to."""

    def __init__(
        self,
        body: Mapping[str, Any],
        forms: Mapping[str, Mapping[str, Any]],
        workflows: Mapping[str, Mapping[str, Any]],
        roles: set[str] | None,
    ) -> None:
        self.body = body
        self.form_key = body.get("form")
        self.forms = forms
        self.form = forms.get(self.form_key) if isinstance(self.form_key, str) else None
        self.fields = {f.get("key"): f for f in (self.form or {}).get("fields", [])}
        self.nodes = _nodes_of(workflows, self.form_key)
        self.actions = _actions_of(workflows, self.form_key)
        self.roles = roles

    def check(self) -> Found:
        if self.form_key is not None and self.form is None:
            yield "$.form", f"Form '{self.form_key}' is not in this app."
        yield from self._condition("$.condition", self.body.get("condition"))
        pause = self.body.get("pause") or {}
        yield from self._condition("$.pause.when", pause.get("when"))
        for index, node in enumerate(pause.get("nodes") or []):
            yield from self._node(f"$.pause.nodes[{index}]", node)
        targets = self.body.get("targets") or {}
        for name in _TARGETS:
            if name in targets:
                yield from self._target(f"$.targets.{name}", targets[name], name)
        for node, target in (targets.get("nodes") or {}).items():
            yield from self._node(f"$.targets.nodes.{node}", node)
            yield from self._target(f"$.targets.nodes.{node}", target, "node")

    def _condition(self, path: str, source: Any) -> Found:
        if not isinstance(source, str):
            return
        if self.form is None:
            yield path, "A condition needs the policy's form; set form to the work-order form."
            return
        others = {k: f.get("fields", []) for k, f in self.forms.items()}
        try:
            compile_rule(source, list(self.fields.values()), forms=others, expect="boolean")
        except RuleError as exc:
            for problem in exc.problems:
                yield path, f"line {problem.line}, column {problem.column}: {problem.message}"

    def _template(self, path: str, source: str) -> Found:
        if self.form is None:
            return
        others = {k: f.get("fields", []) for k, f in self.forms.items()}
        try:
            compile_template(source, list(self.fields.values()), others)
        except RuleError as exc:
            for problem in exc.problems:
                yield path, f"line {problem.line}, column {problem.column}: {problem.message}"

    def _node(self, path: str, node: str) -> Found:
        if self.nodes is None:
            yield (
                path,
                f"No workflow in this app runs form '{self.form_key}', so node '{node}' cannot be timed.",
            )
        elif node not in self.nodes:
            known = ", ".join(sorted(self.nodes)) or "none"
            yield path, f"The workflow has no node '{node}'; its nodes are {known}."

    def _target(self, path: str, target: Mapping[str, Any], kind: str) -> Found:
        try:
            length = parse_target(target["within"])
        except SlaError as exc:
            yield f"{path}.within", str(exc)
            return
        if not length.days and not length.working:
            yield f"{path}.within", "A target of no time is breached at once; give it some minutes."
        if "counts" in target and kind != "response":
            yield f"{path}.counts", "Only a response target can name the action that counts."
        elif (
            "counts" in target and self.actions is not None and target["counts"] not in self.actions
        ):
            known = ", ".join(sorted(self.actions))
            yield (
                f"{path}.counts",
                f"The workflow has no action '{target['counts']}'; its actions are {known}.",
            )
        minutes = None if length.days else int(length.working.total_seconds() // 60)
        yield from self._ladder(f"{path}.ladder", target.get("ladder") or [], minutes)

    def _ladder(self, path: str, ladder: list[Mapping[str, Any]], minutes: int | None) -> Found:
        seen: set[str] = set()
        last: float | None = None
        for index, step in enumerate(ladder):
            where = f"{path}[{index}]"
            if step["key"] in seen:
                yield f"{where}.key", f"Step '{step['key']}' appears twice in this ladder."
            seen.add(step["key"])
            before = step.get("minutes_before_due")
            if minutes is not None and before is not None and before >= minutes:
                yield (
                    f"{where}.minutes_before_due",
                    f"{before} minutes before due is at or before the clock starts (the target "
                    f"is {minutes} minutes).",
                )
            position = _position(step, minutes)
            if position is not None and last is not None and position < last:
                yield where, "Steps must be listed in the order they fire; move this one up."
            last = position if position is not None else last
            for number, action in enumerate(step.get("actions") or []):
                yield from self._action(f"{where}.actions[{number}]", action)

    def _action(self, path: str, action: Mapping[str, Any]) -> Found:
        kind = action["type"]
        for role in action.get("roles") or []:
            if self.roles is not None and role not in self.roles:
                yield f"{path}.roles", f"Role '{role}' is not declared in app.json."
        if kind == "notify" and not (
            action.get("roles") or action.get("users") or action.get("assignee_field")
        ):
            yield path, "A notify step needs roles, users or an assignee_field to tell."
        if kind == "notify" and action.get("assignee_field"):
            field = self.fields.get(action["assignee_field"])
            if self.form is not None and (field is None or field.get("type") != "user"):
                yield (
                    f"{path}.assignee_field",
                    f"'{action['assignee_field']}' is not a user field of the form.",
                )
        if kind == "notify" and isinstance(action.get("message"), str):
            yield from self._template(f"{path}.message", action["message"])
        if kind == "reassign":
            if bool(action.get("role")) == bool(action.get("user")):
                yield path, "A reassign step names exactly one of role or user."
            role = action.get("role")
            if role and self.roles is not None and role not in self.roles:
                yield f"{path}.role", f"Role '{role}' is not declared in app.json."
        if kind in ("raise_priority", "set_field"):
            yield from self._field_change(path, action, kind)

    def _field_change(self, path: str, action: Mapping[str, Any], kind: str) -> Found:
        name = action.get("field") or ("priority" if kind == "raise_priority" else None)
        if name is None:
            yield path, "A set_field step names the field to set."
            return
        if "to" not in action:
            yield path, f"Say which value to set {name} to with 'to'."
        if self.form is None:
            return
        field = self.fields.get(name)
        if field is None:
            yield f"{path}.field", f"The form has no field '{name}'."
            return
        options = [o.get("value") for o in field.get("options") or []]
        if kind == "raise_priority" and options and action.get("to") not in options:
            yield (
                f"{path}.to",
                f"'{action.get('to')}' is not an option of {name}; use one of {', '.join(map(str, options))}.",
            )


def _position(step: Mapping[str, Any], minutes: int | None) -> float | None:
    """When a step fires, in minutes of a duration target, for ordering; None if unknowable."""
    if minutes is None:
        return None
    if "percent" in step:
        return minutes * step["percent"] / 100
    if "minutes_before_due" in step:
        return minutes - step["minutes_before_due"]
    return minutes + step.get("minutes_after_due", 0)


def _nodes_of(workflows: Mapping[str, Mapping[str, Any]], form: Any) -> set[str] | None:
    """Node keys of the workflows bound to ``form``; None when no workflow runs it."""
    found: set[str] | None = None
    for workflow in workflows.values():
        if workflow.get("form") == form:
            found = (found or set()) | {
                str(n["key"])
                for n in workflow.get("nodes") or []
                if isinstance(n, Mapping) and "key" in n
            }
    return found


def _actions_of(workflows: Mapping[str, Mapping[str, Any]], form: Any) -> set[str] | None:
    """Action (edge) keys of the workflows bound to ``form``, and the approval votes; None
    when no workflow runs it."""
    found: set[str] | None = None
    for workflow in workflows.values():
        if workflow.get("form") == form:
            found = (found or {"approve", "reject"}) | {
                str(e["key"])
                for e in workflow.get("edges") or []
                if isinstance(e, Mapping) and "key" in e
            }
    return found
