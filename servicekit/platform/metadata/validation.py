"""The one entry point that checks metadata: schemas, static checks, then the engines' validators.

The metadata store (drafts, publishing), the package installer and the API call
``check_documents`` for a whole set and ``validate_one`` for a single document; both return
every problem found, sorted by file and JSON path, and never raise for bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from servicekit.platform.metadata.checks import static_problems
from servicekit.platform.metadata.documents import FOLDERS, KINDS, Document, DocumentSet
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.metadata.schemas import path_sort_key, schema_problems

Validator = Callable[[DocumentSet], list[Problem]]


class _HasValidators(Protocol):
    def validators_for(self, kind: str) -> list[Validator]: ...


# Where the engines' validators come from: the platform ``Registry`` (anything with
# ``validators_for(kind)``), a mapping of kind to validators, or (kind, validator) pairs.
Validators = _HasValidators | Mapping[str, Iterable[Validator]] | Iterable[tuple[str, Validator]]

__all__ = ["check_documents", "schema_problems", "sort_problems", "validate_one"]


def check_documents(docset: DocumentSet, validators: Validators = ()) -> list[Problem]:
    """Every problem in ``docset``, for the installer, publishing and the API.

    Documents are checked against their schema first; documents that pass go on to the
    static checks and to each validator registered for their kind. Validators see only
    those documents, so they may trust the schema; one that raises is reported as a problem
    naming it, and the other checks still run.
    """
    problems: list[Problem] = []
    passed: list[Document] = []
    for doc in docset.documents:
        if doc.body is None:
            continue  # the file could not be read; whoever read it has reported why
        found = schema_problems(doc.kind, doc.body, doc.file)
        problems.extend(found)
        if not found:
            passed.append(doc)
    problems.extend(static_problems(docset, passed))
    problems.extend(_run_validators(DocumentSet(docset.app_key, passed), validators))
    return sort_problems(problems)


def validate_one(
    kind: str,
    body: Any,
    *,
    app_key: str,
    others: DocumentSet | Iterable[Document] | None = None,
    validators: Validators = (),
) -> list[Problem]:
    """The problems of one document (designer save, API write), checked among ``others``.

    ``others`` are the app's other documents, so references such as lookups and roles can
    be resolved; a document of the same kind and key among them is replaced by ``body``.
    Only problems of this document are returned.
    """
    file = _file_for(kind, body)
    if body is None:
        return [Problem("The document is empty; it must be a JSON object.", "$", file)]
    key = body.get("key") if isinstance(body, dict) else None
    rest = list(others.documents if isinstance(others, DocumentSet) else others or ())
    rest = [d for d in rest if not (d.kind == kind and d.key == key)]
    this = Document(kind, key if isinstance(key, str) else "", file, body)
    problems = check_documents(DocumentSet(app_key, [*rest, this]), validators)
    return [p for p in problems if p.file in (file, None)]


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order: by file, then JSON path (``[2]`` before ``[10]``), then text."""
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.file or "", path_sort_key(p.path), p.message))


def _file_for(kind: str, body: Any) -> str:
    """The package-relative file a document of ``kind`` lives in (``forms/work_order.json``)."""
    if kind in ("app", "manifest"):
        return f"{kind}.json"
    key = body.get("key") if isinstance(body, dict) else None
    stem = key if isinstance(key, str) and key else "untitled"
    return f"{FOLDERS.get(kind, kind)}/{stem}.json"


def _validators_for(validators: Validators, kind: str) -> list[Validator]:
    if hasattr(validators, "validators_for"):
        return list(validators.validators_for(kind))
    if isinstance(validators, Mapping):
        return list(validators.get(kind, ()))
    return [validator for each_kind, validator in validators if each_kind == kind]


def _run_validators(docset: DocumentSet, validators: Validators) -> list[Problem]:
    """Run each engine's validator for every kind present; a crash becomes a problem."""
    if not isinstance(validators, Mapping) and not hasattr(validators, "validators_for"):
        validators = list(validators)  # pairs may come from a generator; read it once
    present = [kind for kind in KINDS if docset.of_kind(kind)]
    problems: list[Problem] = []
    for kind in present:
        for validator in _validators_for(validators, kind):
            problems.extend(_run_one(validator, kind, docset))
    return problems


def _run_one(validator: Validator, kind: str, docset: DocumentSet) -> list[Problem]:
    name = getattr(validator, "__qualname__", None) or repr(validator)
    module = getattr(validator, "__module__", None)
    if module:
        name = f"{module}.{name}"
    try:
        found = validator(docset)
    except Exception as exc:  # a broken engine check must not stop an install from reporting
        return [
            Problem(
                f"The {kind} check {name} failed with {type(exc).__name__}: {exc}. The other "
                f"checks ran; report this to the ServiceKit maintainers.",
            )
        ]
    problems: list[Problem] = []
    for item in found or ():
        if isinstance(item, Problem):
            problems.append(item)
        else:  # tolerate a validator that returns plain sentences
            problems.append(Problem(str(item)))
    return problems
