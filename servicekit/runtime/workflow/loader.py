"""Finding and compiling the published workflow bound to a form, cached per version."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
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


def _published(session: Session, app_key: str) -> list[tuple[str, int, Any]]:
    rows = session.execute(
        select(MetadataDocument.key, MetadataDocument.version, MetadataDocument.body).where(
            MetadataDocument.app_key == app_key,
            MetadataDocument.kind == "workflow",
            MetadataDocument.status == "published",
        )
    ).all()
    return [(key, int(version), body) for key, version, body in rows]


def find_workflow(
    session: Session,
    app_key: str,
    form_key: str,
    *,
    key: str | None = None,
    version: int | None = None,
) -> WorkflowRuntime | None:
    """The newest published workflow bound to ``form_key`` (or the given key and version)."""
    best: tuple[str, int, Any] | None = None
    for row_key, row_version, body in _published(session, app_key):
        if not isinstance(body, dict) or body.get("form") != form_key:
            continue
        if key is not None and row_key != key:
            continue
        if version is not None and row_version != version:
            continue
        if best is None or row_version > best[1]:
            best = (row_key, row_version, body)
    if best is None:
        return None
    form = load_form_runtime(session, app_key, form_key)
    definition = _definition(best[0], best[1], canonical_json(best[2]))
    return _runtime(definition, form)


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


@lru_cache(maxsize=64)
def _definition(key: str, version: int, body_json: str) -> WorkflowDef:
    import json

    return WorkflowDef.load(json.loads(body_json), version)


_runtimes: dict[tuple[int, int], WorkflowRuntime] = {}


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
    return cached
