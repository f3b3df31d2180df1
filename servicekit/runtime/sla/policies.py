"""Typed SLA policies: which one applies to a work order, and when each target and step falls due.

The timer engine (built with the workflow engine) reads policies through these classes:
``Policy.from_body`` once per published version, ``select_policy`` when a work order is
created or changes, and ``TargetDef.due``/``Step.fires_at`` when it starts or resumes a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from servicekit.runtime.rules import Rule, RuleError, compile_rule
from servicekit.runtime.sla.business_time import Pause, due_with_pauses, elapsed
from servicekit.runtime.sla.calendar import Calendar
from servicekit.runtime.sla.durations import Target, parse_target
from servicekit.runtime.sla.errors import SlaError

RESPONSE, RESOLUTION = "response", "resolution"


@dataclass(frozen=True)
class Step:
    """One rung of an escalation ladder: when it fires and the actions it runs (as written)."""

    key: str
    percent: int | None = None
    minutes_before_due: int | None = None
    minutes_after_due: int | None = None
    actions: tuple[Mapping[str, Any], ...] = ()
    label: Any = None

    def offset(self, target_length: timedelta) -> timedelta:
        """How much of the clock's working time has run when the step fires."""
        if self.percent is not None:
            return target_length * self.percent / 100
        if self.minutes_before_due is not None:
            return max(target_length - timedelta(minutes=self.minutes_before_due), timedelta())
        return target_length + timedelta(minutes=self.minutes_after_due or 0)


@dataclass(frozen=True)
class TargetDef:
    """A target of a policy: response, resolution, or the time limit of one workflow node."""

    name: str  # "response", "resolution" or "node:<key>"
    within: Target
    ladder: tuple[Step, ...] = ()
    counts: str | None = None

    @property
    def pauses(self) -> bool:
        """Response clocks run on through pauses; resolution and node clocks stop."""
        return self.name != RESPONSE

    def length(self, calendar: Calendar, start: datetime) -> timedelta:
        """The target's working time for a clock started at ``start``.

        Whole-day targets end at the end of a working day, so their length depends on when
        the clock started; duration targets are the same everywhere.
        """
        if self.within.days:
            return elapsed(calendar, start, self.within.due(calendar, start))
        return self.within.working

    def due(self, calendar: Calendar, start: datetime, pauses: Iterable[Pause] = ()) -> datetime:
        """When the target is breached, given the pauses so far (ignored for response)."""
        return due_with_pauses(
            calendar, start, self.length(calendar, start), pauses if self.pauses else ()
        )

    def fire_times(
        self, calendar: Calendar, start: datetime, pauses: Iterable[Pause] = ()
    ) -> list[tuple[Step, datetime]]:
        """Each ladder step with the instant it fires, in ladder order."""
        length = self.length(calendar, start)
        stops = list(pauses) if self.pauses else []
        return [
            (step, due_with_pauses(calendar, start, step.offset(length), stops))
            for step in self.ladder
        ]


@dataclass(frozen=True)
class Policy:
    """One published SLA policy, ready to match work orders and time their targets."""

    key: str
    form: str | None
    order: int
    calendar: str | None
    condition: str | None
    targets: tuple[TargetDef, ...]
    pause_nodes: frozenset[str] = frozenset()
    pause_when: str | None = None
    version: int | None = None
    label: Any = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_body(cls, body: Mapping[str, Any], *, version: int | None = None) -> Policy:
        """Build from a policy document that passed its schema and ``check_policies``."""
        targets_body = body.get("targets") or {}
        targets = [
            _target(name, targets_body[name])
            for name in (RESPONSE, RESOLUTION)
            if name in targets_body
        ]
        targets += [
            _target(f"node:{node}", target)
            for node, target in (targets_body.get("nodes") or {}).items()
        ]
        pause = body.get("pause") or {}
        return cls(
            key=str(body["key"]),
            form=body.get("form"),
            order=int(body.get("order", 0)),
            calendar=body.get("calendar"),
            condition=body.get("condition"),
            targets=tuple(targets),
            pause_nodes=frozenset(pause.get("nodes") or ()),
            pause_when=pause.get("when"),
            version=version,
            label=body.get("label"),
            raw=body,
        )

    def target(self, name: str) -> TargetDef | None:
        """A target by name (``response``, ``resolution``, ``node:dispatch``)."""
        return next((t for t in self.targets if t.name == name), None)

    def matches(
        self,
        fields: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        *,
        now: datetime,
        tz: str,
        forms: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether the policy's condition holds for a work order's ``values``."""
        if not self.condition:
            return True
        return _evaluate(self.condition, fields, values, now=now, tz=tz, forms=forms) is True

    def paused(
        self,
        fields: Sequence[Mapping[str, Any]],
        values: Mapping[str, Any],
        nodes: Iterable[str],
        *,
        now: datetime,
        tz: str,
        forms: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether resolution and node clocks stand still: a pause node is open, or ``when`` holds."""
        if self.pause_nodes.intersection(nodes):
            return True
        if not self.pause_when:
            return False
        return _evaluate(self.pause_when, fields, values, now=now, tz=tz, forms=forms) is True


def select_policy(
    policies: Iterable[Policy],
    form: str,
    fields: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    *,
    now: datetime,
    tz: str,
    forms: Mapping[str, Any] | None = None,
) -> Policy | None:
    """The first policy of ``form`` (by order, then key) whose condition holds; None if none."""
    ordered = sorted(
        (p for p in policies if p.form in (None, form)), key=lambda p: (p.order, p.key)
    )
    for policy in ordered:
        if policy.matches(fields, values, now=now, tz=tz, forms=forms):
            return policy
    return None


def _target(name: str, body: Mapping[str, Any]) -> TargetDef:
    ladder = tuple(
        Step(
            key=str(step["key"]),
            percent=step.get("percent"),
            minutes_before_due=step.get("minutes_before_due"),
            minutes_after_due=step.get("minutes_after_due"),
            actions=tuple(step.get("actions") or ()),
            label=step.get("label"),
        )
        for step in body.get("ladder") or []
    )
    return TargetDef(name, parse_target(str(body["within"])), ladder, body.get("counts"))


def _evaluate(
    source: str,
    fields: Sequence[Mapping[str, Any]],
    values: Mapping[str, Any],
    *,
    now: datetime,
    tz: str,
    forms: Mapping[str, Any] | None,
) -> Any:
    rule: Rule
    try:
        rule = compile_rule(source, list(fields), forms=dict(forms or {}), expect="boolean")
        return rule.evaluate(values, now=now, tz=tz)
    except RuleError as exc:
        # Published policies type-checked; a failure here means the form changed since.
        raise SlaError(f"SLA condition {source!r} cannot be evaluated: {exc.message}") from exc
