"""Static checks of workflow graphs on publish and install; each problem names its node or edge.

Registered as the metadata validator for kind ``workflow``: it takes the document set and
returns ``Problem`` objects with the workflow's file and a JSON path into it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from servicekit.platform.metadata import Problem
from servicekit.runtime.rules import RuleError, compile_rule, compile_template
from servicekit.runtime.workflow.definition import APPROVE, REJECT, NodeDef, WorkflowDef

_Found = list[tuple[str, str]]  # (json path, message)


def check_workflows(docset: Any) -> list[Problem]:
    """Every problem of every workflow document in ``docset``."""
    forms = docset.forms()
    form_fields = {key: body.get("fields", []) for key, body in forms.items()}
    problems = []
    for key, body in docset.bodies("workflow").items():
        file = docset.file_of("workflow", key)
        for path, message in graph_problems(body, form_fields):
            problems.append(Problem(message, path, file))
    return problems


def graph_problems(body: Mapping[str, Any], forms: Mapping[str, list[dict[str, Any]]]) -> _Found:
    """``(path, message)`` for one workflow body checked against the app's form fields."""
    found: _Found = []
    raw_nodes = list(body.get("nodes") or [])
    if not raw_nodes:
        return [("$.nodes", "The workflow has no nodes; add a start node, its steps and an end.")]
    found += _duplicate_nodes(raw_nodes)
    workflow = WorkflowDef.load(body)
    found += _edge_ends(workflow)
    found += _action_keys(workflow)
    starts = [n for n in workflow.nodes.values() if n.kind == "start"]
    if len(starts) != 1:
        names = "".join(f" ({', '.join(n.key for n in starts)})" if starts else "")
        found.append(
            (
                "$.nodes",
                f"The workflow needs exactly one start node; it has {len(starts)}{names}.",
            )
        )
    else:
        found += _reachability(workflow, starts[0])
    found += _end_reachability(workflow)
    found += _per_node(workflow)
    found += _parallel(workflow)
    found += _loops(workflow)
    fields = forms.get(workflow.form)
    if fields is not None:
        found += _expressions(workflow, fields, forms)
    return found


def _node_path(node: NodeDef) -> str:
    return f"$.nodes[{node.index}]"


def _duplicate_nodes(raw_nodes: list[dict[str, Any]]) -> _Found:
    seen: set[str] = set()
    found = []
    for index, raw in enumerate(raw_nodes):
        if raw["key"] in seen:
            found.append(
                (
                    f"$.nodes[{index}].key",
                    f"Node key '{raw['key']}' is used twice; node keys must be unique.",
                )
            )
        seen.add(raw["key"])
    return found


def _edge_ends(workflow: WorkflowDef) -> _Found:
    found = []
    for edge in workflow.edges:
        if edge.source not in workflow.nodes:
            found.append(
                (
                    f"$.edges[{edge.index}].from",
                    f"Edge '{edge.key}' leaves unknown node '{edge.source}'.",
                )
            )
        if edge.target not in workflow.nodes:
            found.append(
                (
                    f"$.edges[{edge.index}].to",
                    f"Edge '{edge.key}' enters unknown node '{edge.target}'.",
                )
            )
    return found


def _action_keys(workflow: WorkflowDef) -> _Found:
    found = []
    seen: set[tuple[str, str]] = set()
    for edge in workflow.edges:
        if (edge.source, edge.key) in seen:
            found.append(
                (
                    f"$.edges[{edge.index}].key",
                    f"Node '{edge.source}' has two outgoing edges with key '{edge.key}'; "
                    "action keys must be unique per node.",
                )
            )
        seen.add((edge.source, edge.key))
    return found


def _successors(workflow: WorkflowDef) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {key: [] for key in workflow.nodes}
    for edge in workflow.edges:
        if edge.source in graph and edge.target in graph:
            graph[edge.source].append(edge.target)
    return graph


def _reached(graph: Mapping[str, Iterable[str]], roots: Iterable[str]) -> set[str]:
    seen = set(roots)
    queue = deque(seen)
    while queue:
        for nxt in graph.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _reachability(workflow: WorkflowDef, start: NodeDef) -> _Found:
    reached = _reached(_successors(workflow), [start.key])
    return [
        (_node_path(node), f"Node '{node.key}' cannot be reached from the start node.")
        for node in workflow.nodes.values()
        if node.key not in reached
    ]


def _end_reachability(workflow: WorkflowDef) -> _Found:
    backwards: dict[str, list[str]] = {key: [] for key in workflow.nodes}
    for source, targets in _successors(workflow).items():
        for target in targets:
            backwards[target].append(source)
    ends = [n.key for n in workflow.nodes.values() if n.kind == "end"]
    if not ends:
        return [("$.nodes", "The workflow has no end node; add one with an outcome.")]
    reaching = _reached(backwards, ends)
    return [
        (_node_path(node), f"Node '{node.key}' has no path to an end node.")
        for node in workflow.nodes.values()
        if node.key not in reaching
    ]


