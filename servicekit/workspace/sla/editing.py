"""The SLA policy form: a policy body as editable rows, the posted form back into a body,
and problems placed next to the input whose JSON path they name.

Every list on the form (node limits, ladder steps, step actions) is shown with one blank
row more than it holds, so a builder adds a row by filling it in and removes one by
emptying it; plain HTML forms need nothing else. Values that do not parse (a percent of
"abc") stay as typed, so the schema names them with their path and the builder sees
what they wrote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 4000
MAX_NODES, MAX_STEPS, MAX_ACTIONS = 100, 20, 10
WHEN_KEYS = {"percent": "percent", "before": "minutes_before_due", "after": "minutes_after_due"}
ACTION_TEXT = ("assignee_field", "message", "role", "user", "field")
ACTION_LISTS = ("roles", "users")
ACTION_FIELDS = ("type", *ACTION_LISTS, *ACTION_TEXT, "to", "hold_outside_working_hours")
TOP_PATHS = ("$.key", "$.label", "$.form", "$.order", "$.calendar", "$.condition")
PAUSE_PATHS = ("$.pause.nodes", "$.pause.when")


@dataclass
class Slot:
    """One target on the form: response, resolution, or the time limit of one node."""

    prefix: str  # input-name prefix: response, resolution, n0, n1, ...
    name: str  # response, resolution or node
    node: str = ""
    target: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        if self.name != "node":
            return f"$.targets.{self.name}"
        return f"$.targets.nodes.{self.node}" if self.node else "$.targets.nodes"

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.target.get("ladder") or [])

    def step_path(self, index: int) -> str:
        return f"{self.path}.ladder[{index}]"

    def paths(self) -> list[str]:
        """The JSON paths of every input of this slot, for placing problems."""
        found = [self.path, f"{self.path}.within", f"{self.path}.counts"]
        for i, step in enumerate(self.steps):
            here = self.step_path(i)
            found += [here, f"{here}.key", f"{here}.label", f"{here}.actions"]
            found += [f"{here}.{key}" for key in WHEN_KEYS.values()]
            for j, _action in enumerate(step.get("actions") or []):
                found.append(f"{here}.actions[{j}]")
                found += [f"{here}.actions[{j}].{key}" for key in ACTION_FIELDS]
        return found


def slots_of(body: Mapping[str, Any]) -> list[Slot]:
    """The targets of a stored policy as form slots (response and resolution always shown)."""
    targets = body.get("targets") or {}
    slots = [
        Slot(name, name, target=dict(targets.get(name) or {}))
        for name in ("response", "resolution")
    ]
    for index, (node, target) in enumerate((targets.get("nodes") or {}).items()):
        slots.append(Slot(f"n{index}", "node", str(node), dict(target or {})))
    return slots


def step_when(step: Mapping[str, Any]) -> tuple[str, Any]:
    """Which kind of offset a step uses (percent, before, after) and its amount."""
    for when, key in WHEN_KEYS.items():
        if key in step:
            return when, step[key]
    return "percent", ""


def label_parts(label: Any) -> tuple[str, str]:
    """A label as its (English, Chinese) texts; a plain string shows in both boxes."""
    if isinstance(label, Mapping):
        return str(label.get("en") or ""), str(label.get("zh") or "")
    return (str(label), str(label)) if label else ("", "")


def _text(form: Mapping[str, str], name: str, limit: int = MAX_TEXT) -> str:
    return (form.get(name) or "").strip()[:limit]


def _label(en: str, zh: str) -> Any:
    if en and zh:
        return en if en == zh else {"zh": zh, "en": en}
    return en or zh or None


def _number(text: str) -> Any:
    """Whole numbers as ints; anything else as typed, for the schema to name."""
    return int(text) if re.fullmatch(r"\d{1,9}", text) else text


def _value(text: str) -> Any:
    """A set_field value: JSON numbers, true, false and null as such, else the text."""
    if re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?|true|false|null", text):
        return json.loads(text)
    return text


def value_text(value: Any) -> str:
    """A set_field value as the builder types it (the inverse of the form's parsing)."""
    if value is None or value == "":
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，\s]+", text) if part.strip()]


def _indexes(form: Iterable[str], pattern: str, limit: int) -> list[int]:
    found = {int(m.group(1)) for name in form if (m := re.match(pattern, name))}
    return sorted(i for i in found if i < limit)


def _action(form: Mapping[str, str], name: str) -> dict[str, Any] | None:
    kind = _text(form, f"{name}.type", 40)
    if not kind:
        return None
    action: dict[str, Any] = {"type": kind}
    for key in ACTION_LISTS:
        if parts := _split(_text(form, f"{name}.{key}")):
            action[key] = parts
    for key in ACTION_TEXT:
        if text := _text(form, f"{name}.{key}"):
            action[key] = text
    if text := _text(form, f"{name}.to"):
        action["to"] = _value(text)
    if form.get(f"{name}.hold"):
        action["hold_outside_working_hours"] = True
    return action


