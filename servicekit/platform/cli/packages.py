"""``servicekit install``, ``uninstall``, ``export`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from servicekit.platform.cli._common import app_zone, fail, now
from servicekit.platform.db import get_db
from servicekit.platform.packages import (
    PackageError,
    export_app,
    install_package,
    installed_keys,
    plan_uninstall,
    uninstall_app,
)
from servicekit.platform.registry import get_registry

SAMPLE_APPS = Path(__file__).resolve().parents[3] / "sample_apps"


def install_path(path: Path) -> None:
    """Install one package, printing a summary or every problem."""
    try:
        with get_db().transaction() as session:
            result = install_package(
                session, path, get_registry(current_app), now=now(), tz=app_zone()
            )
    except PackageError as exc:
        click.echo(f"Package {path} was not installed; nothing was changed.", err=True)
        fail(exc)
    click.echo(
        f"Installed {result.app_key} {result.version}: {result.documents} documents, "
        f"{len(result.tables)} tables, {result.records} seed records."
    )


def register(cli: click.Group) -> None:
    @cli.command("install")
    @click.argument("path", type=click.Path(path_type=Path))
    def install_command(path: Path) -> None:
        """Install the app package at PATH (a folder or a .zip)."""
        install_path(path)

    @cli.command("uninstall")
    @click.argument("app_key")
    @click.option("--yes", is_flag=True, help="Do not ask; drop the app's tables and records.")
    @click.option("--keep-data", is_flag=True, help="Remove the app but keep its record tables.")
    def uninstall_command(app_key: str, yes: bool, keep_data: bool) -> None:
        """Remove the app APP_KEY and, after confirmation, its tables."""
        db = get_db()
        try:
            with db.sessions() as session:
                plan = plan_uninstall(session, app_key)
        except PackageError as exc:
            fail(exc)
        if not keep_data:
            click.echo(
                f"Uninstalling {app_key} drops {len(plan.tables)} tables holding "
                f"{plan.records} rows."
            )
            if not yes and not click.confirm("Drop them for good?", default=False):
                click.echo("Nothing was changed.")
                raise SystemExit(1)
        with db.transaction() as session:
            uninstall_app(session, app_key, drop_tables=not keep_data, now=now())
        click.echo(f"Uninstalled {app_key}." + (" Its tables were kept." if keep_data else ""))

    @cli.command("export")
    @click.argument("app_key")
    @click.argument("directory", type=click.Path(path_type=Path))
    def export_command(app_key: str, directory: Path) -> None:
        """Write the installed app APP_KEY as a package folder DIRECTORY."""
        if directory.exists() and any(directory.iterdir()):
            fail(f"{directory} is not empty; choose a new or empty folder.")
        try:
            with get_db().sessions() as session:
                files = export_app(session, app_key, directory)
        except PackageError as exc:
            fail(exc)
        click.echo(f"Exported {app_key} to {directory} ({len(files)} files).")

    @cli.command("demo")
    def demo_command() -> None:
        """Set up a demo: database, every sample app, demo data and demo users."""
        from servicekit.platform.cli.demo import run_demo

        run_demo(install_path, SAMPLE_APPS)


__all__ = ["SAMPLE_APPS", "install_path", "installed_keys", "register"]


def _documents_from_files(paths: tuple[Path, ...]) -> list:  # type: ignore[type-arg]
    """Documents from files named like a package's (``forms/x.json``, ``app.json``)."""
    import json

    from servicekit.platform.metadata import Document
    from servicekit.platform.metadata.documents import FOLDERS

    kinds = {folder: kind for kind, folder in FOLDERS.items()}
    documents = []
    for path in paths:
        kind = (
            path.stem if path.name in ("app.json", "manifest.json") else kinds.get(path.parent.name)
        )
        if kind is None:
            fail(
                f"{path}: put the file in a folder named like a package's (forms/, workflows/, ...)"
            )
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{path}: {exc}")
        relative = path.name if kind in ("app", "manifest") else f"{path.parent.name}/{path.name}"
        key = body.get("key") if kind == "app" and isinstance(body, dict) else path.stem
        documents.append(Document(kind, str(key), relative, body))
    return documents


def register_publish(cli: click.Group) -> None:
    @cli.command("publish")
    @click.argument("app_key")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    @click.option("--yes", is_flag=True, help="Apply without asking.")
    def publish_command(app_key: str, files: tuple[Path, ...], yes: bool) -> None:
        """Publish changed metadata FILES of the installed app APP_KEY, after a preview."""
        from servicekit.platform.metadata import MetadataError
        from servicekit.platform.metadata.publish import publish_documents

        documents = _documents_from_files(files)
        registry = get_registry(current_app)
        try:
            with get_db().transaction() as session:
                preview = publish_documents(
                    session,
                    app_key,
                    documents,
                    registry,
                    author_id=None,
                    now=now(),
                    tz=app_zone(),
                    apply=False,
                )
        except MetadataError as exc:
            click.echo("Nothing was published.", err=True)
            fail(exc)
        for line in preview.render():
            click.echo(line)
        if preview.refusals:
            fail("Nothing was published: some existing data would not survive the change.")
        if not yes and not click.confirm("Publish these changes?", default=False):
            click.echo("Nothing was published.")
            raise SystemExit(1)
        with get_db().transaction() as session:
            done = publish_documents(
                session,
                app_key,
                documents,
                registry,
                author_id=None,
                now=now(),
                tz=app_zone(),
                apply=True,
            )
        if not done.applied:
            fail("Nothing was published: the data changed while you were deciding; run again.")
        click.echo("Published.")
