"""A set of metadata documents checked together (a package, or an app at publish time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds of metadata and the package folder each lives in ("app" and "manifest" are single files).
KINDS = ("manifest", "app", "form", "workflow", "report", "dashboard", "calendar", "sla")
FOLDERS = {
    "form": "forms",
    "workflow": "workflows",
    "report": "reports",
    "dashboard": "dashboards",
    "calendar": "calendars",
    "sla": "sla",
}


@dataclass
class Document:
    """One metadata document: its kind, key, where it came from, and its JSON body."""

    kind: str
    key: str
    file: str
    body: Any


@dataclass
class DocumentSet:
    """The documents of one app, checked as a whole so cross-references can be resolved."""

    app_key: str
    documents: list[Document] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Document]:
        return [doc for doc in self.documents if doc.kind == kind]

    def bodies(self, kind: str) -> dict[str, Any]:
        """Bodies of one kind by key (only dict bodies with a string key)."""
        return {doc.key: doc.body for doc in self.of_kind(kind) if isinstance(doc.body, dict)}

    def forms(self) -> dict[str, Any]:
        return self.bodies("form")

    def file_of(self, kind: str, key: str) -> str | None:
        for doc in self.of_kind(kind):
            if doc.key == key:
                return doc.file
        return None
