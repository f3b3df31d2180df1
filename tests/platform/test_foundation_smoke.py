"""The app builds, migrates and answers on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from servicekit.platform.db import get_db

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_create_platform_tables(app) -> None:
    names = set(inspect(get_db(app).engine).get_table_names())
    assert {"users", "metadata_documents", "apps", "notifications", "events"} <= names


def test_standard_library_platform_is_not_shadowed() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import servicekit, platform; print(platform.python_version())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().count(".") == 2
