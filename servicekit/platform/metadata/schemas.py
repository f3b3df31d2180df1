"""Loads the JSON Schemas in ``schemas/`` and turns their errors into sentences a consultant can act on."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from servicekit.platform.metadata.problems import Problem

# The schemas live in the repository's top-level ``schemas/`` folder (the contract consultants
# write to); the package is installed editable, so this path also holds when installed.
SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
SCHEMA_BASE = "https://servicekit.dev/schemas/"

# Document kind -> schema file stem ("sla" documents live in sla/ and follow sla_policy).
SCHEMA_NAMES = {
    "manifest": "manifest",
    "app": "app",
    "form": "form",
    "workflow": "workflow",
    "report": "report",
    "dashboard": "dashboard",
    "calendar": "calendar",
    "sla": "sla_policy",
    "sla_policy": "sla_policy",
}

# What a value with a pattern should look like, by the schema's ``title``.
_PATTERN_HINTS = {
    "key": "use lowercase English letters, digits and underscores, starting with a letter "
    "(for example work_order)",
    "icon": "use a Bootstrap Icons name such as tools or person-badge",
    "version": "use a semantic version such as 1.0.0",
    "version requirement": "write a requirement such as >=0.1 or >=0.1,<1.0",
    "color": "use a Bootstrap colour name (primary, success, warning, danger, info, secondary, "
    "dark, light) or a hex colour like #1e88e5",
}

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def schema_names() -> tuple[str, ...]:
    """The kinds that have a schema (document kinds plus the ``sla_policy`` alias)."""
    return tuple(SCHEMA_NAMES)


@cache
def _registry() -> Registry:
    """Every schema file, by its ``$id``, so ``$ref`` between files resolves offline."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def load_schema(kind: str) -> dict[str, Any]:
    """The parsed JSON Schema of ``kind`` (``form``, ``sla``, ...); ``KeyError`` if unknown."""
    path = SCHEMA_DIR / f"{SCHEMA_NAMES[kind]}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def validator_for(kind: str) -> Draft202012Validator:
    """A reusable draft 2020-12 validator for ``kind`` that resolves the shared definitions."""
    return Draft202012Validator(load_schema(kind), registry=_registry())


def schema_problems(kind: str, body: Any, file: str | None = None) -> list[Problem]:
    """Every way ``body`` breaks the schema of ``kind``, as readable problems sorted by path."""
    if kind not in SCHEMA_NAMES:
        known = ", ".join(k for k in SCHEMA_NAMES if k != "sla_policy")
        return [Problem(f"'{kind}' is not a kind of metadata; use one of {known}.", "$", file)]
    problems: list[Problem] = []
    for error in validator_for(kind).iter_errors(body):
        problems.extend(_problems_of(error, file))
    unique = dict.fromkeys(problems)  # a message may come from two branches of one schema
    return sorted(unique, key=lambda p: (path_sort_key(p.path), p.message))


