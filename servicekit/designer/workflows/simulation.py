"""Stepping a workflow draft through its graph for the designer's simulation panel.

Takes a :class:`Scenario` (the draft, its form, a sample record's values, an actor, the SLA
policies and read-only look-ups for people and calendars) and a JSON position, and answers
what the engine would do: which nodes are entered, which guards hold or block (with the
values they read), who would be assigned and why, which actions the actor is offered and
which SLA clocks would start. It writes nothing; the position travels with the client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.designer.workflows.explain import guard_report, plain
from servicekit.platform.metadata.forms import FormDef, label_text
from servicekit.platform.storage.messages import N_
from servicekit.runtime.forms import Actor
from servicekit.runtime.rules import RuleError, compile_rule
from servicekit.runtime.sla import Calendar, Policy, SlaError
from servicekit.runtime.workflow import Decision, EdgeDef, NodeDef, WorkflowDef, combined_rights

MAX_STEPS = 200
Assign = Callable[[NodeDef, bool], Decision]


class SimulationError(Exception):
    """The draft cannot be stepped from here; ``path`` is the JSON path of the culprit.

    ``template`` (marked with ``N_``) and ``params`` let the view translate the message.
    """

    def __init__(self, template: str, path: str = "$", **params: Any) -> None:
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)
        self.path = path


@dataclass(frozen=True)
class Scenario:
    """Everything one simulation step reads; built by ``scenario.build_scenario``."""

    workflow: WorkflowDef
    form: FormDef
    forms: Mapping[str, list[dict[str, Any]]]
    values: Mapping[str, Any]
    actor: Actor
    now: datetime
    tz: ZoneInfo
    assign: Assign
    in_pool: Callable[[str | None], bool]
    policies: Sequence[Policy] = ()
    calendar: Callable[[str | None], Calendar] | None = None
    locale: str = "en"

    def label(self, value: Any, fallback: str) -> str:
        return label_text(value, self.locale) or fallback

    @property
    def fields(self) -> list[dict[str, Any]]:
        return [item.raw for item in self.form.fields]


@dataclass
class _Run:
    """One step in progress: the position being changed and what happened, in order."""

    sc: Scenario
    open: list[dict[str, str]]
    arrived: list[dict[str, str]]
    done: dict[str, int | None]
    trail: list[dict[str, Any]] = field(default_factory=list)
    started: list[dict[str, Any]] = field(default_factory=list)
    ended: str | None = None
    steps: int = 0
    policy: Policy | None = None


def begin(sc: Scenario) -> dict[str, Any]:
    """Create the sample work order: choose the SLA policy, follow the start edge."""
    definition = sc.workflow
    starts = [n for n in definition.nodes.values() if n.kind == "start"]
    if len(starts) != 1:
        raise SimulationError(
            N_("The workflow needs exactly one start node to simulate."), "$.nodes"
        )
    out = definition.outgoing(starts[0].key)
    if not out:
        path = f"$.nodes[{starts[0].index}]"
        raise SimulationError(N_("The start node has no outgoing edge."), path)
    run = _Run(sc, [], [], {})
    selection = _select_policy(sc)
    run.policy = selection["policy"]
    run.trail.append({"kind": "started", "node": starts[0].key})
    for name in ("response", "resolution"):
        _start_target(run, name, None)
    _follow(run, out[0], token="")
    return _result(run, selection["considered"])


def act(sc: Scenario, position: Mapping[str, Any], node_key: str, action: str) -> dict[str, Any]:
    """Take ``action`` on the open task at ``node_key`` as the scenario's actor."""
    run = _Run(
        sc,
        [dict(t) for t in position.get("open") or []],
        [dict(t) for t in position.get("arrived") or []],
        {str(k): v for k, v in (position.get("done") or {}).items()},
    )
    selection = _select_policy(sc)
    run.policy = selection["policy"]
    task = next((t for t in run.open if t["node"] == node_key), None)
    node = sc.workflow.nodes.get(node_key)
    if task is None or node is None:
        raise SimulationError(
            N_("No open task at node '%(node)s' in this simulation."), node=node_key
        )
    edge = sc.workflow.edge(node_key, action)
    if edge is None:
        raise SimulationError(
            N_("Node '%(node)s' has no action '%(action)s'."), node=node_key, action=action
        )
    offer = _describe_action(sc, node, edge, _assignment(run, node))
    if not offer["offered"]:
        raise SimulationError(
            N_("The action '%(action)s' is not offered to this actor here."), action=action
        )
    run.open.remove(task)
    run.done[node_key] = sc.actor.id
    run.trail.append({"kind": "acted", "node": node_key, "action": action})
    _follow(run, edge, token=task["token"])
    return _result(run, selection["considered"])


# following the graph -------------------------------------------------------------------------
def _follow(run: _Run, edge: EdgeDef, *, token: str) -> None:
    target = run.sc.workflow.nodes.get(edge.target)
    if target is None:
        path = f"$.edges[{edge.index}].to"
        raise SimulationError(
            N_("Edge '%(edge)s' enters unknown node '%(node)s'."),
            path,
            edge=edge.key,
            node=edge.target,
        )
    run.trail.append({"kind": "moved", "edge": edge.key, "from": edge.source, "to": edge.target})
    _enter(run, target, token)


