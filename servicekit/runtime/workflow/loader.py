"""Finding and compiling the published workflow bound to a form, cached per version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.models import MetadataDocument
from servicekit.runtime.forms import FormRuntime, load_form_runtime
from servicekit.runtime.rules import Rule, Template, compile_rule, compile_template
from servicekit.runtime.workflow.definition import WorkflowDef
from servicekit.runtime.workflow.errors import WorkflowNotFound


@dataclass
class WorkflowRuntime:
    """A published workflow version with its form, ready to move records.

    Rules and templates are compiled on first use against the form's fields.
    """

    definition: WorkflowDef
    form: FormRuntime
    _rules: dict[tuple[str, str | None], Rule] = field(default_factory=dict)
    _templates: dict[str, Template] = field(default_factory=dict)

    @property
    def app_key(self) -> str:
        return self.form.app.app_key

    @property
    def form_key(self) -> str:
        return self.form.key

    def rule(self, source: str, expect: str | None = None) -> Rule:
        compiled = self._rules.get((source, expect))
        if compiled is None:
            compiled = compile_rule(
                source,
                [f.raw for f in self.form.form.fields],
                forms=self.form.app.fields,
                expect=expect,
            )
            self._rules[(source, expect)] = compiled
        return compiled

    def template(self, source: str) -> Template:
        compiled = self._templates.get(source)
        if compiled is None:
            compiled = compile_template(
                source, [f.raw for f in self.form.form.fields], self.form.app.fields
            )
            self._templates[source] = compiled
        return compiled


def _published(session: Session, app_key: str) -> list[WorkflowDef]:
    """Every published workflow version of the app, bodies read only when not cached."""
    rows = session.execute(
        select(MetadataDocument.key, MetadataDocument.version, MetadataDocument.checksum).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "workflow",
            MetadataDocument.status == "published",
        )
    ).all()
    out = []
    for key, version, checksum in rows:
        # Keyed by content, so a re-installed app with the same version numbers never
        # reuses another body.
        cache_key = (app_key, key, int(version), checksum)
        definition = _definitions.get(cache_key)
        if definition is None:
            body = session.scalar(
                select(MetadataDocument.body).where(
                    MetadataDocument.app_key == app_key,
                    MetadataDocument.kind == "workflow",
                    MetadataDocument.key == key,
                    MetadataDocument.version == version,
                )
            )
            if not isinstance(body, dict):
                continue
            definition = WorkflowDef.load(body, int(version))
            if len(_definitions) > 512:
                _definitions.clear()
            _definitions[cache_key] = definition
        out.append(definition)
    return out


_definitions: dict[tuple[str, str, int, str], WorkflowDef] = {}


def find_workflow(
    session: Session,
    app_key: str,
    form_key: str,
    *,
    key: str | None = None,
    version: int | None = None,
    store: Any = None,
) -> WorkflowRuntime | None:
    """The newest published workflow bound to ``form_key`` (or the given key and version).

    ``store`` is the caller's record store of that form, when it has one (a created hook):
    a runtime already built on that store is reused, without looking the form up again.
    """
    best: WorkflowDef | None = None
    for definition in _published(session, app_key):
        if definition.form != form_key:
            continue
        if key is not None and definition.key != key:
            continue
        if version is not None and definition.version != version:
            continue
        if best is None or definition.version > best.version:
            best = definition
    if best is None:
        return None
    if store is not None:
        # The store comes from the form set the caller loaded for this very change, so a
        # runtime on it is as current as looking the form up again would give.
        cached = _by_store.get((id(best), id(store)))
        if cached is not None and cached.definition is best and cached.form.store is store:
            return cached
    form = load_form_runtime(session, app_key, form_key)
    return _runtime(best, form)


def load_workflow(
    session: Session,
    app_key: str,
    form_key: str,
    *,
    key: str | None = None,
    version: int | None = None,
) -> WorkflowRuntime:
    """Like :func:`find_workflow`, raising :class:`WorkflowNotFound` when there is none."""
    found = find_workflow(session, app_key, form_key, key=key, version=version)
    if found is None:
        raise WorkflowNotFound(f"No published workflow for {app_key}.{form_key}.")
    return found


_runtimes: dict[tuple[int, int], WorkflowRuntime] = {}
# The same runtimes by (definition, record store), for find_workflow(store=...).
_by_store: dict[tuple[int, int], WorkflowRuntime] = {}


def _runtime(definition: WorkflowDef, form: FormRuntime) -> WorkflowRuntime:
    # Keyed by object identity of the cached definition and form set: both are rebuilt
    # (new objects) whenever a new version is published, so a stale entry is never hit.
    cache_key = (id(definition), id(form.app))
    cached = _runtimes.get(cache_key)
    if cached is None or cached.definition is not definition or cached.form.app is not form.app:
        if len(_runtimes) > 256:
            _runtimes.clear()
        cached = WorkflowRuntime(definition, form)
        _runtimes[cache_key] = cached
        if len(_by_store) > 256:
            _by_store.clear()
        _by_store[(id(definition), id(form.store))] = cached
    return cached
