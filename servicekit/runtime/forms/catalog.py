"""Everything the runtime needs about a published form, built once per app version.

Pages, the API, imports and exports ask :func:`load_form_runtime` for a form; it returns
the typed form, its record source, compiled rules and record store, cached for as long
as none of the app's forms gets a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.platform.models import MetadataDocument, User
from servicekit.platform.storage import RecordSource, sources_for_app
from servicekit.runtime.forms.logic import FormLogic
from servicekit.runtime.forms.permissions import Actor
from servicekit.runtime.forms.records import RecordStore
from servicekit.runtime.rules import Rule, compile_rule

# Compiled rules kept per app version (list filters, saved views, lookup titles).
_RULES_KEPT = 512


class FormNotFound(LookupError):
    """No published form with this key in this app."""


@dataclass(frozen=True)
class AppForms:
    """Every published form of one app version: sources, rules and stores by form key."""

    app_key: str
    versions: tuple[tuple[str, int, str], ...]
    sources: dict[str, RecordSource]
    fields: dict[str, list[dict[str, Any]]]  # form key -> raw fields, for rule lookups
    stores: dict[str, RecordStore]
    _rules: dict[tuple[str, str, str | None], Rule] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rule(self, form_key: str, source: str, expect: str | None = None) -> Rule:
        """``source`` compiled against form ``form_key`` of this app version; raises RuleError.

        Lists compile their filter and lookup titles on every request; compiling hashes
        every field of the app, so the result is kept with the app version it was made for
        (a republished form is a new version and compiles afresh).
        """
        key = (form_key, source, expect)
        rule = self._rules.get(key)
        if rule is None:
            if len(self._rules) >= _RULES_KEPT:
                self._rules.clear()
            rule = compile_rule(
                source, self.fields.get(form_key, []), forms=self.fields, expect=expect
            )
            self._rules[key] = rule
        return rule


@dataclass(frozen=True)
class FormRuntime:
    """One form of an app, ready to use."""

    app: AppForms
    key: str

    @property
    def store(self) -> RecordStore:
        return self.app.stores[self.key]

    @property
    def source(self) -> RecordSource:
        return self.app.sources[self.key]

    @property
    def form(self):  # type: ignore[no-untyped-def]
        return self.store.form

    @property
    def logic(self) -> FormLogic:
        return self.store.logic


def _versions(session: Session, app_key: str) -> tuple[tuple[str, int, str], ...]:
    """Key, newest version and its checksum of every published form of the app.

    The checksum makes the cache key safe when an app is removed and installed again
    (versions restart at 1) or when one process talks to several databases.
    """
    rows = session.execute(
        select(MetadataDocument.key, MetadataDocument.version, MetadataDocument.checksum)
        .where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "form",
            MetadataDocument.status == "published",
        )
        .order_by(MetadataDocument.key, MetadataDocument.version)
    ).all()
    newest = {key: (int(version), checksum) for key, version, checksum in rows}
    return tuple((key, version, checksum) for key, (version, checksum) in newest.items())


def load_app_forms(session: Session, app_key: str) -> AppForms:
    """The app's published forms (cached per set of versions)."""
    versions = _versions(session, app_key)
    cached = _cache.get((app_key, versions))
    if cached is not None:
        return cached
    from servicekit.platform.metadata.store import latest_bodies

    bodies = latest_bodies(session, app_key, "form")
    forms = _build(app_key, versions, canonical_json(bodies))
    _cache.clear_older(app_key)
    _cache[(app_key, versions)] = forms
    return forms


def load_form_runtime(session: Session, app_key: str, form_key: str) -> FormRuntime:
    """One published form; raises :class:`FormNotFound`."""
    forms = load_app_forms(session, app_key)
    if form_key not in forms.stores:
        raise FormNotFound(f"{app_key}.{form_key}")
    return FormRuntime(forms, form_key)


@lru_cache(maxsize=64)
def _build(app_key: str, versions: tuple[tuple[str, int, str], ...], bodies_json: str) -> AppForms:
    import json

    bodies = json.loads(bodies_json)
    sources = sources_for_app(app_key, bodies)
    fields = {key: body.get("fields", []) for key, body in bodies.items()}
    stores = {
        key: RecordStore(source, FormLogic.build(source.form, fields))  # type: ignore[arg-type]
        for key, source in sources.items()
    }
    return AppForms(app_key, versions, sources, fields, stores)


class _Cache(dict):  # type: ignore[type-arg]
    """Newest ``AppForms`` per app; older versions are dropped when a new one is built."""

    def clear_older(self, app_key: str) -> None:
        for key in [k for k in self if k[0] == app_key]:
            del self[key]


_cache = _Cache()


def actor_for(user: User | None, app_key: str) -> Actor:
    """The :class:`Actor` for a signed-in user in one app (anonymous: no rights)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(id=None)
    return Actor(
        id=user.id,
        roles=frozenset(user.roles_in(app_key)),
        is_admin=user.is_admin,
        rule_user=user.rule_context(app_key),
    )
