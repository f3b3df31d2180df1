"""Writing a work order's past journey through its workflow, as the engine would have logged it.

For demo data and imports of work that happened elsewhere: given when the work order was
created and the actions people took since (each with its time and actor), ``write_journey``
walks the published workflow graph and writes the same rows the engine writes for those
moves — the instance, each task with its assignment decision, and the ``workflow.*``
events — with the given times instead of the clock. Guards of gateways are evaluated on
the record's values; an action the graph does not offer at that point is an error, so a
journey can only describe what the engine could have done.

Differences from living through it, on purpose: the journey's assignees are taken as
given (a task whose node sets a user field goes to the user already in that field; work
that comes back goes to whoever did the step before; everything else waits in its pool),
no ``on_enter``/``on_leave`` actions run (nobody is notified about the past), and required
fields are not checked. Events are inserted in bulk, outside the session's unit of work,
so the live SLA hook does not re-derive timers: the caller derives them once at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from servicekit.platform.models import AssignmentDecision, Event, WorkflowInstance, WorkflowTask
from servicekit.runtime.workflow.definition import EdgeDef, NodeDef
from servicekit.runtime.workflow.errors import WorkflowError
from servicekit.runtime.workflow.loader import WorkflowRuntime

REOPEN = "reopen"


@dataclass(frozen=True)
class Act:
    """One thing a person did: an edge key (the button), or ``reopen``."""

    at: datetime
    actor_id: int
    action: str
    comment: str | None = None


@dataclass(frozen=True)
class Journey:
    """A work order's life so far: who created it when, then what was done."""

    created_at: datetime
    creator_id: int | None
    acts: Sequence[Act]
    sla_state: Mapping[str, Any] | None = None  # written right after creation, as live does


def write_journey(
    session: Session,
    workflow: WorkflowRuntime,
    record_id: int,
    journey: Journey,
    *,
    values: Mapping[str, Any],
    names: Mapping[int, str],
    tz: ZoneInfo,
) -> WorkflowInstance:
    """Write ``journey`` for a record that has no workflow instance yet; returns the instance.

    ``values`` are the record's rule values (for gateway guards and user fields);
    ``names`` are display names by user id (for the assignment reasons).
    """
    walk = _Walk(session, workflow, record_id, values, names, tz)
    walk.create(journey)
    for act in journey.acts:
        walk.act(act)
    walk.finish(journey)
    return walk.instance


