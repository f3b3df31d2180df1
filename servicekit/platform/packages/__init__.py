"""App packages: read safely, check completely, install, export and uninstall."""

from __future__ import annotations

from servicekit.platform.packages.errors import PackageError
from servicekit.platform.packages.install import (
    InstallResult,
    UninstallPlan,
    export_app,
    install_package,
    installed_keys,
    plan_uninstall,
    uninstall_app,
)
from servicekit.platform.packages.loader import PackageContents, load_contents
from servicekit.platform.packages.reader import MAX_ENTRIES, MAX_TOTAL_BYTES, read_package

__all__ = [
    "MAX_ENTRIES",
    "MAX_TOTAL_BYTES",
    "InstallResult",
    "PackageContents",
    "PackageError",
    "UninstallPlan",
    "export_app",
    "install_package",
    "installed_keys",
    "load_contents",
    "plan_uninstall",
    "read_package",
    "uninstall_app",
]
