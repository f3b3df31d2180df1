"""Problems found in metadata, each with its file and JSON path, and the root error."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one metadata document, said so a person can fix it.

    ``path`` is a JSON path into the document (``$.fields[2].key``); ``file`` is the
    package-relative file name when the document came from a package.
    """

    message: str
    path: str = "$"
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{where}{self.path}: {self.message}"

    def to_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "path": self.path, "message": self.message}


class MetadataError(Exception):
    """Metadata failed validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)
