"""Creating and upgrading the database: platform migrations, then app record tables."""

from __future__ import annotations

from flask import Flask

from servicekit.platform import migrations
from servicekit.platform.db import get_db


def upgrade_database(app: Flask) -> None:
    """Apply every pending platform migration (a no-op on an up-to-date database)."""
    migrations.upgrade(get_db(app).engine)
