"""``{{ expression }}`` templates for record titles and messages, compiled once per form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from servicekit.runtime.rules.errors import Problem, RuleError
from servicekit.runtime.rules.rule import Fields, Forms, Rule, compile_rule
from servicekit.runtime.rules.values import as_text, zone

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)


class Template:
    """Literal text and compiled rules, rendered to plain text (escape it where it is shown)."""

    def __init__(self, source: str, parts: list[str | Rule]) -> None:
        self.source = source
        self.parts = parts

    @property
    def fields(self) -> frozenset[str]:
        """Every field path the placeholders read."""
        out: set[str] = set()
        for part in self.parts:
            if isinstance(part, Rule):
                out |= part.fields
        return frozenset(out)

    def render(
        self,
        values: Mapping[str, Any],
        *,
        now: datetime | None = None,
        user: Mapping[str, Any] | None = None,
        tz: str | tzinfo | None = None,
    ) -> str:
        zone_ = zone(tz)
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = part.evaluate(values, now=now, user=user, tz=zone_)
                out.append(as_text(value, zone_) or "")
        return "".join(out)


def compile_template(source: str, fields: Fields, forms: Forms | None = None) -> Template:
    """Compile each ``{{ ... }}`` placeholder; problems carry positions in ``source``."""
    parts: list[str | Rule] = []
    problems: list[Problem] = []
    last = 0
    for match in _PLACEHOLDER.finditer(source):
        parts.append(source[last : match.start()])
        last = match.end()
        expr = match.group(1)
        try:
            parts.append(compile_rule(expr, fields, forms=forms))
        except RuleError as exc:
            prefix = source[: match.start(1)]
            line = prefix.count("\n")
            col = len(prefix.rsplit("\n", 1)[-1])
            for p in exc.problems:
                shift = col if p.line == 1 else 0
                problems.append(
                    Problem(p.message, p.line + line, p.column + shift, p.end_column + shift)
                )
    parts.append(source[last:])
    if problems:
        raise RuleError(problems, source)
    return Template(source, [p for p in parts if p != ""])
