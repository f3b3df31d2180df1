"""Random work-order histories for replay tests: event logs that follow the after-sales
workflow (with its 等待备件 pause step), staff and customer comments, priority changes that
switch policy or version, cancels, returns and reopens, at random instants."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from servicekit.runtime.sla import Calendar, Policy, builtin_calendar
from servicekit.runtime.sla.derive import Happening
from tests.platform.packages.conftest import SAMPLE_APP

STAFF = frozenset({1, 2, 3, 4})
CUSTOMER = 99
UTC_START = datetime.fromisoformat("2025-09-01T00:30:00+00:00")


def policy_bodies() -> dict[tuple[str, int], dict[str, Any]]:
    """The bodies of the sample policies, versions 1 and 2, by (key, version)."""
    out = {}
    for name in ("urgent", "normal"):
        body = json.loads((SAMPLE_APP / "sla" / f"{name}.json").read_text(encoding="utf-8"))
        body["pause"] = {"nodes": ["wait_parts"]}
        out[(name, 1)] = copy.deepcopy(body)
        # A second version with other lengths, so version switches change something.
        body["targets"]["response"]["within"] = "45m" if name == "urgent" else "2h"
        body["targets"]["resolution"]["within"] = "6h" if name == "urgent" else "2d"
        out[(name, 2)] = body
    return out


def _policies() -> dict[tuple[str, int], Policy]:
    return {
        (name, version): Policy.from_body(body, version=version)
        for (name, version), body in policy_bodies().items()
    }


class FixedCatalog:
    """The sample policies (two versions each) and the built-in China mainland calendar."""

    def __init__(self) -> None:
        self.policies = _policies()

    def policy(self, key: str, version: int | None) -> Policy:
        return self.policies[(key, int(version or 1))]

    def calendar(self, key: str, version: int | None, owner: str | None = None) -> Calendar:
        return builtin_calendar(key)


# From each node: (action, next node, outcome of an end node or None).
_FORWARD = {
    "accept": [("accept", "dispatch", None), ("cancel", "cancelled", "cancelled")],
    "dispatch": [("dispatch", "service", None)],
    "service": [("complete", "follow_up", None), ("wait_parts", "wait_parts", None)],
    "wait_parts": [("parts_arrived", "service", None)],
    "follow_up": [("close", "closed", "resolved")],
}


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.at = UTC_START + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        self.events: list[Happening] = []

    def tick(self) -> None:
        choice = self.rng.random()
        if choice < 0.15:
            return  # the same instant
        if choice < 0.6:
            self.at += timedelta(minutes=self.rng.randrange(1, 90), seconds=self.rng.randrange(60))
        elif choice < 0.9:
            self.at += timedelta(hours=self.rng.randrange(1, 30))
        else:
            self.at += timedelta(days=self.rng.randrange(1, 6))

    def add(self, kind: str, actor: int | None = None, **data: Any) -> None:
        order = (1, len(self.events)) if kind == "comment" else (0, len(self.events))
        self.events.append(Happening(self.at, order, kind, actor, data))


def random_history(seed: int) -> list[Happening]:
    """One work order's history, different for each seed and the same for the same seed."""
    rng = random.Random(seed)
    w = _Writer(rng)
    staff = sorted(STAFF)
    w.add("record.created", rng.choice([*staff, None]))
    w.add("workflow.started")
    w.add("workflow.moved", None, action="begin", to="accept", outcome=None, **{"from": "start"})
    w.add("sla.state", None, **_state(rng))
    node: str | None = "accept"
    for _ in range(rng.randrange(2, 14)):
        w.tick()
        roll = rng.random()
        actor = rng.choice(staff)
        if roll < 0.15:
            w.add(rng.choice(["comment", "workflow.commented"]), rng.choice([actor, CUSTOMER]))
        elif roll < 0.3:
            w.add("sla.state", None, **_state(rng))
        elif roll < 0.35 and node not in (None, "closed", "cancelled"):
            w.add("workflow.cancelled", actor, reason="duplicate")
            node = "cancelled"
        elif roll < 0.4 and node == "follow_up":
            w.add("workflow.returned", actor, to="service", reason="again", **{"from": node})
            node = "service"
        elif node in ("closed", "cancelled"):
            if roll < 0.7:
                w.add("workflow.reopened", actor, to="service", reason="called again")
                node = "service"
        elif node in _FORWARD:
            action, target, outcome = rng.choice(_FORWARD[node])
            if action == "complete":
                w.add(
                    "workflow.moved",
                    actor,
                    action=action,
                    to="check_cost",
                    outcome=None,
                    **{"from": node},
                )
                w.add(
                    "workflow.moved",
                    actor,
                    action="no_review",
                    to=target,
                    outcome=None,
                    **{"from": "check_cost"},
                )
            else:
                w.add(
                    "workflow.moved",
                    actor,
                    action=action,
                    to=target,
                    outcome=outcome,
                    **{"from": node},
                )
            node = target
    return w.events


def _state(rng: random.Random) -> dict[str, Any]:
    policy = rng.choice(["urgent", "urgent", "normal", "normal", None])
    if policy is None:
        return {"policy": None}
    return {
        "policy": policy,
        "policy_version": rng.choice([1, 1, 2]),
        "calendar": "cn_mainland",
        "calendar_version": None,
        "calendar_app": None,
        "paused_by_field": rng.random() < 0.15,
    }


def sweep_instants(history: list[Happening], seed: int) -> Iterator[datetime]:
    """Random instants between the history's events at which a sweep runs."""
    rng = random.Random(seed * 7 + 1)
    for before, after in zip(history, history[1:], strict=False):
        if after.at > before.at and rng.random() < 0.5:
            span = (after.at - before.at).total_seconds()
            yield before.at + timedelta(seconds=rng.uniform(0, span))
