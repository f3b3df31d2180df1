"""Plumbing every benchmark shares: interleaved timing, a throw-away PostgreSQL database,
and running one comparison on each database with a Markdown table as output."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from servicekit.platform.db import normalize_url  # noqa: E402

Results = Iterable[tuple[str, float, float]]


def median_pair(
    first: Callable[[], Any], second: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Median seconds of each callable, run alternately so drift hits both alike."""
    a, b = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        first()
        a.append(time.perf_counter() - start)
        start = time.perf_counter()
        second()
        b.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def postgres_database() -> tuple[str, Callable[[], None]] | None:
    """A new, empty PostgreSQL database and the function that drops it, or ``None``.

    The server comes from SERVICEKIT_BENCH_POSTGRES_URL (or SERVICEKIT_TEST_POSTGRES_URL);
    its role must be allowed to create databases.
    """
    base = os.environ.get("SERVICEKIT_BENCH_POSTGRES_URL") or os.environ.get(
        "SERVICEKIT_TEST_POSTGRES_URL"
    )
    if not base:
        return None
    admin_url = make_url(normalize_url(base))
    name = f"sk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def database_arguments(description: str, repeat: int) -> argparse.ArgumentParser:
    """``--rows``, ``--db`` and ``--repeat``, as the table benchmarks take them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=repeat)
    return parser


def run_on_databases(
    run: Callable[[str, int, int, Path], Results], args: argparse.Namespace, baseline: str
) -> None:
    """Call ``run(url, rows, repeat, instance)`` per database; print one table of ratios."""
    print(f"| database | case | ServiceKit ms | {baseline} ms | ratio |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        targets: list[tuple[str, str, Callable[[], None] | None]] = []
        if args.db in ("sqlite", "both"):
            targets.append(("SQLite", f"sqlite:///{folder}/bench.db", None))
        if args.db in ("postgresql", "both"):
            made = postgres_database()
            if made is None:
                print("(PostgreSQL skipped: set SERVICEKIT_BENCH_POSTGRES_URL)", file=sys.stderr)
            else:
                targets.append(("PostgreSQL", made[0], made[1]))
        for label, url, drop in targets:
            print(f"{label}:", file=sys.stderr, flush=True)
            try:
                for case, ours, theirs in run(url, args.rows, args.repeat, Path(folder) / label):
                    print(
                        f"| {label} | {case} | {ours * 1000:.2f} | {theirs * 1000:.2f} | "
                        f"{ours / theirs:.2f} |",
                        flush=True,
                    )
            finally:
                if drop:
                    drop()
