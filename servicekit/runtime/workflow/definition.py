"""Typed workflow objects, loaded once from a workflow document that passed its schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NODE_KINDS = (
    "start",
    "task",
    "approval",
    "exclusive",
    "parallel_split",
    "parallel_join",
    "action",
    "end",
)
PERSON_KINDS = ("task", "approval")
FIELD_RIGHTS = ("hidden", "readonly", "editable", "required")
APPROVE, REJECT = "approve", "reject"


@dataclass(frozen=True)
class EdgeDef:
    """A move between two nodes; at a task node its key is the action (button)."""

    key: str
    source: str
    target: str
    index: int
    label: Any = None
    guard: str | None = None
    default: bool = False
    confirm: Any = None
    comment_required: bool = False


@dataclass(frozen=True)
class NodeDef:
    """One node of the graph with everything its kind uses."""

    key: str
    kind: str
    index: int
    label: Any = None
    assignment: Mapping[str, Any] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    on_enter: tuple[Mapping[str, Any], ...] = ()
    on_leave: tuple[Mapping[str, Any], ...] = ()
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mode: str = "any"
    threshold: float | None = None
    join: str | None = None
    outcome: str | None = None

    @property
    def is_person(self) -> bool:
        """A task or approval: someone has to act here."""
        return self.kind in PERSON_KINDS

    def field_right(self, key: str) -> str:
        """The right on ``key`` at this node; fields not listed are read-only."""
        return self.fields.get(key, "readonly")


@dataclass(frozen=True)
class WorkflowDef:
    """A workflow version: its nodes by key and its edges in document order."""

    key: str
    form: str
    version: int
    label: Any
    nodes: Mapping[str, NodeDef]
    edges: tuple[EdgeDef, ...]
    reopen: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, body: Mapping[str, Any], version: int = 1) -> WorkflowDef:
        """Build from a document body; later nodes with a repeated key are ignored."""
        nodes: dict[str, NodeDef] = {}
        for index, raw in enumerate(body.get("nodes") or []):
            if raw["key"] in nodes:
                continue
            nodes[raw["key"]] = NodeDef(
                key=raw["key"],
                kind=raw["kind"],
                index=index,
                label=raw.get("label"),
                assignment=raw.get("assignment"),
                fields=dict(raw.get("fields") or {}),
                on_enter=tuple(raw.get("on_enter") or ()),
                on_leave=tuple(raw.get("on_leave") or ()),
                roles={k: tuple(v) for k, v in (raw.get("roles") or {}).items()},
                mode=raw.get("mode", "any"),
                threshold=raw.get("threshold"),
                join=raw.get("join"),
                outcome=raw.get("outcome"),
            )
        edges = tuple(
            EdgeDef(
                key=raw["key"],
                source=raw["from"],
                target=raw["to"],
                index=index,
                label=raw.get("label"),
                guard=raw.get("guard"),
                default=bool(raw.get("default")),
                confirm=raw.get("confirm"),
                comment_required=bool(raw.get("comment_required")),
            )
            for index, raw in enumerate(body.get("edges") or [])
        )
        return cls(
            key=body["key"],
            form=body.get("form", ""),
            version=version,
            label=body.get("label"),
            nodes=nodes,
            edges=edges,
            reopen=body.get("reopen"),
            raw=body,
        )

    def outgoing(self, node_key: str) -> list[EdgeDef]:
        """The edges leaving ``node_key``, in document order."""
        return [edge for edge in self.edges if edge.source == node_key]

    def edge(self, node_key: str, action: str) -> EdgeDef | None:
        return next((e for e in self.outgoing(node_key) if e.key == action), None)

    @property
    def start(self) -> NodeDef:
        return next(node for node in self.nodes.values() if node.kind == "start")

    def split_of(self, join_key: str) -> NodeDef | None:
        """The parallel split whose branches meet at ``join_key``."""
        return next(
            (n for n in self.nodes.values() if n.kind == "parallel_split" and n.join == join_key),
            None,
        )
