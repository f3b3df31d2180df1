"""Installs, exports and uninstalls app packages, each in one transaction.

Install checks everything first (layout, JSON, schemas, static checks, the validators the
runtime registered, seed data) and lists every problem; only a package with none is written,
and any failure while writing rolls the whole install back, record tables included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.metadata.documents import FOLDERS
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.metadata.store import add_version, delete_app_documents, latest_bodies
from servicekit.platform.models import AppRoleGrant, Event, InstalledApp
from servicekit.platform.packages.errors import PackageError
from servicekit.platform.packages.loader import PackageContents, load_contents
from servicekit.platform.packages.reader import read_package
from servicekit.platform.packages.seeds import SeedRow, insert_seed, parse_seed
from servicekit.platform.registry import Registry
from servicekit.platform.storage import (
    RecordSource,
    app_tables,
    create_app_tables,
    drop_app_tables,
    sources_for_app,
)

# Seed CSV texts are kept as documents of this kind, so export gives them back unchanged.
SEED_KIND = "data"


@dataclass
class InstallResult:
    """What an install did, for the CLI and the UI to report."""

    app_key: str
    version: str
    documents: int
    tables: list[str] = field(default_factory=list)
    records: int = 0


def check_package(
    contents: PackageContents, registry: Registry, session: Session, tz: ZoneInfo
) -> tuple[list[Problem], dict[str, list[SeedRow]]]:
    """Every problem in a package, and its parsed seed rows when the metadata is sound."""
    from servicekit.platform.metadata.validation import check_documents

    problems = list(contents.problems)
    problems += check_documents(contents.documents, registry.validators)
    app_key = contents.app_key
    if app_key and session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)):
        problems.append(
            Problem(
                f"An app with key '{app_key}' is already installed; uninstall it first "
                "(upgrading an installed app comes in a later version).",
                path="$.key",
                file="app.json",
            )
        )
    seeds: dict[str, list[SeedRow]] = {}
    if problems:
        return problems, seeds
    sources = sources_for_app(app_key, contents.documents.forms())
    for name, text in sorted(contents.seeds.items()):
        file = f"data/{name}.csv"
        source = seed_source(sources, name)
        if source is None:
            problems.append(
                Problem(f"There is no form or subform '{name}' for this seed file.", file=file)
            )
            continue
        rows, found = parse_seed(file, text, source, tz)
        problems += found
        seeds[name] = rows
    return problems, seeds


def seed_source(sources: dict[str, RecordSource], name: str) -> RecordSource | None:
    """The table a seed file fills: ``work_order`` or a subform such as ``work_order.parts``."""
    form_key, _, subform = name.partition(".")
    source = sources.get(form_key)
    if source is None or not subform:
        return source
    return source.children.get(subform)


def install_package(
    session: Session,
    path: str | Path,
    registry: Registry,
    *,
    now: datetime,
    tz: ZoneInfo,
    actor_id: int | None = None,
) -> InstallResult:
    """Validate and install the package at ``path`` inside ``session``'s transaction.

    Raises :class:`PackageError` listing every problem; the caller rolls back.
    """
    contents = load_contents(read_package(path))
    problems, seeds = check_package(contents, registry, session, tz)
    if problems:
        raise PackageError(sorted(problems, key=lambda p: (p.file or "", p.path)))

    app_key = contents.app_key
    manifest = contents.manifest
    position = (session.scalar(select(func.max(InstalledApp.position))) or 0) + 1
    session.add(
        InstalledApp(
            key=app_key,
            version=str(manifest.get("version", "0.0.0")),
            package_key=manifest.get("key"),
            position=position,
            installed_at=now,
            installed_by=actor_id,
        )
    )
    count = 0
    for document in contents.documents.documents:
        add_version(
            session,
            app_key,
            document.kind,
            document.key,
            document.body,
            author_id=actor_id,
            now=now,
        )
        count += 1
    for form_key, text in contents.seeds.items():
        add_version(
            session, app_key, SEED_KIND, form_key, {"csv": text}, author_id=actor_id, now=now
        )

    sources = sources_for_app(app_key, contents.documents.forms())
    created = create_app_tables(session.connection(), sources)
    records = 0
    order = [t.name for t in app_tables(sources)]
    for name in sorted(seeds, key=lambda k: order.index(seed_source(sources, k).table.name)):
        source = seed_source(sources, name)
        found = insert_seed(session, f"data/{name}.csv", seeds[name], source, now=now, tz=tz)
        if found:
            raise PackageError(found)
        if source.form is not None:
            records += len(seeds[name])
    for hook in registry.hooks_for("records.seeded"):
        # The forms runtime computes formulas for the new rows (the platform cannot).
        hook(session, app_key, sources, now)
    session.add(
        Event(
            app_key=app_key,
            kind="app.installed",
            actor_id=actor_id,
            at=now,
            changes={"version": manifest.get("version"), "package": manifest.get("key")},
        )
    )
    session.flush()
    return InstallResult(app_key, str(manifest.get("version")), count, created, records)


def export_app(session: Session, app_key: str, target: str | Path) -> list[Path]:
    """Write an installed app as a package folder in canonical JSON; returns the files."""
    if not session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)):
        raise PackageError.single(f"No app with key '{app_key}' is installed.")
    target = Path(target)
    written: list[Path] = []

    def write(relative: str, text: str) -> None:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)

    for single in ("manifest", "app"):
        body = next(iter(latest_bodies(session, app_key, single).values()), None)
        if body is not None:
            write(f"{single}.json", canonical_json(body))
    for kind, folder in FOLDERS.items():
        for key, body in latest_bodies(session, app_key, kind).items():
            write(f"{folder}/{key}.json", canonical_json(body))
    for key, body in latest_bodies(session, app_key, SEED_KIND).items():
        write(f"data/{key}.csv", body["csv"])
    return written


@dataclass
class UninstallPlan:
    """What removing an app would delete, shown before the user confirms."""

    app_key: str
    tables: dict[str, int]  # table name -> row count

    @property
    def records(self) -> int:
        return sum(self.tables.values())


def plan_uninstall(session: Session, app_key: str) -> UninstallPlan:
    """Count what uninstalling ``app_key`` would remove (raises if it is not installed)."""
    if not session.scalar(select(InstalledApp.id).where(InstalledApp.key == app_key)):
        raise PackageError.single(f"No app with key '{app_key}' is installed.")
    from sqlalchemy import inspect

    existing = set(inspect(session.connection()).get_table_names())
    sources = sources_for_app(app_key, latest_bodies(session, app_key, "form"))
    counts = {}
    for table in app_tables(sources):
        if table.name in existing:
            counts[table.name] = int(session.scalar(select(func.count()).select_from(table)) or 0)
    return UninstallPlan(app_key, counts)


def uninstall_app(
    session: Session, app_key: str, *, drop_tables: bool, now: datetime, actor_id: int | None = None
) -> UninstallPlan:
    """Remove an app's metadata, role grants and (if asked) its record tables, in one transaction."""
    plan = plan_uninstall(session, app_key)
    if drop_tables:
        sources = sources_for_app(app_key, latest_bodies(session, app_key, "form"))
        drop_app_tables(session.connection(), sources)
    delete_app_documents(session, app_key)
    session.execute(delete(AppRoleGrant).where(AppRoleGrant.app_key == app_key))
    session.execute(delete(InstalledApp).where(InstalledApp.key == app_key))
    session.add(
        Event(
            app_key=app_key,
            kind="app.uninstalled",
            actor_id=actor_id,
            at=now,
            changes={"tables_dropped": drop_tables},
        )
    )
    session.flush()
    return plan


def installed_keys(session: Session) -> list[str]:
    return list(session.scalars(select(InstalledApp.key).order_by(InstalledApp.position)))


def describe(contents: PackageContents) -> dict[str, Any]:
    """A short summary of a package (for ``--dry-run`` output)."""
    return {
        "key": contents.manifest.get("key"),
        "app": contents.app_key,
        "version": contents.manifest.get("version"),
        "documents": len(contents.documents.documents),
        "seeds": sorted(contents.seeds),
    }
