"""The root error of the report engine, and the refusal a reader gets for a field they may not see."""

from __future__ import annotations


class ReportError(Exception):
    """A report that cannot run as defined; ``path`` names the JSON path at fault."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ReportRefused(ReportError):
    """The reader may not run this report: it groups or aggregates a field hidden from them."""
