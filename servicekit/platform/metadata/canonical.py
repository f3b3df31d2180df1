"""Canonical JSON: the one byte-exact text form of a metadata document.

Sorted keys, two-space indent, UTF-8 without escapes, final newline — so exporting,
installing and exporting again gives identical files, and checksums are stable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(body: Any) -> str:
    """The canonical text of ``body``."""
    return json.dumps(body, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def checksum(body: Any) -> str:
    """SHA-256 of the canonical text, as hex."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()