def _enter(run: _Run, node: NodeDef, token: str) -> None:
    run.steps += 1
    if run.steps > MAX_STEPS:
        raise SimulationError(
            N_(
                "More than %(steps)s automatic steps without reaching a task; check the "
                "conditions around node '%(node)s'."
            ),
            f"$.nodes[{node.index}]",
            steps=MAX_STEPS,
            node=node.key,
        )
    sc = run.sc
    if node.kind == "end":
        run.ended = node.outcome or "resolved"
        run.trail.append({"kind": "ended", "node": node.key, "outcome": run.ended})
        run.open, run.arrived = [], []
    elif node.is_person:
        run.open.append({"node": node.key, "token": token})
        run.trail.append({"kind": "entered", "node": node.key})
        _start_target(run, f"node:{node.key}", node.key)
        if run.policy is not None and node.key in run.policy.pause_nodes:
            run.trail.append({"kind": "paused", "node": node.key})
        _note_actions(run, node)
    elif node.kind in ("exclusive", "action"):
        if node.kind == "action":
            _note_actions(run, node)
        _follow(run, _choose(run, node), token=token)
    elif node.kind == "parallel_split":
        branches = sc.workflow.outgoing(node.key)
        group = f"s{run.steps}"
        for number, edge in enumerate(branches):
            child = f"{token}/{node.key}.{group}.{number}.{len(branches)}".lstrip("/")
            _follow(run, edge, token=child)
    elif node.kind == "parallel_join":
        _arrive(run, node, token)
    else:
        raise SimulationError(
            N_("Node '%(node)s' of kind %(kind)s cannot be entered."),
            f"$.nodes[{node.index}]",
            node=node.key,
            kind=node.kind,
        )


def _choose(run: _Run, node: NodeDef) -> EdgeDef:
    """Like the engine: the first edge whose guard holds, else the default; all reported."""
    edges = run.sc.workflow.outgoing(node.key)
    tried = []
    chosen = None
    for edge in edges:
        if edge.default or not edge.guard:
            continue
        report = guard_report(run.sc, edge.guard, f"$.edges[{edge.index}].guard")
        tried.append({"edge": edge.key, "to": edge.target, **report})
        if report["holds"]:
            chosen = edge
            break
    if chosen is None:
        chosen = next((e for e in edges if e.default), None)
        if chosen is None and len(edges) == 1 and not edges[0].guard:
            chosen = edges[0]
    if chosen is None:
        raise SimulationError(
            N_("No outgoing edge of node '%(node)s' applies and none is the default."),
            f"$.nodes[{node.index}]",
            node=node.key,
        )
    run.trail.append({"kind": "decided", "node": node.key, "edge": chosen.key, "tried": tried})
    return chosen


def _arrive(run: _Run, node: NodeDef, token: str) -> None:
    parent, _, segment = token.rpartition("/")
    try:
        split_key, group, _number, count = segment.rsplit(".", 3)
    except ValueError:
        raise SimulationError(
            N_("Join '%(node)s' was reached without its parallel split."),
            f"$.nodes[{node.index}]",
            node=node.key,
        ) from None
    run.arrived.append({"node": node.key, "token": token})
    prefix = f"{parent}/{split_key}.{group}.".lstrip("/")
    mine = [a for a in run.arrived if a["node"] == node.key and a["token"].startswith(prefix)]
    arrived = len({a["token"] for a in mine})
    run.trail.append({"kind": "waiting", "node": node.key, "arrived": arrived, "of": int(count)})
    if arrived < int(count):
        return
    run.arrived = [a for a in run.arrived if a not in mine]
    edges = run.sc.workflow.outgoing(node.key)
    _follow(run, edges[0] if len(edges) == 1 else _choose(run, node), token=parent)


def _note_actions(run: _Run, node: NodeDef) -> None:
    """Automatic actions are listed (with their ``when``), never run."""
    for number, action in enumerate(node.on_enter):
        when = None
        if action.get("when"):
            path = f"$.nodes[{node.index}].on_enter[{number}].when"
            when = guard_report(run.sc, action["when"], path)
        run.trail.append(
            {"kind": "action", "node": node.key, "type": action.get("type"), "when": when}
        )


# describing the position -----------------------------------------------------------------------
def _assignment(run: _Run, node: NodeDef) -> Decision:
    sc = run.sc
    if node.kind == "task" and node.key in run.done:
        # The engine gives work that comes back to a step to whoever did it last.
        return Decision(
            "previous",
            assignees=[run.done[node.key]] if run.done[node.key] is not None else [],
            reason="previous",
        )
    return sc.assign(node, node.kind == "approval")


