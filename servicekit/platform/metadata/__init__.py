"""Metadata: JSON Schemas, validation with JSON paths, typed objects and the versioned store."""

from __future__ import annotations

from servicekit.platform.metadata.apps import AppDef, Manifest, NavItem, RoleDef
from servicekit.platform.metadata.checks import numbering_messages
from servicekit.platform.metadata.documents import FOLDERS, KINDS, Document, DocumentSet
from servicekit.platform.metadata.forms import (
    FIELD_TYPES,
    RULE_KEYWORDS,
    SYSTEM_COLUMNS,
    FieldDef,
    FormDef,
    IndexDef,
    LayoutDef,
    OptionDef,
    PermissionDef,
    SectionDef,
    TabDef,
    ValidationDef,
    label_text,
)
from servicekit.platform.metadata.problems import MetadataError, Problem
from servicekit.platform.metadata.schemas import SCHEMA_DIR, load_schema
from servicekit.platform.metadata.validation import (
    check_documents,
    schema_problems,
    sort_problems,
    validate_one,
)

__all__ = [
    "FIELD_TYPES",
    "FOLDERS",
    "KINDS",
    "RULE_KEYWORDS",
    "SCHEMA_DIR",
    "SYSTEM_COLUMNS",
    "AppDef",
    "Document",
    "DocumentSet",
    "FieldDef",
    "FormDef",
    "IndexDef",
    "LayoutDef",
    "Manifest",
    "MetadataError",
    "NavItem",
    "OptionDef",
    "PermissionDef",
    "Problem",
    "RoleDef",
    "SectionDef",
    "TabDef",
    "ValidationDef",
    "check_documents",
    "label_text",
    "load_schema",
    "numbering_messages",
    "schema_problems",
    "sort_problems",
    "validate_one",
]
