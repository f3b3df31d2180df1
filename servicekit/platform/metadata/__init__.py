"""Metadata: JSON Schemas, validation with JSON paths, typed objects and the versioned store."""

from __future__ import annotations

from servicekit.platform.metadata.documents import FOLDERS, KINDS, Document, DocumentSet
from servicekit.platform.metadata.forms import FieldDef, FormDef, label_text
from servicekit.platform.metadata.problems import MetadataError, Problem

__all__ = [
    "FOLDERS",
    "KINDS",
    "Document",
    "DocumentSet",
    "FieldDef",
    "FormDef",
    "MetadataError",
    "Problem",
    "label_text",
]
