"""Publishing changed metadata of an installed app: check, preview, evolve tables, version.

Everything is checked together with the app's other published documents; the preview lists
the new versions and every database change, and a change that would lose or garble data
is refused with the rows concerned. Applying happens in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from servicekit.platform.metadata.documents import KINDS, Document, DocumentSet
from servicekit.platform.metadata.problems import MetadataError, Problem
from servicekit.platform.metadata.store import add_version, latest_bodies, latest_published
from servicekit.platform.registry import Registry
from servicekit.platform.storage.evolve import (
    EvolutionPlan,
    Refusal,
    apply_evolution,
    check_evolution,
    plan_evolution,
)
from servicekit.platform.storage.schema import sources_for_app
from servicekit.platform.storage.tables import RecordSource, app_tables


@dataclass
class PublishPreview:
    """What publishing would do (or did): versions, database steps, refusals."""

    versions: list[tuple[str, str, int]] = field(default_factory=list)  # kind, key, new version
    steps: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    applied: bool = False

    def render(self) -> list[str]:
        """The preview as lines for a terminal or a page."""
        lines = [f"{kind} {key}: version {version}" for kind, key, version in self.versions]
        lines += [f"database: {step}" for step in self.steps]
        lines += [f"kept (field removed, data kept): {column}" for column in self.kept_columns]
        lines += [f"refused: {refusal}" for refusal in self.refusals]
        return lines


def _document_set(session: Session, app_key: str, changed: list[Document]) -> DocumentSet:
    documents: list[Document] = []
    replaced = {(doc.kind, doc.key) for doc in changed}
    for kind in KINDS:
        for key, body in latest_bodies(session, app_key, kind).items():
            if (kind, key) not in replaced:
                folder = f"{kind}s" if kind not in ("app", "manifest", "sla") else kind
                file = f"{kind}.json" if kind in ("app", "manifest") else f"{folder}/{key}.json"
                documents.append(Document(kind, key, file, body))
    return DocumentSet(app_key=app_key, documents=documents + changed)


def _old_fields(sources: dict[str, RecordSource]) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for source in sources.values():
        fields[source.table.name] = {f.key: f for f in source.fields if f.stored}
        for child in source.children.values():
            fields[child.table.name] = {f.key: f for f in child.fields if f.stored}
    return fields


def publish_documents(
    session: Session,
    app_key: str,
    changed: list[Document],
    registry: Registry,
    *,
    author_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    apply: bool,
) -> PublishPreview:
    """Check ``changed`` documents of an installed app; with ``apply``, publish them.

    Raises :class:`MetadataError` with every problem when the metadata is invalid.
    Refusals (data that would not survive a type change) are returned in the preview and
    nothing is applied while there are any.
    """
    from servicekit.platform.metadata.validation import check_documents

    docset = _document_set(session, app_key, changed)
    problems = check_documents(docset, registry)
    for document in changed:
        if document.kind == "app" and document.body.get("key") != app_key:
            problems.append(
                Problem(
                    f"The app key cannot change; it must stay '{app_key}'.", "$.key", document.file
                )
            )
    if problems:
        raise MetadataError(problems)

    old_sources = sources_for_app(app_key, latest_bodies(session, app_key, "form"))
    new_sources = sources_for_app(app_key, docset.forms())
    connection = session.connection()
    plan: EvolutionPlan = plan_evolution(connection, new_sources, _old_fields(old_sources))
    tables = {table.name: table for table in app_tables(new_sources)}
    preview = PublishPreview(
        steps=[step.describe() for step in plan.steps],
        kept_columns=plan.kept_columns,
        refusals=check_evolution(connection, plan, tables, tz),
    )
    for document in changed:
        latest = latest_published(session, app_key, document.kind, document.key)
        preview.versions.append(
            (document.kind, document.key, (latest.version or 0) + 1 if latest else 1)
        )
    if not apply or preview.refusals:
        return preview
    apply_evolution(connection, plan, tables, tz)
    for document in changed:
        add_version(
            session,
            app_key,
            document.kind,
            document.key,
            document.body,
            author_id=author_id,
            now=now,
        )
    if any(document.kind == "form" for document in changed):
        for hook in registry.hooks_for("records.seeded"):
            hook(session, app_key, new_sources, now)
    session.flush()
    preview.applied = True
    return preview
