"""Helpers for package tests: the sample app, row dumps, and running installs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from servicekit.platform.db import get_db
from servicekit.platform.packages import install_package
from servicekit.platform.registry import get_registry

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = Path(__file__).resolve().parent / "data" / "field_service"
SAMPLE_APP = ROOT / "sample_apps" / "after_sales"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the after-sales package that a test may break."""
    target = tmp_path / "pkg" / "field_service"
    shutil.copytree(SAMPLE, target)
    return target


def seed_rows(package: Path, name: str) -> list[dict[str, str]]:
    """The rows of a package's ``data/<name>.csv``, so tests count what the files hold."""
    with (package / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def install(app, path: Path) -> Any:  # type: ignore[no-untyped-def]
    clock = app.extensions["servicekit.clock"]
    from zoneinfo import ZoneInfo

    with get_db(app).transaction() as session:
        return install_package(
            session,
            path,
            get_registry(app),
            now=clock.now(),
            tz=ZoneInfo(app.config["SERVICEKIT_TIMEZONE"]),
        )


def dump_database(app) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """Every row of every table, sorted, for before/after comparisons."""
    engine = get_db(app).engine
    metadata = MetaData()
    metadata.reflect(engine)
    dump: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = connection.execute(select(table)).all()
            dump[name] = sorted(tuple(map(repr, row)) for row in rows)
    return dump
