"""Where runtime packages register metadata validators with the platform.

The platform never imports the runtime: the rule language, the workflow engine and the
other engines add their checks here from their own ``init_app``, and the metadata store
and package installer call whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

# A validator receives the whole set of documents being checked (see
# ``metadata.validation.DocumentSet``) and returns problems; it must not raise for bad input.
Validator = Callable[[Any], list[Any]]


@dataclass
class Registry:
    """Validators per metadata kind, and hooks the platform calls at named events."""

    validators: dict[str, list[Validator]] = field(default_factory=dict)
    hooks: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)

    def add_validator(self, kind: str, validator: Validator) -> None:
        """Run ``validator`` whenever documents of ``kind`` are published or installed."""
        self.validators.setdefault(kind, []).append(validator)

    def validators_for(self, kind: str) -> list[Validator]:
        return list(self.validators.get(kind, []))

    def add_hook(self, event: str, hook: Callable[..., Any]) -> None:
        """Call ``hook`` when the platform reaches ``event`` (e.g. ``records.seeded``)."""
        self.hooks.setdefault(event, []).append(hook)

    def hooks_for(self, event: str) -> list[Callable[..., Any]]:
        return list(self.hooks.get(event, []))


def get_registry(app: Flask) -> Registry:
    return app.extensions["servicekit.registry"]


def init_app(app: Flask) -> None:
    app.extensions["servicekit.registry"] = Registry()