class _Walk:
    def __init__(
        self,
        session: Session,
        workflow: WorkflowRuntime,
        record_id: int,
        values: Mapping[str, Any],
        names: Mapping[int, str],
        tz: ZoneInfo,
    ) -> None:
        self.session, self.workflow, self.record_id = session, workflow, record_id
        self.values, self.names, self.tz = values, names, tz
        self.definition = workflow.definition
        self.events: list[dict[str, Any]] = []
        self.open: list[WorkflowTask] = []
        self.done: dict[str, int] = {}  # node -> who completed it last
        self.instance = WorkflowInstance(
            app_key=workflow.app_key,
            form_key=workflow.form_key,
            record_id=record_id,
            workflow_key=self.definition.key,
            workflow_version=self.definition.version,
            state="active",
            moves=0,
        )
        self.last: tuple[datetime, int | None] | None = None

    # what the engine logs -------------------------------------------------------------------
    def event(self, kind: str, at: datetime, actor_id: int | None, **changes: Any) -> None:
        self.events.append(
            {
                "app_key": self.workflow.app_key,
                "form_key": self.workflow.form_key,
                "record_id": self.record_id,
                "kind": kind,
                "actor_id": actor_id,
                "at": at,
                "changes": changes,
            }
        )
        if not kind.startswith("sla."):
            self.last = (at, actor_id)

    def create(self, journey: Journey) -> None:
        at, actor = journey.created_at, journey.creator_id
        self.instance.started_at = at
        self.session.add(self.instance)
        self.session.flush()
        self.event("record.created", at, actor, version=1, fields={})
        self.event(
            "workflow.started",
            at,
            actor,
            workflow=self.definition.key,
            version=self.definition.version,
        )
        start = self.definition.outgoing(self.definition.start.key)[0]
        self.follow(start, at, actor)
        if journey.sla_state is not None:
            self.event("sla.state", at, None, **journey.sla_state)

    def act(self, act: Act) -> None:
        if act.action == REOPEN:
            self.reopen(act)
            return
        task = next(
            (t for t in self.open if self.definition.edge(t.node_key, act.action) is not None),
            None,
        )
        if task is None:
            at_nodes = ", ".join(t.node_key for t in self.open) or "nothing open"
            raise WorkflowError(
                f"Record {self.record_id}: no open task offers '{act.action}' ({at_nodes})."
            )
        edge = self.definition.edge(task.node_key, act.action)
        assert edge is not None
        task.state, task.action, task.comment = "completed", act.action, act.comment
        task.completed_at, task.completed_by = act.at, act.actor_id
        self.open.remove(task)
        self.done[task.node_key] = act.actor_id
        self.instance.moves += 1
        if task.kind == "approval":
            self.event(
                "workflow.voted",
                act.at,
                act.actor_id,
                node=task.node_key,
                task=task.id,
                vote=act.action,
                comment=act.comment,
                decided=act.action,
            )
        self.follow(edge, act.at, act.actor_id, act.comment)

    def reopen(self, act: Act) -> None:
        target = self.definition.nodes.get(self.definition.reopen or "")
        if self.instance.state == "active" or target is None:
            raise WorkflowError(f"Record {self.record_id}: cannot reopen here.")
        self.instance.state, self.instance.outcome, self.instance.ended_at = "active", None, None
        self.event("workflow.reopened", act.at, act.actor_id, to=target.key, reason=act.comment)
        self.enter(target, act.at, act.actor_id)

    def follow(
        self, edge: EdgeDef, at: datetime, actor: int | None, comment: str | None = None
    ) -> None:
        target = self.definition.nodes[edge.target]
        self.event(
            "workflow.moved",
            at,
            actor,
            action=edge.key,
            **{"from": edge.source, "to": edge.target},
            outcome=target.outcome if target.kind == "end" else None,
            comment=comment,
        )
        self.enter(target, at, actor)

    def enter(self, node: NodeDef, at: datetime, actor: int | None) -> None:
        if node.kind == "end":
            for task in self.open:
                task.state, task.completed_at = "cancelled", at
            self.open.clear()
            self.instance.state = "closed"
            self.instance.outcome = node.outcome or "resolved"
            self.instance.ended_at = at
        elif node.is_person:
            self.open_task(node, at, actor)
        elif node.kind in ("exclusive", "action"):
            self.follow(self.choose(node, at), at, actor)
        else:
            raise WorkflowError(f"Journeys do not cross {node.kind} nodes ('{node.key}').")

    def choose(self, node: NodeDef, at: datetime) -> EdgeDef:
        edges = self.definition.outgoing(node.key)
        for edge in edges:
            if edge.default or not edge.guard:
                continue
            rule = self.workflow.rule(edge.guard, "boolean")
            if rule.evaluate(self.values, now=at, user={}, tz=self.tz) is True:
                return edge
        fallback = next((e for e in edges if e.default or not e.guard), None)
        if fallback is None:
            raise WorkflowError(f"No outgoing edge of node '{node.key}' applies.")
        return fallback

    def open_task(self, node: NodeDef, at: datetime, actor: int | None) -> None:
        rule = node.assignment or {"strategy": "pool"}
        pool = f"role:{rule['role']}" if rule.get("role") else None
        assignee: int | None = None
        strategy, reason = str(rule.get("strategy", "pool")), f"pool {pool}: anyone in it may claim"
        set_field = rule.get("set_field")
        if node.kind == "task" and node.key in self.done:
            assignee, strategy = self.done[node.key], "previous"
            reason = f"assigned to {self.names.get(assignee, assignee)}: did this step before"
        elif node.kind == "task" and set_field and isinstance(self.values.get(set_field), int):
            assignee = int(self.values[set_field])
            reason = f"assigned to {self.names.get(assignee, assignee)}: recorded in {set_field}"
        task = WorkflowTask(
            instance_id=self.instance.id,
            app_key=self.workflow.app_key,
            form_key=self.workflow.form_key,
            record_id=self.record_id,
            node_key=node.key,
            kind=node.kind,
            state="open",
            token="",
            group_key=None,
            assignee_id=assignee,
            pool=pool,
            reason=reason,
            created_at=at,
        )
        self.session.add(task)
        self.session.flush()
        candidates = [] if assignee is None else [{"user_id": assignee}]
        self.session.add(
            AssignmentDecision(
                task_id=task.id,
                strategy=strategy,
                chosen_id=assignee,
                candidates=candidates,
                reason=reason,
                at=at,
            )
        )
        self.event(
            "workflow.assigned",
            at,
            actor,
            node=node.key,
            task=task.id,
            assignee=assignee,
            pool=pool,
            candidates=[c["user_id"] for c in candidates],
            reason=reason,
        )
        self.open.append(task)

    def finish(self, journey: Journey) -> None:
        """Insert the events in order and date the record as its history says."""
        self.session.execute(insert(Event), self.events)
        store = self.workflow.form.store
        last_at, last_actor = self.last or (journey.created_at, journey.creator_id)
        self.session.execute(
            update(store.table)
            .where(store.table.c.id == self.record_id)
            .values(
                created_at=journey.created_at,
                created_by=journey.creator_id,
                updated_at=last_at,
                updated_by=last_actor,
            )
        )
        self.session.flush()