def path_sort_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sorts JSON paths the way a person reads them: ``fields[2]`` before ``fields[10]``."""
    parts: list[tuple[int, int | str]] = []
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path):
        parts.append((1, int(index)) if index else (0, name))
    return tuple(parts)


def _problems_of(error: ValidationError, file: str | None) -> Iterator[Problem]:
    """One problem per mistake; ``additionalProperties`` names each unknown property on its own."""
    if error.validator in ("oneOf", "anyOf"):
        chosen = _best_branch_error(error)
        if chosen is not None:
            yield from _problems_of(chosen, file)
            return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extras = [name for name in error.instance if name not in allowed]
        for name in extras:
            yield Problem(
                _unknown_property(name, allowed, error), _child(error.json_path, name), file
            )
        return
    if error.validator == "not" and _forbidden_property(error):
        name = _forbidden_property(error)
        yield Problem(_not_applicable(name, error), _child(error.json_path, name), file)
        return
    yield Problem(_message(error), error.json_path, file)


def _forbidden_property(error: ValidationError) -> str:
    """The property a ``{"not": {"required": [name]}}`` rule forbids, or ``""``."""
    value = error.validator_value
    if isinstance(value, dict) and set(value) == {"required"} and len(value["required"]) == 1:
        return str(value["required"][0])
    return ""


def _best_branch_error(error: ValidationError) -> ValidationError | None:
    """For a failed oneOf/anyOf, the error of the branch the author most likely meant.

    Branches whose ``type`` does not even fit the value are passed over; when every branch
    only asks for a property (``{"required": [...]}``) there is no better error than the
    summary, so ``None`` is returned and the caller words it itself.
    """
    branches = error.schema.get(error.validator, [])
    if branches and all(set(b) == {"required"} for b in branches if isinstance(b, dict)):
        return None
    fitting = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
    if not fitting:
        return None
    return best_match(fitting)


def _child(path: str, name: str) -> str:
    return (
        f"{path}.{name}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else f"{path}[{name!r}]"
    )


# Titles of shared definitions: a value's own property name says more than these.
_GENERIC_TITLES = ("key", "label", "description", "expression", "template", "icon")


def _title(error: ValidationError) -> str | None:
    title = error.schema.get("title") if isinstance(error.schema, dict) else None
    return str(title) if title else None


def _noun(error: ValidationError) -> str:
    """What the failing value is, for a sentence: a specific schema title, else its property."""
    if "propertyNames" in error.absolute_schema_path:
        # The value is a property name of the object at this path, such as a role key.
        prop = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), None)
        return f"key in '{prop}'" if prop else "property name"
    title = _title(error)
    prop = next((p for p in reversed(error.absolute_path) if isinstance(p, str)), None)
    if title and (title not in _GENERIC_TITLES or prop in (None, title)):
        return title
    if prop is not None:
        return f"'{prop}'"
    return title or "document"


def _valid(error: ValidationError) -> str:
    """ "a valid field type" or "a valid value for 'form'"."""
    noun = _noun(error)
    if noun.startswith("'"):
        return f"a valid value for {noun}"
    return f"a valid {noun}"


def _subject(error: ValidationError) -> str:
    """The object a problem is about, named with its key when it has one ("field 'status'")."""
    noun = _noun(error)
    instance = error.instance
    if isinstance(instance, dict) and isinstance(instance.get("key"), str):
        if noun.endswith("field") and isinstance(instance.get("type"), str):
            noun = f"{instance['type']} field"  # "multi_select field 'tags'"
        return f"{noun} '{instance['key']}'"
    return f"the {noun}" if not noun.startswith("'") else noun


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _one_of_names(names: Iterable[Any]) -> str:
    items = [str(n) for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _unknown_property(name: str, allowed: list[str], error: ValidationError) -> str:
    where = _subject(error)
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"'{name}' is not a property of {where}; did you mean '{close[0]}'?"
    if allowed:
        return f"'{name}' is not a property of {where}; use one of {', '.join(allowed)}."
    return f"'{name}' is not allowed in {where}; remove it."


def _message(error: ValidationError) -> str:
    """A short sentence saying what is wrong and what to do, for one jsonschema error."""
    validator = error.validator
    value = error.validator_value
    instance = error.instance
    noun = _noun(error)
    if validator == "required":
        missing = next(
            (n for n in value if not isinstance(instance, dict) or n not in instance), ""
        )
        return f"{_capital(_subject(error))} needs '{missing}'; add it."
    if validator in ("oneOf", "anyOf"):
        return _alternatives_message(error)
    if validator == "type":
        expected = [value] if isinstance(value, str) else list(value)
        wanted = _one_of_names(_TYPE_NAMES.get(t, t) for t in expected)
        return f"{_capital(noun)} must be {wanted}, not {_type_of(instance)}."
    if validator == "enum":
        return f"{_show(instance)} is not {_valid(error)}; use one of {', '.join(map(str, value))}."
    if validator == "const":
        return f"{_capital(noun)} must be {_show(value)}."
    if validator == "pattern":
        hint = _PATTERN_HINTS.get(_title(error) or "", f"it must match {value}")
        return f"{_show(instance)} is not {_valid(error)}; {hint}."
    if validator == "maxLength":
        return f"{_capital(noun)} is too long ({len(instance)} characters); at most {value} are allowed."
    if validator == "minLength":
        return f"{_capital(noun)} must not be empty."
    if validator == "minimum":
        return f"{_show(instance)} is too small for {noun}; the smallest allowed is {value}."
    if validator == "maximum":
        return f"{_show(instance)} is too large for {noun}; the largest allowed is {value}."
    if validator == "minItems":
        return f"{_capital(noun)} needs at least {value} {'entry' if value == 1 else 'entries'}."
    if validator == "maxItems":
        return f"{_capital(noun)} has {len(instance)} entries; at most {value} are allowed."
    if validator == "minProperties":
        return f"{_capital(noun)} must not be empty."
    if validator == "maxProperties":
        return f"{_capital(noun)} has too many entries; at most {value} are allowed."
    if validator == "uniqueItems":
        return f"{_capital(noun)} lists the same entry twice; keep each once."
    if validator == "not" and instance == "subform":
        return "A subform cannot contain another subform; move these columns into the outer subform or a separate form."
    return f"{_capital(noun)} is not valid here: {error.message}."


def _not_applicable(name: str, error: ValidationError) -> str:
    """A property that does not belong to this kind of field: say so, naming the type."""
    instance = error.instance
    if isinstance(instance, dict) and isinstance(instance.get("type"), str):
        return (
            f"'{name}' does not apply to {_article(instance['type'])} field; remove it "
            f"or change the field's type."
        )
    return f"'{name}' is not allowed here; remove it."


def _alternatives_message(error: ValidationError) -> str:
    branches = error.schema.get(error.validator, [])
    names = [b["required"][0] for b in branches if isinstance(b, dict) and b.get("required")]
    instance = error.instance
    subject = _subject(error)
    if names and len(names) == len(branches) and isinstance(instance, dict):
        quoted = _one_of_names(f"'{n}'" for n in names)
        present = [n for n in names if n in instance]
        if len(present) > 1:
            both = " and ".join(f"'{n}'" for n in present)
            return f"{_capital(subject)} has {both}; keep exactly one of {quoted}."
        return f"{_capital(subject)} needs exactly one of {quoted}."
    if _title(error) in ("label", "description"):
        return (
            f"{_capital(_noun(error))} must be text, or an object with 'zh' and/or 'en' text "
            f'such as {{"zh": "工单", "en": "Work order"}}.'
        )
    return f"{_capital(_noun(error))} is not valid here: {error.message}."


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
