"""Static checks across metadata documents that JSON Schema cannot express.

Each check reads only documents that already passed their schema, so it may trust their
shape; names that other documents must refer to (form keys, role keys, ...) are taken from
every document in the set, so one broken file does not make its references look wrong too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2

from servicekit.platform.metadata.documents import FOLDERS, Document, DocumentSet
from servicekit.platform.metadata.forms import RULE_KEYWORDS, SYSTEM_COLUMNS
from servicekit.platform.metadata.problems import Problem
from servicekit.platform.storage.messages import N_

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SEQ = re.compile(r"seq:(\d+)")
_DATE_TOKENS = ("yyyy", "yy", "mm", "dd")
# For each reset period, the placeholders a number needs so numbers never repeat.
_RESET_NEEDS = {
    "daily": ("year", "mm", "dd"),
    "monthly": ("year", "mm"),
    "yearly": ("year",),
}


class _Names:
    """Keys that exist in the set, by kind, for checking references."""

    def __init__(self, docset: DocumentSet) -> None:
        self.forms = _keys(docset, "form")
        self.reports = _keys(docset, "report")
        self.dashboards = _keys(docset, "dashboard")
        self.calendars = _keys(docset, "calendar")
        app = next((d.body for d in docset.of_kind("app") if isinstance(d.body, dict)), None)
        self.has_app = app is not None
        self.app_key = app.get("key") if app else None
        roles = app.get("roles", []) if app else []
        self.roles = [
            r["key"] for r in roles if isinstance(r, dict) and isinstance(r.get("key"), str)
        ]


def _keys(docset: DocumentSet, kind: str) -> list[str]:
    keys = [
        d.body["key"]
        for d in docset.of_kind(kind)
        if isinstance(d.body, dict) and isinstance(d.body.get("key"), str)
    ]
    return sorted(set(keys))


def _choices(names: Sequence[str], what: str) -> str:
    if not names:
        return f"there is no {what} yet"
    return f"use one of {', '.join(dict.fromkeys(names))}"


def static_problems(docset: DocumentSet, checked: Sequence[Document]) -> list[Problem]:
    """Problems across documents: names, references, layout, numbering and key clashes.

    ``docset`` is the whole set (for names that exist); ``checked`` are the documents that
    passed their schema and are checked here.
    """
    names = _Names(docset)
    problems = list(_duplicate_keys(docset))
    for doc in checked:
        for check in _CHECKS.get(doc.kind, ()):
            problems.extend(Problem(message, path, doc.file) for path, message in check(doc, names))
        problems.extend(Problem(m, p, doc.file) for p, m in _file_name(doc))
    return problems


Found = Iterator[tuple[str, str]]  # (JSON path, message) pairs


def _file_name(doc: Document) -> Found:
    """``forms/work_order.json`` must hold the form whose key is ``work_order``."""
    if doc.kind not in FOLDERS or not doc.file or not isinstance(doc.body, dict):
        return
    stem = PurePosixPath(doc.file).name.removesuffix(".json")
    key = doc.body.get("key")
    if isinstance(key, str) and key != stem:
        folder = FOLDERS[doc.kind]
        yield (
            "$.key",
            f"The key '{key}' does not match the file name; rename the file to "
            f"{folder}/{key}.json or change the key to '{stem}'.",
        )


def _duplicate_keys(docset: DocumentSet) -> Iterator[Problem]:
    """Two files of one kind with the same key: the later file is reported, naming the first."""
    seen: dict[tuple[str, str], Document] = {}
    for doc in docset.documents:
        if doc.kind in ("app", "manifest"):
            key = doc.kind  # only one of each may exist
        elif isinstance(doc.body, dict) and isinstance(doc.body.get("key"), str):
            key = doc.body["key"]
        else:
            continue
        earlier = seen.setdefault((doc.kind, key), doc)
        if earlier is not doc:
            first = earlier.file
            where = f" ({first})" if first else ""
            if doc.kind in ("app", "manifest"):
                message = f"There is already a {doc.kind} document{where}; keep only one."
            else:
                message = (
                    f"Another {doc.kind}{where} already has the key '{key}'; "
                    f"each {doc.kind} needs its own key."
                )
            yield Problem(
                message, "$.key" if doc.kind not in ("app", "manifest") else "$", doc.file
            )


# ---- forms -------------------------------------------------------------------------------


def _form_fields(doc: Document, names: _Names) -> Found:
    yield from _field_list(doc.body["fields"], "$.fields", names)


def _field_list(fields: list[dict[str, Any]], path: str, names: _Names) -> Found:
    """Keys unique at this level (a form, or one subform's columns), and each field's own rules."""
    first_at: dict[str, int] = {}
    for index, item in enumerate(fields):
        here = f"{path}[{index}]"
        key = item["key"]
        if key in first_at:
            yield (
                f"{here}.key",
                f"The field key '{key}' is already used by {path}[{first_at[key]}]; "
                f"give each field its own key.",
            )
        else:
            first_at[key] = index
        if key in RULE_KEYWORDS:
            yield (
                f"{here}.key",
                f"'{key}' is a word of the rule language and cannot be a field key; "
                f"choose another key such as {key}_value.",
            )
        elif key in SYSTEM_COLUMNS:
            yield (
                f"{here}.key",
                f"'{key}' is a column every record already has and cannot be a field key; "
                f"choose another key such as {key}_value.",
            )
        yield from _field_rules(item, here, names)
        if item["type"] == "subform":
            yield from _field_list(item["fields"], f"{here}.fields", names)


def _field_rules(item: dict[str, Any], here: str, names: _Names) -> Found:
    """References and ranges of one field."""
    kind = item["type"]
    if kind == "lookup" and item["form"] not in names.forms:
        yield (
            f"{here}.form",
            f"Lookup field '{item['key']}' points to form '{item['form']}', which is not in this "
            f"app; {_choices(names.forms, 'form')}.",
        )
    if kind == "user" and "role" in item and names.has_app and item["role"] not in names.roles:
        yield (
            f"{here}.role",
            f"Role '{item['role']}' is not declared in app.json; add it there or "
            f"{_choices(names.roles, 'role')}.",
        )
    for low, high in (("min", "max"), ("min_rows", "max_rows")):
        if low in item and high in item and item[low] > item[high]:
            yield (
                f"{here}.{low}",
                f"'{low}' ({item[low]}) is larger than '{high}' ({item[high]}); swap or fix them.",
            )
    if kind in ("select", "multi_select"):
        yield from _options(item, here)
    if "pattern" in item:
        try:
            re2.compile(item["pattern"])
        except re2.error:
            yield (
                f"{here}.pattern",
                f"{item['pattern']!r} is not a valid regular expression; check its brackets "
                "and escapes (back-references and look-arounds are not supported).",
            )


def _options(item: dict[str, Any], here: str) -> Found:
    """Option values unique, and a default that is one of them."""
    values: list[str] = []
    for index, option in enumerate(item["options"]):
        if option["value"] in values:
            yield (
                f"{here}.options[{index}].value",
                f"The option value '{option['value']}' appears twice; give each option its own value.",
            )
        values.append(option["value"])
    default = item.get("default")
    defaults = default if isinstance(default, list) else [] if default is None else [default]
    for value in defaults:
        if value not in values:
            yield (
                f"{here}.default",
                f"The default {value!r} is not one of the options; {_choices(values, 'option')}.",
            )


def _layout(doc: Document, names: _Names) -> Found:
    """The layout places only fields of this form, each at most once, under unique keys."""
    layout = doc.body.get("layout")
    if layout is None:
        return
    fields = [item["key"] for item in doc.body["fields"]]
    placed: dict[str, str] = {}
    tab_keys: dict[str, str] = {}
    section_keys: dict[str, str] = {}
    sections: list[tuple[str, dict[str, Any]]] = []
    for t, tab in enumerate(layout.get("tabs", [])):
        yield from _unique_key(tab_keys, tab["key"], f"$.layout.tabs[{t}]", "tab")
        sections += [
            (f"$.layout.tabs[{t}].sections[{s}]", section)
            for s, section in enumerate(tab["sections"])
        ]
    sections += [
        (f"$.layout.sections[{s}]", sec) for s, sec in enumerate(layout.get("sections", []))
    ]
    for path, section in sections:
        yield from _unique_key(section_keys, section["key"], path, "section")
        for r, row in enumerate(section["rows"]):
            for c, key in enumerate(row):
                here = f"{path}.rows[{r}][{c}]"
                if key not in fields:
                    yield (
                        here,
                        f"The layout places '{key}', which is not a field of this form; add the "
                        f"field or remove it from the layout.",
                    )
                elif key in placed:
                    yield (
                        here,
                        f"'{key}' is already placed at {placed[key]}; place each field once.",
                    )
                else:
                    placed[key] = here


def _unique_key(seen: dict[str, str], key: str, path: str, what: str) -> Found:
    if key in seen:
        yield (
            f"{path}.key",
            f"The {what} key '{key}' is already used at {seen[key]}; give each {what} its own key.",
        )
    else:
        seen[key] = path


def _numbering(doc: Document, names: _Names) -> Found:
    """The business number's pattern and the pattern of each auto-number field are sound."""
    if doc.body.get("numbering") is not None:
        yield from _numbering_rules(doc.body["numbering"], "$.numbering")
    for index, item in enumerate(doc.body["fields"]):
        if item["type"] == "auto_number" and item.get("numbering") is not None:
            yield from _numbering_rules(item["numbering"], f"$.fields[{index}].numbering")


def _numbering_rules(numbering: dict[str, Any], path: str) -> Found:
    """:func:`numbering_messages` filled in, in English, as every other check words it."""
    for where, template, params in numbering_messages(numbering, path):
        yield (where, template % params)


def numbering_messages(
    numbering: Mapping[str, Any], path: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Placeholders are known, exactly one ``{seq:N}``, and numbers cannot repeat after a reset.

    Yields ``(JSON path, English template, values)`` so the designer can show each problem
    in the builder's language; the checker fills the templates in as they are.
    """
    pattern = numbering["pattern"]
    here = f"{path}.pattern"
    tokens = _PLACEHOLDER.findall(pattern)
    seqs = 0
    for token in tokens:
        seq = _SEQ.fullmatch(token)
        if seq:
            seqs += 1
            if not 1 <= int(seq.group(1)) <= 12:
                yield (
                    here,
                    N_("'{%(token)s}' must have 1 to 12 digits, e.g. {seq:4}."),
                    {"token": token},
                )
        elif token not in _DATE_TOKENS:
            yield (
                here,
                N_(
                    "'{%(token)s}' is not a numbering placeholder; use {yyyy}, {yy}, {mm}, "
                    "{dd} or {seq:N}."
                ),
                {"token": token},
            )
    if seqs == 0:
        yield (
            here,
            N_(
                "The pattern has no {seq:N} placeholder; it needs exactly one, e.g. "
                "WO-{yyyy}{mm}{dd}-{seq:4}."
            ),
            {},
        )
    elif seqs > 1:
        yield (
            here,
            N_(
                "The pattern has %(count)s {seq:N} placeholders; it needs exactly one, e.g. "
                "WO-{yyyy}{mm}{dd}-{seq:4}."
            ),
            {"count": seqs},
        )
    if "{" in _PLACEHOLDER.sub("", pattern) or "}" in _PLACEHOLDER.sub("", pattern):
        yield (here, N_("The pattern has an unmatched '{' or '}'; close every placeholder."), {})
    reset = numbering.get("reset", "never")
    has = {"year": "yyyy" in tokens or "yy" in tokens, "mm": "mm" in tokens, "dd": "dd" in tokens}
    missing = [part for part in _RESET_NEEDS.get(reset, ()) if not has[part]]
    if missing:
        yield (
            f"{path}.reset",
            N_(
                "With reset '%(reset)s' the sequence starts again at 1, so numbers would repeat "
                "unless the pattern contains %(missing)s; add them or change the reset."
            ),
            {
                "reset": reset,
                "missing": ", ".join("{yyyy}" if p == "year" else f"{{{p}}}" for p in missing),
            },
        )


def _permissions(doc: Document, names: _Names) -> Found:
    if not names.has_app:
        return  # a form checked on its own (designer) has no app roles to compare with
    for role in doc.body.get("permissions", {}):
        if role not in names.roles:
            yield (
                f"$.permissions.{role}",
                f"Role '{role}' is not declared in app.json; add it to the app's roles or "
                f"{_choices(names.roles, 'role')}.",
            )


def _form_references(doc: Document, names: _Names) -> Found:
    """Indexes and validation messages name fields that exist (and have a column)."""
    stored = [item["key"] for item in doc.body["fields"] if item["type"] != "subform"]
    for i, index in enumerate(doc.body.get("indexes", [])):
        for j, key in enumerate(index["fields"]):
            if key not in stored:
                yield (
                    f"$.indexes[{i}].fields[{j}]",
                    f"The index names '{key}', which is not a stored field of this form; "
                    f"{_choices(stored, 'field')}.",
                )
    all_keys = [item["key"] for item in doc.body["fields"]]
    for i, rule in enumerate(doc.body.get("validations", [])):
        if "field" in rule and rule["field"] not in all_keys:
            yield (
                f"$.validations[{i}].field",
                f"The rule's message is shown beside '{rule['field']}', which is not a field of "
                f"this form; {_choices(all_keys, 'field')}.",
            )


# ---- app, manifest and the other kinds ---------------------------------------------------


def _app(doc: Document, names: _Names) -> Found:
    body = doc.body
    yield from _unique_keys(body.get("roles", []), "$.roles", "role")
    yield from _unique_keys(body.get("navigation", []), "$.navigation", "navigation entry")
    targets = {"form": names.forms, "report": names.reports, "dashboard": names.dashboards}
    for index, entry in enumerate(body.get("navigation", [])):
        for kind, known in targets.items():
            if kind in entry and entry[kind] not in known:
                yield (
                    f"$.navigation[{index}].{kind}",
                    f"The menu entry opens {kind} '{entry[kind]}', which is not in this app; "
                    f"{_choices(known, kind)}.",
                )
    settings = body.get("settings", {})
    yield from _timezone(settings.get("timezone"), "$.settings.timezone")
    calendar = settings.get("calendar")
    if isinstance(calendar, str) and calendar not in names.calendars:
        yield (
            "$.settings.calendar",
            f"Calendar '{calendar}' is not in this app; add calendars/{calendar}.json or "
            f"{_choices(names.calendars, 'calendar')}.",
        )


def _unique_keys(items: list[dict[str, Any]], path: str, what: str) -> Found:
    first_at: dict[str, int] = {}
    for index, item in enumerate(items):
        key = item["key"]
        if key in first_at:
            yield (
                f"{path}[{index}].key",
                f"The {what} key '{key}' is already used by {path}[{first_at[key]}]; "
                f"give each {what} its own key.",
            )
        else:
            first_at[key] = index


def _timezone(name: Any, path: str) -> Found:
    if not isinstance(name, str):
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        yield (path, f"'{name}' is not a known time zone; use an IANA name such as Asia/Shanghai.")


def _manifest(doc: Document, names: _Names) -> Found:
    """The package key and the app key are the same, so an installed app is found by either."""
    key = names.app_key
    if isinstance(key, str) and key != doc.body["key"]:
        yield (
            "$.key",
            f"The package key '{doc.body['key']}' differs from the app key '{key}' in "
            f"app.json; use the same key in both.",
        )


def _form_reference(doc: Document, names: _Names) -> Found:
    """A workflow or report reads one form, which must be in the app."""
    form = doc.body.get("form")
    if isinstance(form, str) and form not in names.forms:
        yield (
            "$.form",
            f"Form '{form}' is not in this app; {_choices(names.forms, 'form')}.",
        )


def _calendar(doc: Document, names: _Names) -> Found:
    yield from _timezone(doc.body.get("timezone"), "$.timezone")


def _sla(doc: Document, names: _Names) -> Found:
    calendar = doc.body.get("calendar")
    if isinstance(calendar, str) and calendar not in names.calendars:
        yield (
            "$.calendar",
            f"Calendar '{calendar}' is not in this app; {_choices(names.calendars, 'calendar')}.",
        )


_CHECKS: dict[str, tuple[Callable[[Document, _Names], Found], ...]] = {
    "form": (_form_fields, _layout, _numbering, _permissions, _form_references),
    "app": (_app,),
    "manifest": (_manifest,),
    "workflow": (_form_reference,),
    "report": (_form_reference,),
    "calendar": (_calendar,),
    "sla": (_sla,),
}