def _per_node(workflow: WorkflowDef) -> _Found:
    found: _Found = []
    for node in workflow.nodes.values():
        path = _node_path(node)
        out = workflow.outgoing(node.key)
        if node.kind == "exclusive":
            defaults = [e for e in out if e.default]
            if len(defaults) != 1:
                found.append(
                    (
                        path,
                        f"Exclusive gateway '{node.key}' needs exactly one outgoing edge marked "
                        f'"default": true; it has {len(defaults)}.',
                    )
                )
        if node.kind == "start" and len(out) != 1:
            found.append(
                (
                    path,
                    f"Start node '{node.key}' needs exactly one outgoing edge; it has {len(out)}.",
                )
            )
        if node.kind == "end" and out:
            found.append((path, f"End node '{node.key}' cannot have outgoing edges."))
        if node.is_person:
            found += _assignment(node, path)
        if node.kind == "approval":
            keys = {e.key for e in out}
            if not {APPROVE, REJECT} <= keys:
                found.append(
                    (
                        path,
                        f"Approval node '{node.key}' needs outgoing edges with keys "
                        f"'{APPROVE}' and '{REJECT}'.",
                    )
                )
            if node.mode in ("count", "percent") and node.threshold is None:
                found.append(
                    (path, f"Approval node '{node.key}' in {node.mode} mode needs a threshold.")
                )
    if workflow.reopen is not None:
        target = workflow.nodes.get(workflow.reopen)
        if target is None or not target.is_person:
            found.append(
                (
                    "$.reopen",
                    f"The reopen node '{workflow.reopen}' is not a task or approval node of "
                    "this workflow.",
                )
            )
    return found


_NEEDS = {"user": ("user",), "field": ("field",)}


def _assignment(node: NodeDef, path: str) -> _Found:
    kind = "Task" if node.kind == "task" else "Approval"
    rule = node.assignment
    if not rule:
        return [(path, f"{kind} node '{node.key}' has no assignment rule.")]
    strategy = rule["strategy"]
    found: _Found = []
    for name in _NEEDS.get(strategy, ()):
        if not rule.get(name):
            found.append(
                (
                    f"{path}.assignment",
                    f"The assignment of node '{node.key}' uses strategy '{strategy}' but names "
                    f'no "{name}".',
                )
            )
    if strategy not in _NEEDS and not (rule.get("role") or rule.get("team")):
        found.append(
            (
                f"{path}.assignment",
                f"The assignment of node '{node.key}' uses strategy '{strategy}' but names no "
                'pool; set "role" or "team".',
            )
        )
    return found


def _parallel(workflow: WorkflowDef) -> _Found:
    found: _Found = []
    graph = _successors(workflow)
    joins_named: dict[str, list[str]] = {}
    for node in workflow.nodes.values():
        if node.kind != "parallel_split":
            continue
        path = _node_path(node)
        join = workflow.nodes.get(node.join or "")
        if node.join is None:
            found.append(
                (
                    path,
                    f"Parallel split '{node.key}' names no join; set \"join\" to its parallel_join node.",
                )
            )
            continue
        if join is None or join.kind != "parallel_join":
            found.append(
                (
                    f"{path}.join",
                    f"Parallel split '{node.key}' names join '{node.join}', which is not a "
                    "parallel_join node.",
                )
            )
            continue
        joins_named.setdefault(join.key, []).append(node.key)
        for edge in workflow.outgoing(node.key):
            if edge.target in graph and join.key not in _reached(graph, [edge.target]):
                found.append(
                    (
                        f"$.edges[{edge.index}]",
                        f"Branch '{edge.key}' of parallel split '{node.key}' never reaches its "
                        f"join '{join.key}'.",
                    )
                )
    for node in workflow.nodes.values():
        if node.kind != "parallel_join":
            continue
        splits = joins_named.get(node.key, [])
        if not splits:
            found.append(
                (
                    _node_path(node),
                    f"Parallel join '{node.key}' is not named by any parallel split.",
                )
            )
        elif len(splits) > 1:
            found.append(
                (
                    _node_path(node),
                    f"Parallel join '{node.key}' is named by {len(splits)} parallel splits "
                    f"({', '.join(splits)}); each join closes one split.",
                )
            )
    return found


