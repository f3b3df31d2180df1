"""Resolve field names and labels against a form's fields, with "did you mean" suggestions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from servicekit.runtime.rules.rtypes import DATETIME, TEXT, USER, Type, field_type

SYSTEM_FIELDS: dict[str, Type] = {
    "number": TEXT,
    "created_at": DATETIME,
    "created_by": USER,
    "updated_at": DATETIME,
}
USER_ATTRIBUTES = ("id", "name", "roles", "region", "skills")


def label_texts(label: Any) -> list[str]:
    """Every written form of a translatable label (``{"zh": ..., "en": ...}`` or text)."""
    if isinstance(label, dict):
        return [str(v).strip() for v in label.values() if isinstance(v, str) and v.strip()]
    if isinstance(label, str) and label.strip():
        return [label.strip()]
    return []


@dataclass
class Scope:
    """The names visible at one level: a form's fields, or a subform row's inside an aggregate.

    ``level`` is 0 for the record and grows by one per enclosing aggregate.
    """

    fields: tuple[dict[str, Any], ...]
    forms: dict[str, list[dict[str, Any]]]
    parent: Scope | None = None
    system: bool = True
    level: int = 0
    prefix: str = ""
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    _by_label: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for item in self.fields:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                continue
            self._by_key[item["key"]] = item
            for text in label_texts(item.get("label")):
                self._by_label.setdefault(text.casefold(), item)

    def child(self, fields: tuple[dict[str, Any], ...], prefix: str) -> Scope:
        """The scope inside an aggregate over rows with ``fields``; outer names stay visible.

        ``prefix`` is the dotted path of the rows (``parts.``) used in ``Rule.fields``.
        """
        return Scope(
            fields, self.forms, parent=self, system=False, level=self.level + 1, prefix=prefix
        )

    def find(self, name: str, *, by_label: bool) -> tuple[Scope, str, Type] | None:
        """``(scope, key, type)`` of the nearest field called ``name``, or ``None``."""
        scope: Scope | None = self
        while scope is not None:
            item = (
                scope._by_label.get(name.strip().casefold())
                if by_label
                else scope._by_key.get(name)
            )
            if item is None and by_label:
                item = scope._by_key.get(name.strip())
            if item is not None:
                return scope, item["key"], field_type(item, self.forms)
            if not by_label and scope.system and name in SYSTEM_FIELDS:
                return scope, name, SYSTEM_FIELDS[name]
            scope = scope.parent
        return None

    def suggestion(self, name: str) -> str:
        """`` (did you mean …?)`` for the closest key or label, or an empty string."""
        names: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            for item in scope.fields:
                if isinstance(item, dict):
                    names.extend(label_texts(item.get("label")))
            # Keys come last so that they win over a label differing only in case.
            names.extend(scope._by_key)
            scope = scope.parent
        lowered = {x.casefold(): x for x in names}
        close = difflib.get_close_matches(name.casefold(), list(lowered), n=1, cutoff=0.6)
        return f" (did you mean {lowered[close[0]]}?)" if close else ""


def find_in(fields: tuple[dict[str, Any], ...], name: str) -> dict[str, Any] | None:
    """The field of ``fields`` whose key is ``name``."""
    for item in fields:
        if isinstance(item, dict) and item.get("key") == name:
            return item
    return None
