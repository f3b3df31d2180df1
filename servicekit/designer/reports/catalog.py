"""The field list of the report designer: what a source form offers as dimensions and measures.

Fields of the form itself, the system columns, the fields of each subform's rows (measures
only: a row total per record) and the fields of each lookup's target form as dot paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicekit.platform.metadata.forms import label_text
from servicekit.runtime.reports.fields import GROUPABLE, NUMBER_TYPES, SYSTEM_FIELDS

# Labels of the system columns, in both languages (they have no metadata of their own).
SYSTEM_LABELS = {
    "number": {"en": "Number", "zh": "编号"},
    "created_at": {"en": "Created at", "zh": "创建时间"},
    "updated_at": {"en": "Updated at", "zh": "更新时间"},
    "created_by": {"en": "Created by", "zh": "创建人"},
}
DATE_TYPES = ("date", "datetime")


def _value_type(item: Mapping[str, Any]) -> str:
    if item.get("type") == "formula":
        return str(item.get("result_type") or "text")
    return str(item.get("type"))


def _numeric_select(item: Mapping[str, Any]) -> bool:
    values = [str(o.get("value", "")) for o in item.get("options") or ()]
    if not values:
        return False
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return True


def _entry(path: str, label: str, item: Mapping[str, Any], group: str) -> dict[str, Any]:
    kind = _value_type(item)
    number = kind in NUMBER_TYPES or (kind == "select" and _numeric_select(item))
    return {
        "path": path,
        "label": label,
        "type": kind,
        "group": group,
        # Subform rows cannot be grouped by, only totalled per record.
        "dimension": kind in GROUPABLE and group != "subform",
        "measure": kind in GROUPABLE,
        "number": number,
        "date": kind in DATE_TYPES,
        "options": [str(o.get("value")) for o in item.get("options") or ()][:50],
    }


def field_catalog(
    form_key: str, forms: Mapping[str, list[dict[str, Any]]], locale: str
) -> list[dict[str, Any]]:
    """Every path of ``form_key`` a report may use, in form order, with what it can be used for."""
    out: list[dict[str, Any]] = []
    fields = forms.get(form_key) or []
    for item in fields:
        key = str(item.get("key") or "")
        if not key:
            continue
        label = label_text(item.get("label"), locale) or key
        kind = item.get("type")
        if kind == "subform":
            for child in item.get("fields") or ():
                child_key = str(child.get("key") or "")
                if child_key:
                    child_label = label_text(child.get("label"), locale) or child_key
                    out.append(
                        _entry(f"{key}.{child_key}", f"{label} › {child_label}", child, "subform")
                    )
            continue
        if _value_type(item) not in GROUPABLE:
            continue  # files, signatures, places: nothing to group or count by
        out.append(_entry(key, label, item, "form"))
        if kind == "lookup":
            for target in forms.get(str(item.get("form"))) or ():
                target_key = str(target.get("key") or "")
                if not target_key or target.get("type") in ("subform", "lookup"):
                    continue
                if _value_type(target) not in GROUPABLE:
                    continue
                target_label = label_text(target.get("label"), locale) or target_key
                out.append(
                    _entry(f"{key}.{target_key}", f"{label} › {target_label}", target, "lookup")
                )
    for key, labels in SYSTEM_LABELS.items():
        system = {"type": SYSTEM_FIELDS[key]}
        out.append(_entry(key, label_text(labels, locale), system, "system"))
    return out
