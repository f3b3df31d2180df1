"""The rule language: grammar, checker, Python and SQL back ends."""

from __future__ import annotations

from typing import Any

from servicekit.runtime.rules.errors import LimitError, Problem, RuleError
from servicekit.runtime.rules.rule import Rule, compile_rule, normalize
from servicekit.runtime.rules.sqlite_functions import install_sqlite_functions
from servicekit.runtime.rules.template import Template, compile_template


def init_app(app: Any) -> None:
    """Register the rule language with a ServiceKit app.

    Adds the SQLite functions to every new database connection, the ``rules`` CLI group,
    and the form validator that checks every rule when forms are published or installed.
    """
    from servicekit.platform.metadata.problems import Problem as MetadataProblem
    from servicekit.runtime.rules.cli import rules_group
    from servicekit.runtime.rules.validate import check_forms

    def hook(connection: Any, dialect: str) -> None:
        if dialect == "sqlite":
            install_sqlite_functions(connection)

    def validator(docset: Any) -> list[MetadataProblem]:
        return [
            MetadataProblem(message, path, docset.file_of("form", key))
            for key, message, path in check_forms(docset.forms())
        ]

    app.extensions["servicekit.db"].add_connect_hook(hook)
    app.cli.add_command(rules_group)
    app.extensions["servicekit.registry"].add_validator("form", validator)


__all__ = [
    "LimitError",
    "Problem",
    "Rule",
    "RuleError",
    "Template",
    "compile_rule",
    "compile_template",
    "init_app",
    "install_sqlite_functions",
    "normalize",
]
