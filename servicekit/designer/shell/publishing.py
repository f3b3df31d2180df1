"""Publishing drafts from the designer: a preview a builder can read, then one transaction.

The preview lists fields added, removed and changed; the database changes the schema
evolution will run; refusals (changes that would lose data) with their reasons; and
workflows whose running instances stay on their old version. Confirming re-plans inside
the publishing transaction and refuses when the plan differs from the one previewed, so
what runs is exactly what was shown. Built on :mod:`servicekit.platform.metadata.publish`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servicekit.designer.shell.drafts import app_drafts, file_of
from servicekit.platform.metadata import label_text
from servicekit.platform.metadata.canonical import checksum
from servicekit.platform.metadata.documents import Document
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.metadata.store import latest_bodies, latest_published
from servicekit.platform.models import Event, InstalledApp, MetadataDocument
from servicekit.platform.models.workflow import WorkflowInstance
from servicekit.platform.registry import Registry

# Field properties compared for "changed" (labels are compared separately, as one item).
_IGNORED = {"key", "label", "fields"}


class PlanChanged(Exception):
    """The database changes differ from the previewed ones; the builder must look again."""


@dataclass
class PublishSummary:
    """What publishing the drafts would do (or did), ready for JSON and the preview page."""

    versions: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    database: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    workflows: list[dict[str, Any]] = field(default_factory=list)
    plan: str = ""
    applied: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "plan": self.plan,
            "versions": self.versions,
            "fields": self.fields,
            "database": self.database,
            "kept_columns": self.kept_columns,
            "refusals": self.refusals,
            "workflows": self.workflows,
        }


def _flat_fields(body: Any, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Fields by dotted key (``parts.qty`` for a subform's column)."""
    found: dict[str, dict[str, Any]] = {}
    for item in body.get("fields") or [] if isinstance(body, dict) else []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            continue
        name = prefix + item["key"]
        found[name] = item
        if isinstance(item.get("fields"), list):
            found.update(_flat_fields(item, name + "."))
    return found


def _show(value: Any) -> str:
    return "—" if value is None else str(value)


def field_changes(form: str, old: Any, new: Any, locale: str) -> dict[str, list[dict[str, Any]]]:
    """Fields added, removed and changed between two bodies of one form."""
    before, after = _flat_fields(old), _flat_fields(new)
    summary: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}

    def brief(key: str, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "form": form,
            "key": key,
            "type": item.get("type"),
            "label": label_text(item.get("label"), locale) or key,
        }

    for key, item in after.items():
        if key not in before:
            summary["added"].append(brief(key, item))
            continue
        was = before[key]
        changes = [
            f"{name}: {_show(was.get(name))} → {_show(item.get(name))}"
            for name in sorted((set(was) | set(item)) - _IGNORED)
            if was.get(name) != item.get(name)
        ]
        if was.get("label") != item.get("label"):
            changes.append(
                f"label: {label_text(was.get('label'), locale)} → "
                f"{label_text(item.get('label'), locale)}"
            )
        if changes:
            summary["changed"].append({**brief(key, item), "changes": changes})
    for key, item in before.items():
        if key not in after:
            summary["removed"].append(brief(key, item))
    return summary


def _running_on_old(
    session: Session, app_key: str, workflow_key: str, new_version: int
) -> dict[str, Any] | None:
    running = session.scalar(
        select(func.count())
        .select_from(WorkflowInstance)
        .where(
            WorkflowInstance.app_key == app_key,
            WorkflowInstance.workflow_key == workflow_key,
            WorkflowInstance.state == "active",
            WorkflowInstance.workflow_version < new_version,
        )
    )
    if not running:
        return None
    return {"key": workflow_key, "running": int(running), "version": new_version}


def _refusal_dict(refusal: Any) -> dict[str, Any]:
    return {
        "table": refusal.table,
        "column": refusal.column,
        "reason": refusal.reason,
        "message": str(refusal),
        "rows": [{k: _show(v) for k, v in row.items()} for row in refusal.rows],
        "total": refusal.total,
    }


def drafts_to_publish(
    session: Session, app_key: str, only: tuple[str, str] | None = None
) -> list[MetadataDocument]:
    """The drafts to publish: one document, or all of the app's drafts.

    An app that was never published takes its app draft along, so it becomes installed.
    """
    every = app_drafts(session, app_key)
    chosen = [d for d in every if only is None or (d.kind, d.key) == only]
    if not latest_bodies(session, app_key, "app"):
        chosen += [d for d in every if d.kind == "app" and d not in chosen]
    return chosen


def publish_drafts(
    session: Session,
    app_key: str,
    chosen: list[MetadataDocument],
    registry: Registry,
    *,
    author_id: int | None,
    now: datetime,
    tz: ZoneInfo,
    locale: str,
    apply: bool,
    plan: str | None = None,
) -> PublishSummary:
    """Preview (``apply=False``) or publish the ``chosen`` drafts in the caller's transaction.

    Raises :class:`MetadataError` when the metadata has problems and :class:`PlanChanged`
    when ``plan`` is given and no longer matches.
    """
    changed = [Document(d.kind, d.key, file_of(d.kind, d.key), d.body) for d in chosen]
    preview = publish_documents(
        session, app_key, changed, registry, author_id=author_id, now=now, tz=tz, apply=False
    )
    summary = PublishSummary(
        versions=[{"kind": k, "key": key, "version": v} for k, key, v in preview.versions],
        database=list(preview.steps),
        kept_columns=list(preview.kept_columns),
        refusals=[_refusal_dict(r) for r in preview.refusals],
    )
    summary.fields = {"added": [], "removed": [], "changed": []}
    for document in changed:
        if document.kind == "form":
            old = latest_published(session, app_key, "form", document.key)
            found = field_changes(document.key, old.body if old else {}, document.body, locale)
            for part, items in found.items():
                summary.fields[part] += items
    for kind, key, version in preview.versions:
        if kind == "workflow":
            staying = _running_on_old(session, app_key, key, version)
            if staying:
                summary.workflows.append(staying)
    summary.plan = checksum(
        {
            "drafts": [[d.kind, d.key, d.checksum] for d in chosen],
            "database": summary.database,
            "refusals": [r["message"] for r in summary.refusals],
        }
    )
    if not apply or summary.refusals:
        return summary
    if plan is not None and plan != summary.plan:
        raise PlanChanged(summary.plan)
    done = publish_documents(
        session, app_key, changed, registry, author_id=author_id, now=now, tz=tz, apply=True
    )
    if not done.applied:  # refusals appeared between the two plans (same transaction: never)
        raise PlanChanged(summary.plan)
    _install_if_new(session, app_key, author_id, now)
    session.execute(delete(MetadataDocument).where(MetadataDocument.id.in_([d.id for d in chosen])))
    session.add(
        Event(
            app_key=app_key,
            kind="metadata.published",
            actor_id=author_id,
            at=now,
            changes={"versions": summary.versions, "database": summary.database},
        )
    )
    session.flush()
    summary.applied = True
    return summary


def _install_if_new(session: Session, app_key: str, author_id: int | None, now: datetime) -> None:
    """A designer-made app becomes an installed app (in the navigation) on its first publish."""
    if session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)):
        return
    position = (session.scalar(select(func.max(InstalledApp.position))) or 0) + 1
    session.add(
        InstalledApp(
            key=app_key,
            version="0.1.0",
            package_key=None,
            position=position,
            installed_at=now,
            installed_by=author_id,
        )
    )


__all__ = [
    "PlanChanged",
    "PublishSummary",
    "drafts_to_publish",
    "field_changes",
    "publish_drafts",
]
