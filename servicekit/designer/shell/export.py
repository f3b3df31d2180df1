"""An app's published metadata as a package zip, ready to install on another ServiceKit.

Apps made in the designer have no manifest of their own; one is written from the app's
labels and installed version so the package installs like any other.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.metadata.store import latest_bodies
from servicekit.platform.models import InstalledApp
from servicekit.platform.packages import export_app

# The oldest platform version whose package format this export follows.
PLATFORM_REQUIREMENT = ">=0.1"


def manifest_for(session: Session, app_key: str) -> dict[str, object]:
    """The app's own manifest, or one made from its app document and installed version."""
    existing = latest_bodies(session, app_key, "manifest").get(app_key) or next(
        iter(latest_bodies(session, app_key, "manifest").values()), None
    )
    if isinstance(existing, dict):
        return existing
    app_body = latest_bodies(session, app_key, "app").get(app_key) or {}
    version = session.scalar(select(InstalledApp.version).where(InstalledApp.key == app_key))
    manifest: dict[str, object] = {
        "key": app_key,
        "name": app_body.get("label") or app_key,
        "version": version or "0.1.0",
        "platform": PLATFORM_REQUIREMENT,
    }
    if app_body.get("description"):
        manifest["description"] = app_body["description"]
    return manifest


def package_zip(session: Session, app_key: str) -> bytes:
    """The installed app ``app_key`` as the bytes of a package zip (``<app>/...`` inside)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / app_key
        export_app(session, app_key, root)
        manifest = root / "manifest.json"
        if not manifest.exists():
            manifest.write_text(canonical_json(manifest_for(session, app_key)), encoding="utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, f"{app_key}/{path.relative_to(root).as_posix()}")
        return buffer.getvalue()