def _loops(workflow: WorkflowDef) -> _Found:
    found: _Found = []
    # A loop without a person in it is a cycle of the graph with person nodes taken out.
    graph = {
        key: [t for t in targets if not workflow.nodes[t].is_person]
        for key, targets in _successors(workflow).items()
        if not workflow.nodes[key].is_person
    }
    for component in _strongly_connected(graph):
        looping = len(component) > 1 or component[0] in graph[component[0]]
        if not looping:
            continue
        ordered = sorted(component, key=lambda k: workflow.nodes[k].index)
        found.append(
            (
                _node_path(workflow.nodes[ordered[0]]),
                "The loop through " + ", ".join(f"'{k}'" for k in ordered) + " contains no task "
                "or approval node, so it would run forever.",
            )
        )
    return found


def _strongly_connected(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Groups of nodes that reach each other (graphs are small: one search per node)."""
    reach = {key: _reached(graph, graph[key]) for key in graph}
    components: list[list[str]] = []
    placed: set[str] = set()
    for key in graph:
        if key in placed:
            continue
        component = [key] + [o for o in graph if o != key and o in reach[key] and key in reach[o]]
        placed.update(component)
        components.append(component)
    return components


def _expressions(
    workflow: WorkflowDef,
    fields: list[dict[str, Any]],
    forms: Mapping[str, list[dict[str, Any]]],
) -> _Found:
    found: _Found = []
    keys = {f["key"] for f in fields}
    for edge in workflow.edges:
        if edge.guard:
            where = f"Guard of edge '{edge.key}' from node '{edge.source}'"
            found += _rule(
                edge.guard, fields, forms, f"$.edges[{edge.index}].guard", where, "boolean"
            )
    for node in workflow.nodes.values():
        path = _node_path(node)
        for key in node.fields:
            if key not in keys:
                found.append(
                    (
                        f"{path}.fields.{key}",
                        f"Node '{node.key}' gives a right on '{key}', which is not a field of "
                        f"form '{workflow.form}'.",
                    )
                )
        assignment = node.assignment or {}
        if assignment.get("strategy") == "field" and assignment.get("field"):
            target = next((f for f in fields if f["key"] == assignment["field"]), None)
            if target is None or target.get("type") != "user":
                found.append(
                    (
                        f"{path}.assignment.field",
                        f"Node '{node.key}' assigns to field '{assignment['field']}', which is "
                        f"not a user field of form '{workflow.form}'.",
                    )
                )
        for hook in ("on_enter", "on_leave"):
            for number, action in enumerate(getattr(node, hook)):
                found += _action(
                    action, fields, forms, f"{path}.{hook}[{number}]", node.key, hook, keys
                )
    return found


def _action(
    action: Mapping[str, Any],
    fields: list[dict[str, Any]],
    forms: Mapping[str, list[dict[str, Any]]],
    path: str,
    node_key: str,
    hook: str,
    keys: set[str],
) -> _Found:
    found: _Found = []
    where = f"Action {path.rsplit('[', 1)[1].rstrip(']')} in {hook} of node '{node_key}'"
    if action.get("when"):
        found += _rule(action["when"], fields, forms, f"{path}.when", where, "boolean")
    target_fields = fields
    if action["type"] == "create_record":
        target_fields = list(forms.get(action.get("form") or "", []))
        if action.get("form") not in forms:
            found.append(
                (
                    f"{path}.form",
                    f"{where} creates a record in unknown form '{action.get('form')}'.",
                )
            )
    target_keys = {f["key"] for f in target_fields} if action["type"] == "create_record" else keys
    for key, expression in (action.get("values") or {}).items():
        if key not in target_keys:
            found.append((f"{path}.values.{key}", f"{where} sets unknown field '{key}'."))
            continue
        found += _rule(expression, fields, forms, f"{path}.values.{key}", where, None)
    for name in ("title", "message"):
        if action.get(name):
            try:
                compile_template(action[name], fields, forms)
            except RuleError as exc:
                found += [
                    (
                        f"{path}.{name}",
                        f"{where}, {name}: line {p.line}, column {p.column}: {p.message}",
                    )
                    for p in exc.problems
                ]
    if action["type"] == "webhook" and not action.get("url"):
        found.append((path, f"{where} calls a webhook but has no url."))
    for key in action.get("fields") or ():
        if key not in keys:
            found.append((f"{path}.fields", f"{where} notifies unknown field '{key}'."))
    return found


def _rule(
    source: str,
    fields: list[dict[str, Any]],
    forms: Mapping[str, list[dict[str, Any]]],
    path: str,
    where: str,
    expect: str | None,
) -> _Found:
    try:
        compile_rule(source, fields, forms=forms, expect=expect)
    except RuleError as exc:
        return [
            (path, f"{where}: line {p.line}, column {p.column}: {p.message}") for p in exc.problems
        ]
    return []
