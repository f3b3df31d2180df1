"""Uploaded files (attachments, images, signatures) kept under the instance folder.

Files are stored under random names, never the name a browser sent; the cleaned original
name is kept in the ``attachments`` table for display and download. Size and type limits
are checked before anything is written.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from servicekit.platform.models import Attachment
from servicekit.platform.storage.messages import N_, FieldValueError

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Types a browser could run or render as a page are never accepted, whatever the field says.
REFUSED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/javascript",
        "text/javascript",
    }
)
_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_name(name: str) -> str:
    """A display name with no path, no control characters and a sane length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name:
        return "file"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 10:
        return stem[:200] + "." + suffix
    return name[:200]


def sniff_type(head: bytes, name: str) -> str:
    """The content type from the file's first bytes (falling back to its name)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    lowered = head[:512].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
        return "text/html"
    guessed = mimetypes.guess_type(name)[0]
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class FileRules:
    """Limits for one field: largest size and allowed content types (None = any safe type)."""

    max_bytes: int
    types: frozenset[str] | None = None

    @classmethod
    def for_field(cls, field_type: str, raw: dict, default_max_bytes: int) -> FileRules:
        max_mb = raw.get("max_size_mb")
        limit = int(max_mb * 1024 * 1024) if max_mb else default_max_bytes
        if field_type in ("image", "signature"):
            return cls(min(limit, default_max_bytes), IMAGE_TYPES)
        accept = raw.get("accept")
        return cls(min(limit, default_max_bytes), frozenset(accept) if accept else None)


class FileStore:
    """Where one app instance keeps uploaded files."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, stored_name: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,80}", stored_name):
            raise FileNotFoundError(stored_name)
        return self.root / stored_name[:2] / stored_name

    def save(
        self,
        session: Session,
        stream: BinaryIO,
        name: str,
        rules: FileRules,
        *,
        app_key: str,
        form_key: str,
        field_key: str,
        now: datetime,
        user_id: int | None,
        record_id: int | None = None,
    ) -> Attachment:
        """Check and store an upload; raises :class:`FieldValueError` (nothing is kept then)."""
        head = stream.read(512)
        content_type = sniff_type(head, name)
        if content_type in REFUSED_TYPES:
            raise FieldValueError(N_("Files of this type cannot be uploaded."))
        if rules.types is not None and content_type not in rules.types:
            raise FieldValueError(
                N_("Files of type %(type)s are not accepted here."), type=content_type
            )
        stored_name = secrets.token_urlsafe(24)
        target = self.path_of(stored_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with target.open("xb") as out:
                chunk = head
                while chunk:
                    size += len(chunk)
                    if size > rules.max_bytes:
                        raise FieldValueError(
                            N_("The file is larger than %(max)s MB."),
                            max=round(rules.max_bytes / 1024 / 1024, 1),
                        )
                    digest.update(chunk)
                    out.write(chunk)
                    chunk = stream.read(_CHUNK)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        attachment = Attachment(
            app_key=app_key,
            form_key=form_key,
            field_key=field_key,
            record_id=record_id,
            name=clean_name(name),
            stored_name=stored_name,
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            created_at=now,
            created_by=user_id,
        )
        session.add(attachment)
        session.flush()
        return attachment

    def delete_file(self, stored_name: str) -> None:
        self.path_of(stored_name).unlink(missing_ok=True)


def attachment_json(attachment: Attachment, url: str) -> dict[str, object]:
    """The public form of an attachment in records and the API."""
    return {
        "id": attachment.id,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": url,
    }
