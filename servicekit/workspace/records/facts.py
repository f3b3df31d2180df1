"""Sorts and filters other parts of ServiceKit offer on record lists (SLA "due soonest").

A :class:`ListFacts` pairs the query side (:class:`RecordFacts`, joined by the list query)
with what the list page shows: a label per sort and per flag (English, translated in the
offering package's catalog) and which forms it applies to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from servicekit.runtime.forms.query import RecordFacts

_KEY = "servicekit.list_facts"


@dataclass(frozen=True)
class ListFacts:
    """Facts a list may sort and filter by, with their labels and the forms they apply to."""

    facts: RecordFacts
    applies: Callable[[Any], bool]  # given the request's FormScope
    sort_labels: Mapping[str, str] = field(default_factory=dict)
    flag_labels: Mapping[str, str] = field(default_factory=dict)


def add_list_facts(app: Flask, facts: ListFacts) -> None:
    """Offer ``facts`` on every record list whose form it applies to."""
    app.extensions.setdefault(_KEY, []).append(facts)


def list_facts(app: Flask, scope: Any) -> list[ListFacts]:
    """The facts offered on ``scope``'s list."""
    return [facts for facts in app.extensions.get(_KEY, []) if facts.applies(scope)]
