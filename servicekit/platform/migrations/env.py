"""Alembic environment: migrates only the platform's tables, never generated record tables."""

from __future__ import annotations

from alembic import context

import servicekit.platform.models  # noqa: F401 - registers the models on Base.metadata
from servicekit.platform.db import Base

target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Record tables (rec_*) are generated from metadata and evolved by the storage layer.
    if (
        type_ == "table"
        and name is not None
        and (name.startswith("rec_") or name == "alembic_version")
    ):
        return False
    return True


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