def _describe_task(run: _Run, task: Mapping[str, str]) -> dict[str, Any]:
    sc = run.sc
    node = sc.workflow.nodes[task["node"]]
    decision = _assignment(run, node)
    rights = combined_rights(sc.form, node, sc.actor)
    target = run.policy.target(f"node:{node.key}") if run.policy else None
    return {
        "node": node.key,
        "kind": node.kind,
        "label": sc.label(node.label, node.key),
        "token": task["token"],
        "assignment": {
            "strategy": decision.strategy,
            "assignees": list(decision.assignees),
            "pool": decision.pool,
            "candidates": plain(decision.candidates),
            "reason": decision.reason,
        },
        "actions": [
            _describe_action(sc, node, e, decision) for e in sc.workflow.outgoing(node.key)
        ],
        "fields": rights,
        "limit": _within(run.policy, f"node:{node.key}") if target is not None else None,
    }


def _may_act(sc: Scenario, decision: Decision) -> bool:
    if sc.actor.is_admin:
        return True
    if decision.assignees:
        return sc.actor.id is not None and sc.actor.id in decision.assignees
    return sc.in_pool(decision.pool)


def _describe_action(
    sc: Scenario, node: NodeDef, edge: EdgeDef, decision: Decision
) -> dict[str, Any]:
    refusals: list[dict[str, Any]] = []
    if not _may_act(sc, decision):
        refusals.append({"kind": "not_assigned", "pool": decision.pool})
    allowed_roles = node.roles.get(edge.key)
    if allowed_roles and not sc.actor.is_admin and not set(allowed_roles) & set(sc.actor.roles):
        refusals.append({"kind": "roles", "roles": list(allowed_roles)})
    guard = None
    if edge.guard and node.kind != "approval":
        guard = guard_report(sc, edge.guard, f"$.edges[{edge.index}].guard")
        if not guard["holds"]:
            refusals.append({"kind": "guard"})
    if not edge.comment_required:
        rights = combined_rights(sc.form, node, sc.actor)
        missing = [
            k for k, r in rights.items() if r == "required" and sc.values.get(k) in (None, "", [])
        ]
        if missing:
            refusals.append({"kind": "required", "fields": missing})
    return {
        "key": edge.key,
        "label": sc.label(edge.label, edge.key),
        "to": edge.target,
        "confirm": sc.label(edge.confirm, "") or None,
        "comment_required": edge.comment_required,
        "guard": guard,
        "offered": not refusals,
        "refusals": refusals,
    }


# SLA ---------------------------------------------------------------------------------------------
def _select_policy(sc: Scenario) -> dict[str, Any]:
    """The policy ``select_policy`` would choose, with every condition tried on the way."""
    considered = []
    chosen = None
    ordered = sorted(
        (p for p in sc.policies if p.form in (None, sc.workflow.form)),
        key=lambda p: (p.order, p.key),
    )
    for policy in ordered:
        entry: dict[str, Any] = {
            "key": policy.key,
            "label": sc.label(policy.label, policy.key),
            "condition": policy.condition,
        }
        try:
            entry["matches"] = policy.matches(
                sc.fields, sc.values, now=sc.now, tz=str(sc.tz), forms=sc.forms
            )
        except SlaError as exc:
            entry["matches"], entry["error"] = False, str(exc)
        considered.append(entry)
        if entry["matches"]:
            chosen = policy
            break
    return {"policy": chosen, "considered": considered}


def _start_target(run: _Run, name: str, node: str | None) -> None:
    policy = run.policy
    target = policy.target(name) if policy is not None else None
    if policy is None or target is None:
        return
    entry: dict[str, Any] = {
        "policy": policy.key,
        "target": name,
        "node": node,
        "within": _within(policy, name),
        "due": None,
        "ladder": [],
    }
    try:
        if run.sc.calendar is None:
            raise SlaError("no calendar")
        calendar = run.sc.calendar(policy.calendar)
        entry["due"] = target.due(calendar, run.sc.now).astimezone(run.sc.tz).isoformat()
        entry["ladder"] = [
            {"key": step.key, "at": at.astimezone(run.sc.tz).isoformat()}
            for step, at in target.fire_times(calendar, run.sc.now)
        ]
    except (SlaError, RuleError, LookupError) as exc:
        entry["error"] = str(exc)
    run.started.append(entry)


def _within(policy: Policy | None, name: str) -> str | None:
    """The target length as the policy writes it (``30m``, ``3d``)."""
    targets = (policy.raw.get("targets") or {}) if policy is not None else {}
    if name.startswith("node:"):
        body = (targets.get("nodes") or {}).get(name.removeprefix("node:")) or {}
    else:
        body = targets.get(name) or {}
    return body.get("within")


def _result(run: _Run, considered: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "trail": run.trail,
        "tasks": [_describe_task(run, t) for t in run.open],
        "ended": run.ended,
        "sla": {
            "policy": run.policy.key if run.policy else None,
            "considered": considered,
            "started": run.started,
        },
        "position": {"open": run.open, "arrived": run.arrived, "done": run.done},
    }


def compile_check(sc: Scenario, source: str) -> None:
    """Raise ``RuleError`` when ``source`` does not compile against the scenario's form."""
    compile_rule(source, sc.fields, forms=sc.forms, expect="boolean")
