"""Turns a package's files into a :class:`DocumentSet` plus its seed data, noting bad files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from servicekit.platform.metadata.documents import FOLDERS, Document, DocumentSet
from servicekit.platform.metadata.problems import Problem

_KIND_OF_FOLDER = {folder: kind for kind, folder in FOLDERS.items()}


@dataclass
class PackageContents:
    """A package as read: its documents, seed CSV texts and the problems found reading it."""

    documents: DocumentSet
    seeds: dict[str, str] = field(default_factory=dict)  # form key -> CSV text
    problems: list[Problem] = field(default_factory=list)

    @property
    def manifest(self) -> dict[str, Any]:
        found = self.documents.of_kind("manifest")
        return found[0].body if found and isinstance(found[0].body, dict) else {}

    @property
    def app(self) -> dict[str, Any]:
        found = self.documents.of_kind("app")
        return found[0].body if found and isinstance(found[0].body, dict) else {}

    @property
    def app_key(self) -> str:
        return self.documents.app_key


def _parse_json(name: str, data: bytes, problems: list[Problem]) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(f"The file is not UTF-8 text (byte {exc.start}).", file=name))
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.", file=name)
        )
        return None


def load_contents(files: dict[str, bytes]) -> PackageContents:
    """Sort a package's files into documents and seed data; unknown files are reported."""
    problems: list[Problem] = []
    documents: list[Document] = []
    seeds: dict[str, str] = {}
    for name in sorted(files):
        path = PurePosixPath(name)
        if name in ("manifest.json", "app.json"):
            body = _parse_json(name, files[name], problems)
            # The app document is keyed by the app key (navigation and publishing look it up
            # that way); the manifest is the one document of its kind.
            key = path.stem
            if path.stem == "app" and isinstance(body, dict) and isinstance(body.get("key"), str):
                key = body["key"]
            documents.append(Document(kind=path.stem, key=key, file=name, body=body))
        elif len(path.parts) == 2 and path.parts[0] in _KIND_OF_FOLDER and path.suffix == ".json":
            body = _parse_json(name, files[name], problems)
            documents.append(
                Document(kind=_KIND_OF_FOLDER[path.parts[0]], key=path.stem, file=name, body=body)
            )
        elif len(path.parts) == 2 and path.parts[0] == "data" and path.suffix == ".csv":
            try:
                seeds[path.stem] = files[name].decode("utf-8-sig")
            except UnicodeDecodeError:
                problems.append(Problem("Seed data must be UTF-8 CSV.", file=name))
        elif path.suffix.lower() in (".md", ".txt") and len(path.parts) == 1:
            continue  # a README or licence beside the package is fine
        else:
            problems.append(
                Problem(
                    "This file is not part of the package layout (manifest.json, app.json, "
                    "forms/, workflows/, reports/, dashboards/, calendars/, sla/, data/*.csv).",
                    file=name,
                )
            )
    for required in ("manifest.json", "app.json"):
        if required not in files:
            problems.append(Problem(f"The package has no {required}.", file=required))
    app_body = next((d.body for d in documents if d.kind == "app"), None)
    app_key = app_body.get("key") if isinstance(app_body, dict) else None
    return PackageContents(
        documents=DocumentSet(app_key=str(app_key or ""), documents=documents),
        seeds=seeds,
        problems=problems,
    )
