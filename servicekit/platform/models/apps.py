"""Installed apps and the versioned metadata documents that describe them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from servicekit.platform.db import Base
from servicekit.platform.models._types import JSONDocument, UTCDateTime


class InstalledApp(Base):
    """An app present on this platform, installed from a package or created in the designer."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    version: Mapped[str] = mapped_column(String(40))
    package_key: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    installed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class MetadataDocument(Base):
    """One version of one metadata document (app, form, workflow, report, ...).

    Drafts have ``status = "draft"`` and no version number; publishing creates an
    immutable row with the next version number and ``status = "published"``.
    """

    __tablename__ = "metadata_documents"
    __table_args__ = (
        Index("ix_metadata_documents_lookup", "app_key", "kind", "key", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    app_key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    body: Mapped[Any] = mapped_column(JSONDocument)
    checksum: Mapped[str] = mapped_column(String(64))
    problems: Mapped[Any | None] = mapped_column(JSONDocument)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
