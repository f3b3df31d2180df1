"""Lookup fields: the target record's display text, and search-as-you-type over the target form.

The search answers only with records the user may read in the target form, through the
same list query as the target's own list page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.storage import RecordSource, codecs
from servicekit.platform.web.rendering import render
from servicekit.runtime.forms import (
    FormNotFound,
    FormRuntime,
    actor_for,
    form_access,
    load_form_runtime,
)
from servicekit.runtime.forms.query import ListRequest, QueryError, list_records
from servicekit.runtime.rules import RuleError
from servicekit.workspace.records.access import FormScope, form_scope
from servicekit.workspace.records.blueprint import bp

MAX_RESULTS = 10


def resolve(runtime: FormRuntime, path: str) -> tuple[FieldDef, RecordSource]:
    """The lookup field at ``path`` (``customer`` or ``parts.part``) and its target source."""
    head, _, tail = path.partition(".")
    item = runtime.form.field(head)
    if tail:
        child = next((c for c in item.children if c.key == tail), None)
        if child is None or child.type != "lookup":
            raise KeyError(path)
        return child, runtime.source.child(head).lookup(tail)
    if item.type != "lookup":
        raise KeyError(path)
    return item, runtime.source.lookup(head)


class TitleReader:
    """How one lookup field titles its target records: the ``display`` rule, else the number.

    ``columns`` are the target columns the title reads (with ``id`` and ``number``), so a
    list can join exactly those into its own query; ``text`` turns such a row into the title.
    """

    def __init__(self, runtime: FormRuntime, item: FieldDef, target: RecordSource) -> None:
        self.rule = None
        if item.get("display"):
            try:
                self.rule = runtime.app.rule(str(item.get("form")), item.get("display"))
            except RuleError:
                self.rule = None
        # Only the columns the title reads: reading and decoding every column costs more.
        read = {path.split(".")[0] for path in self.rule.fields} if self.rule else set()
        self.fields = [f for f in target.fields if f.stored and f.key in read]
        self.columns = ("id", "number", *[f.key for f in self.fields])

    def text(self, row: Mapping[str, Any]) -> str:
        """The title of one target row (raw column values by name)."""
        text = None
        if self.rule is not None:
            values: dict[str, Any] = {f.key: codecs.from_column(f, row[f.key]) for f in self.fields}
            values.update(id=row["id"], number=row["number"])
            try:
                result = self.rule.evaluate(values)
                text = None if result is None else str(result)
            except RuleError:
                text = None
        return text or row["number"] or f"#{row['id']}"


def describe(
    session: Session,
    runtime: FormRuntime,
    item: FieldDef,
    target: RecordSource,
    ids: Iterable[int],
    tz: ZoneInfo,
) -> dict[int, str]:
    """Display texts of target records by id (the field's ``display`` rule, else the number)."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    reader = TitleReader(runtime, item, target)
    table = target.table
    rows = session.execute(
        select(*[table.c[name] for name in reader.columns]).where(table.c.id.in_(wanted))
    ).mappings()
    return {row["id"]: reader.text(row) for row in rows}


def target_label(scope: FormScope, parent: FieldDef, child: FieldDef, record_id: int) -> str:
    """The display text of one subform cell's lookup target."""
    target = scope.runtime.source.child(parent.key).lookup(child.key)
    texts = describe(scope.session, scope.runtime, child, target, [record_id], scope.tz)
    return texts.get(record_id, f"#{record_id}")


@bp.get("/apps/<app_key>/forms/<form_key>/lookup/<path>")
def lookup_search(app_key: str, form_key: str, path: str) -> Response:
    """Up to ten target records matching ``q`` that the user may read, as pickable items."""
    scope = form_scope(app_key, form_key)
    try:
        item, target = resolve(scope.runtime, path[:81])
    except KeyError:
        abort(404)
    target_key = str(item.get("form"))
    try:
        target_runtime = load_form_runtime(scope.session, app_key, target_key)
    except FormNotFound:
        abort(404)
    access = form_access(target_runtime.form, actor_for(current_user, app_key))
    results: list[tuple[int, str]] = []
    if access.allows("read"):
        try:
            page = list_records(
                scope.session,
                target_runtime,
                access,
                ListRequest(
                    search=(request.args.get("q") or "")[:100] or None,
                    sort="updated_at",
                    limit=MAX_RESULTS,
                ),
                now=scope.now,
                tz=scope.app_tz,
            )
        except QueryError:
            page = None
        ids = [row["id"] for row in page.rows] if page else []
        texts = describe(scope.session, scope.runtime, item, target, ids, scope.tz)
        results = [(i, texts.get(i, f"#{i}")) for i in ids]
    return render(
        "records/_lookup_results.html",
        results=results,
        target=request.args.get("target", "")[:120],
    )
