"""A structural difference between two versions of a document, by JSON path.

Lists of objects that carry a ``key`` (fields, nodes, edges, roles) are matched by key,
so moving a field is one "moved" line and not a cascade of changes at every index.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Values longer than this are shortened in the listing.
MAX_SHOWN = 120


@dataclass(frozen=True)
class Change:
    """One difference: ``op`` is added, removed, changed or moved."""

    path: str
    op: str
    old: Any = None
    new: Any = None

    def shown(self, value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _member(path: str, name: str) -> str:
    return f"{path}.{name}" if _NAME.fullmatch(name) else f"{path}[{json.dumps(name)}]"


def _keyed(items: list[Any]) -> dict[str, int] | None:
    """Index by ``key`` when every item is an object with a distinct string key."""
    keys = [item.get("key") if isinstance(item, dict) else None for item in items]
    if not items or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        return None
    return {k: i for i, k in enumerate(keys)}  # type: ignore[misc]


def diff(old: Any, new: Any, path: str = "$") -> list[Change]:
    """Every difference between ``old`` and ``new``, in document order."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for name in list(old) + [n for n in new if n not in old]:
            where = _member(path, name)
            if name not in new:
                changes.append(Change(where, "removed", old=old[name]))
            elif name not in old:
                changes.append(Change(where, "added", new=new[name]))
            else:
                changes += diff(old[name], new[name], where)
        return changes
    if isinstance(old, list) and isinstance(new, list):
        return _diff_lists(old, new, path)
    return [Change(path, "changed", old=old, new=new)]


def _diff_lists(old: list[Any], new: list[Any], path: str) -> list[Change]:
    old_keys, new_keys = _keyed(old), _keyed(new)
    if old_keys is None or new_keys is None:
        changes = []
        for index in range(max(len(old), len(new))):
            where = f"{path}[{index}]"
            if index >= len(new):
                changes.append(Change(where, "removed", old=old[index]))
            elif index >= len(old):
                changes.append(Change(where, "added", new=new[index]))
            else:
                changes += diff(old[index], new[index], where)
        return changes
    changes = []
    for key, index in old_keys.items():
        if key not in new_keys:
            changes.append(Change(f"{path}[{index}]", "removed", old=old[index]))
    old_order = [k for k in old_keys if k in new_keys]
    new_order = [k for k in new_keys if k in old_keys]
    # Items outside the longest run of unchanged order are the ones that moved.
    matcher = difflib.SequenceMatcher(a=old_order, b=new_order, autojunk=False)
    stayed = {old_order[b.a + i] for b in matcher.get_matching_blocks() for i in range(b.size)}
    for key, index in new_keys.items():
        where = f"{path}[{index}]"
        if key not in old_keys:
            changes.append(Change(where, "added", new=new[index]))
            continue
        if key not in stayed:
            changes.append(Change(where, "moved", old=old_keys[key], new=index))
        changes += diff(old[old_keys[key]], new[index], where)
    return changes


__all__ = ["Change", "diff"]
