"""The rule language's one root error and the positioned problems it carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rule, at a 1-based line and column, said for its author.

    ``end_column`` is exclusive, so ``end_column - column`` characters are underlined.
    """

    message: str
    line: int = 1
    column: int = 1
    end_column: int = 2

    def excerpt(self, source: str) -> str:
        """The offending source line with carets under the problem."""
        lines = source.splitlines() or [""]
        text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        width = max(1, self.end_column - self.column)
        return f"{text}\n{' ' * (self.column - 1)}{'^' * width}"

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
        }


class RuleError(Exception):
    """A rule could not be compiled or evaluated; ``problems`` lists every problem found.

    It is the only exception the rule language lets escape, whatever the input.
    """

    def __init__(self, problems: list[Problem] | Problem | str, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self.render())

    @property
    def message(self) -> str:
        return self.problems[0].message if self.problems else "invalid rule"

    def render(self) -> str:
        """Every problem as ``line L, column C: message`` followed by a caret excerpt."""
        parts = []
        for problem in self.problems:
            head = f"line {problem.line}, column {problem.column}: {problem.message}"
            parts.append(f"{head}\n{problem.excerpt(self.source)}" if self.source else head)
        return "\n".join(parts)


class LimitError(RuleError):
    """A size or work limit was exceeded; ``IFERROR`` never hides it."""
