"""The ``servicekit`` command line: setup, packages, users, server and worker."""

from __future__ import annotations

from servicekit.platform.cli.main import main

__all__ = ["main"]