def _step(form: Mapping[str, str], name: str) -> dict[str, Any] | None:
    actions = [
        action
        for j in _indexes(form, rf"^{re.escape(name)}\.a(\d{{1,2}})\.", MAX_ACTIONS + 1)
        if (action := _action(form, f"{name}.a{j}")) is not None
    ]
    key = _text(form, f"{name}.key", 40)
    amount = _text(form, f"{name}.amount", 20)
    label = _label(_text(form, f"{name}.label_en", 200), _text(form, f"{name}.label_zh", 200))
    if not (key or amount or label or actions):
        return None
    step: dict[str, Any] = {"key": key}
    if label:
        step["label"] = label
    when = WHEN_KEYS.get(_text(form, f"{name}.when", 10), "percent")
    step[when] = _number(amount)
    step["actions"] = actions
    return step


def _target(form: Mapping[str, str], prefix: str, old: Mapping[str, Any]) -> dict[str, Any]:
    """A target as posted; keys the form does not show are kept from the stored version."""
    target = {k: v for k, v in old.items() if k not in ("within", "counts", "ladder")}
    if within := _text(form, f"{prefix}.within", 20):
        target["within"] = within
    if counts := _text(form, f"{prefix}.counts", 40):
        target["counts"] = counts
    steps = [
        step
        for i in _indexes(form, rf"^{prefix}\.s(\d{{1,2}})\.", MAX_STEPS + 1)
        if (step := _step(form, f"{prefix}.s{i}")) is not None
    ]
    if steps:
        target["ladder"] = steps
    return target


def parse_policy(
    form: Mapping[str, str], old: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Slot], list[tuple[str, str]]]:
    """The posted form as a policy body, the slots to show again, and form-level problems.

    Properties the form does not edit (description, later additions) are kept from ``old``.
    Problems are (JSON path, message) pairs, like the validators'.
    """
    body = {k: v for k, v in old.items() if k not in ("targets", "pause", "condition")}
    problems: list[tuple[str, str]] = []
    if label := _label(_text(form, "label_en", 200), _text(form, "label_zh", 200)):
        body["label"] = label
    else:
        body.pop("label", None)
    for key in ("form", "calendar"):
        if value := _text(form, key, 40):
            body[key] = value
        else:
            body.pop(key, None)
    order = _text(form, "order", 10)
    if order:
        body["order"] = _number(order)
    if condition := _text(form, "condition"):
        body["condition"] = condition
    pause: dict[str, Any] = {}
    if nodes := list(dict.fromkeys(_text(n, "", 40) for n in _list(form, "pause_nodes"))):
        pause["nodes"] = [n for n in nodes if n]
    if when := _text(form, "pause_when"):
        pause["when"] = when
    if pause.get("nodes") or pause.get("when"):
        body["pause"] = pause

    old_targets = old.get("targets") or {}
    old_nodes = old_targets.get("nodes") or {}
    slots: list[Slot] = []
    targets: dict[str, Any] = {}
    for name in ("response", "resolution"):
        target = _target(form, name, old_targets.get(name) or {})
        slots.append(Slot(name, name, target=target))
        if target:
            targets[name] = target
    nodes_body: dict[str, Any] = {}
    for index in _indexes(form, r"^n(\d{1,3})\.", MAX_NODES + 1):
        prefix = f"n{index}"
        node = _text(form, f"{prefix}.node", 40)
        target = _target(form, prefix, old_nodes.get(node) or {})
        if not node and not target:
            continue
        slot = Slot(f"n{len(slots) - 2}", "node", node, target)
        slots.append(slot)
        if not node:
            problems.append((slot.path, "Say which workflow node this time limit is for."))
        elif node in nodes_body:
            problems.append((slot.path, f"The node '{node}' has a time limit above already."))
        else:
            nodes_body[node] = target
    if nodes_body:
        targets["nodes"] = nodes_body
    if targets:
        body["targets"] = targets
    return body, slots, problems


def _list(form: Mapping[str, str], name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist else [form.get(name) or ""]
    return [str(v) for v in values[:MAX_NODES]]


class Problems:
    """Problems of one policy, each shown at the deepest input whose path contains it."""

    def __init__(self, found: Iterable[tuple[str, str]] = ()) -> None:
        self._found = [(_segments(path), path, message) for path, message in found]
        self._home: dict[int, str] = {}

    def place(self, slots: Iterable[Slot]) -> None:
        """Give each problem to the deepest input on the page whose path contains its path."""
        rendered = [*TOP_PATHS, *PAUSE_PATHS, *(p for slot in slots for p in slot.paths())]
        paths = sorted({_segments(p): p for p in rendered}.items(), key=lambda x: -len(x[0]))
        self._home = {}
        for index, (segments, _path, _message) in enumerate(self._found):
            for candidate, path in paths:
                if segments[: len(candidate)] == candidate:
                    self._home[index] = path
                    break

    def at(self, path: str) -> list[tuple[str, str]]:
        """(path, message) of each problem to show next to the input for ``path``."""
        return [(p, m) for i, (_s, p, m) in enumerate(self._found) if self._home.get(i) == path]

    def elsewhere(self) -> list[tuple[str, str]]:
        """Problems that belong to no input on the page (listed at the top with their path)."""
        return [(p, m) for i, (_s, p, m) in enumerate(self._found) if i not in self._home]

    def __bool__(self) -> bool:
        return bool(self._found)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^.\[\]$]+", path))
