"""Names for generated database objects that stay within PostgreSQL's 63-byte limit."""

from __future__ import annotations

import hashlib

MAX_IDENTIFIER = 63

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def short_name(*parts: str, limit: int = MAX_IDENTIFIER) -> str:
    """Join ``parts`` with ``_``; when too long, cut and add a stable 8-hex-digit hash."""
    name = "_".join(parts)
    if len(name.encode("utf-8")) <= limit:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return name.encode("utf-8")[: limit - 9].decode("utf-8", "ignore").rstrip("_") + "_" + digest
