"""A work order's SLA timers from its history: the one function live updates and replay share.

``derive_timers(history, catalog, staff, as_of)`` folds the work order's events (record,
workflow, comments, and the ``sla.state`` entries that record which policy version,
calendar version and field pause applied from when) into one ``Clock`` per target per
cycle. Live updates call it after every change and store the result; ``servicekit sla
replay`` calls it again on the stored event log, so both give the same rows by
construction. Rules the fold follows (issue: SLA engine):

- the policy named by the latest ``sla.state`` applies; none means no SLA;
- response: met by the first workflow action, vote, return or comment of a staff user
  after creation (only the named action when the target ``counts`` one); first cycle only;
- resolution: met on reaching an end node with outcome ``resolved``;
- ``node:<key>``: runs while the node is open; entering it again in the same cycle (work
  sent back) counts on from where it stopped;
- pause nodes and the policy's field condition stop resolution and node clocks;
- a change of policy or version keeps elapsed and paused time; history is not recomputed;
- reopening starts a new cycle; cancelling cancels open clocks; breaches stay recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.clock_state import Clock
from servicekit.runtime.sla.policies import RESOLUTION, RESPONSE, Policy

# Workflow events by which a staff user acts on a work order (claiming is not acting).
_ACTING = {"workflow.moved", "workflow.voted", "workflow.returned"}
_COMMENTING = {"workflow.commented", "comment"}


@dataclass(frozen=True)
class Happening:
    """One entry of a work order's history, as the fold reads it.

    ``kind`` is the event kind (``record.created``, ``workflow.moved``, ``sla.state``, ...)
    or ``comment`` for a record comment; ``data`` is the event's ``changes``.
    """

    at: datetime
    order: tuple[int, int]
    kind: str
    actor_id: int | None
    data: Mapping[str, Any]


class Catalog(Protocol):
    """Published policy and calendar versions, by key and version number."""

    def policy(self, key: str, version: int | None) -> Policy: ...

    def calendar(self, key: str, version: int | None, owner: str | None) -> Calendar: ...


def derive_timers(
    history: Iterable[Happening], catalog: Catalog, staff: frozenset[int], as_of: datetime
) -> list[Clock]:
    """Every timer of the work order as of ``as_of``, ordered by cycle, then by start."""
    fold = _Fold(catalog, staff)
    for happening in sorted(history, key=lambda h: (h.at, h.order)):
        fold.apply(happening)
    for clock in fold.clocks.values():
        clock.settle(as_of)
        clock.history.sort(key=lambda item: item[0])
    return sorted(fold.clocks.values(), key=lambda c: (c.cycle, c.started_at, c.target))


class _Fold:
    def __init__(self, catalog: Catalog, staff: frozenset[int]) -> None:
        self.catalog = catalog
        self.staff = staff
        self.clocks: dict[tuple[str, int], Clock] = {}
        self.cycle = 1
        self.policy: Policy | None = None
        self.calendar: Calendar | None = None
        self.field_pause = False
        self.nodes: Counter[str] = Counter()
        self.closed = False
        self.created_at: datetime | None = None
        self.responded = False
        self.start_edge_pending = False

    # the fold ----------------------------------------------------------------------------
    def apply(self, h: Happening) -> None:
        for clock in self.clocks.values():
            clock.advance(h.at)
        kind, data = h.kind, h.data
        if kind == "record.created":
            self.created_at = h.at
        elif kind == "sla.state":
            self._state(h)
        elif kind == "workflow.started":
            self.start_edge_pending = True
        elif kind == "workflow.moved":
            if self.start_edge_pending:
                self.start_edge_pending = False  # the automatic edge out of the start node
            else:
                self._response(h, data.get("action"))
            self._leave(h.at, data.get("from"))
            if data.get("outcome"):
                self._end(h.at, str(data["outcome"]))
            else:
                self._enter(h.at, data.get("to"))
        elif kind == "workflow.voted":
            self._response(h, data.get("vote"))
        elif kind == "workflow.returned":
            self._response(h, "return")
            self._leave(h.at, data.get("from"))
            self._enter(h.at, data.get("to"))
        elif kind in _COMMENTING:
            self._response(h, None)
        elif kind == "workflow.reopened":
            self._reopen(h.at, data.get("to"))
        elif kind == "workflow.cancelled":
            self._cancel_all(h.at, "work order cancelled")
            self.nodes.clear()
            self.closed = True
        elif kind == "workflow.migrated":
            mapping = data.get("mapping") or {}
            self.nodes = Counter({mapping.get(n, n): c for n, c in self.nodes.items()})
        self._pause(h.at)

    def _state(self, h: Happening) -> None:
        data = h.data
        self.field_pause = bool(data.get("paused_by_field"))
        key = data.get("policy")
        if key is None:
            if self.policy is not None:
                self._cancel_all(h.at, "no policy applies")
            self.policy = self.calendar = None
            return
        policy = self.catalog.policy(str(key), data.get("policy_version"))
        calendar = self.catalog.calendar(
            str(data["calendar"]), data.get("calendar_version"), data.get("calendar_app")
        )
        same = (
            self.policy is not None
            and (self.policy.key, self.policy.version) == (policy.key, policy.version)
            and self.calendar is not None
            and (self.calendar.key, self.calendar.version) == (calendar.key, calendar.version)
        )
        if same:
            return
        for clock in self._open_clocks():
            target = policy.target(clock.target)
            if target is None:
                clock.cancel(h.at, f"policy {policy.key} has no such target")
            else:
                clock.switch(policy, target, calendar, h.at)
        self.policy, self.calendar = policy, calendar
        if self.closed:
            return
        if self.cycle == 1 and not self.responded:
            self._start(RESPONSE, h.at)
        self._start(RESOLUTION, h.at)
        for node, count in self.nodes.items():
            if count > 0:
                self._start(f"node:{node}", h.at)

    def _response(self, h: Happening, action: Any) -> None:
        if h.actor_id is None or h.actor_id not in self.staff:
            return
        if self.created_at is not None and h.at <= self.created_at:
            return  # written while the work order was being created
        clock = self.clocks.get((RESPONSE, 1))
        counts = None
        if clock is not None:
            target = clock.policy.target(RESPONSE)
            counts = target.counts if target is not None else None
        elif self.policy is not None and self.policy.target(RESPONSE) is not None:
            counts = self.policy.target(RESPONSE).counts  # type: ignore[union-attr]
        if counts is not None and action != counts:
            return
        if self.responded:
            return
        self.responded = True
        if clock is not None:
            clock.meet(h.at)

    def _enter(self, at: datetime, node: Any) -> None:
        if not node:
            return
        self.nodes[str(node)] += 1
        self._start(f"node:{node}", at)

    def _leave(self, at: datetime, node: Any) -> None:
        if not node or self.nodes[str(node)] <= 0:
            return
        self.nodes[str(node)] -= 1
        if self.nodes[str(node)] == 0:
            clock = self.clocks.get((f"node:{node}", self.cycle))
            if clock is not None:
                clock.meet(at)

    def _end(self, at: datetime, outcome: str) -> None:
        for node in list(self.nodes):
            while self.nodes[node] > 0:
                self._leave(at, node)
        if outcome == "resolved":
            clock = self.clocks.get((RESOLUTION, self.cycle))
            if clock is not None:
                clock.meet(at)
        self._cancel_all(at, f"work order ended: {outcome}")
        self.closed = True

    def _reopen(self, at: datetime, node: Any) -> None:
        self._cancel_all(at, "work order reopened")
        self.cycle += 1
        self.closed = False
        self.nodes.clear()
        self._start(RESOLUTION, at)
        self._enter(at, node)

    def _start(self, name: str, at: datetime) -> None:
        """Start (or, for a node visited again, restart) the clock of ``name`` if the policy has it."""
        if self.policy is None or self.calendar is None or self.closed:
            return
        target = self.policy.target(name)
        if target is None:
            return
        existing = self.clocks.get((name, self.cycle))
        if existing is None:
            self.clocks[(name, self.cycle)] = Clock.start(
                target, self.cycle, self.policy, self.calendar, at
            )
        elif not existing.is_open and (existing.cancelled or name.startswith("node:")):
            if (existing.policy.key, existing.policy.version) != (
                self.policy.key,
                self.policy.version,
            ):
                existing.switch(self.policy, target, self.calendar, at)
            existing.reopen(at)

    def _pause(self, at: datetime) -> None:
        policy = self.policy
        should = bool(
            policy is not None
            and not self.closed
            and (
                self.field_pause
                or any(self.nodes[n] > 0 for n in policy.pause_nodes if n in self.nodes)
            )
        )
        for clock in self._open_clocks():
            if should and clock.paused_since is None:
                clock.pause(at, "field" if self.field_pause else "node")
            elif not should and clock.paused_since is not None:
                clock.resume(at)

    def _cancel_all(self, at: datetime, reason: str) -> None:
        for clock in self._open_clocks():
            clock.cancel(at, reason)

    def _open_clocks(self) -> list[Clock]:
        return [c for c in self.clocks.values() if c.is_open and c.cycle == self.cycle]
