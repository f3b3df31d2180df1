"""The rule language: grammar, checker, Python and SQL back ends."""

from __future__ import annotations

from servicekit.runtime.rules.errors import LimitError, Problem, RuleError
from servicekit.runtime.rules.rule import Rule, compile_rule, normalize
from servicekit.runtime.rules.template import Template, compile_template

__all__ = [
    "LimitError",
    "Problem",
    "Rule",
    "RuleError",
    "Template",
    "compile_rule",
    "compile_template",
    "normalize",
]
