"""Loading the metadata test fixtures under ``data/`` as documents and document sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from servicekit.platform.metadata import FOLDERS, Document, DocumentSet

DATA = Path(__file__).parent / "data"
_KIND_OF_FOLDER = {folder: kind for kind, folder in FOLDERS.items()}


def load(relative: str) -> Any:
    """A fixture file's JSON body."""
    return json.loads((DATA / relative).read_text(encoding="utf-8"))


def package(name: str = "after_sales") -> DocumentSet:
    """A fixture package folder as a document set, files named as in a real package."""
    root = DATA / name
    documents = []
    for path in sorted(root.rglob("*.json")):
        file = path.relative_to(root).as_posix()
        kind = path.stem if path.parent == root else _KIND_OF_FOLDER[path.parent.name]
        documents.append(Document(kind, path.stem, file, json.loads(path.read_text("utf-8"))))
    return DocumentSet(name, documents)


def replaced(docset: DocumentSet, file: str, body: Any) -> DocumentSet:
    """A copy of ``docset`` with one file's body swapped (or added when it is not there)."""
    documents = [d for d in docset.documents if d.file != file]
    kind = "app" if file == "app.json" else "manifest" if file == "manifest.json" else None
    if kind is None:
        kind = _KIND_OF_FOLDER[file.split("/")[0]]
    documents.append(Document(kind, Path(file).stem, file, body))
    return DocumentSet(docset.app_key, documents)
