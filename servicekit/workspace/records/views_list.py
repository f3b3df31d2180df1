"""The record list of a form: columns, quick search, filter builder, sort, pages, bulk delete.

Search, filter, sort and paging are plain GET links and forms; htmx upgrades them to
replace only the table fragment (``records/_table.html``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import SavedView
from servicekit.platform.storage.messages import N_
from servicekit.platform.web.rendering import is_htmx, render
from servicekit.runtime.forms.query import ListRequest, QueryError, list_records
from servicekit.runtime.rules import RuleError
from servicekit.workspace.records.access import FormScope, form_scope
from servicekit.workspace.records.blueprint import bp
from servicekit.workspace.records.display import Displayer
from servicekit.workspace.records.facts import list_facts
from servicekit.workspace.records.filters import (
    FilterProblem,
    FilterRow,
    build_filter,
    filter_fields,
)
from servicekit.workspace.records.fragments import cached_fragment

PAGE_SIZE = 25
# The heading counts matching records up to here ("more than 1,000") unless the person asks
# for the exact number: counting 100,000 matches costs a hundred times the page itself.
COUNT_CAP = 1000
MAX_COLUMNS = 12
DEFAULT_COLUMNS = 6
_NOT_LISTED = frozenset({"long_text", "rich_text", "attachment", "image", "signature", "location"})
_STATE_KEYS = ("q", "expr", "ff", "fo", "fv", "sort", "desc", "cols", "trash", "flag")


def listable_fields(scope: FormScope) -> list[FieldDef]:
    """Fields a list may show as columns for this user."""
    return [
        f
        for f in scope.form.stored_fields
        if f.value_type not in _NOT_LISTED and scope.access.field_right(f.key) != "hidden"
    ]


def _columns(scope: FormScope, asked: list[str]) -> list[FieldDef]:
    fields = {f.key: f for f in listable_fields(scope)}
    chosen = [fields[key] for key in dict.fromkeys(asked) if key in fields][:MAX_COLUMNS]
    if chosen:
        return chosen
    # By default the first fields that every record shows (not ones a condition may hide).
    plain = [f for f in fields.values() if f.type != "auto_number" and not f.get("visible_if")]
    return plain[: DEFAULT_COLUMNS - 1]


def _column_chooser(scope: FormScope, columns: list[FieldDef]) -> Markup:
    """The column chooser, kept per form version, language, visible and chosen columns."""
    offered = listable_fields(scope)
    chosen = tuple(c.key for c in columns)
    return cached_fragment(
        "records/_column_chooser.html",
        (*_form_version(scope), tuple(f.key for f in offered), chosen),
        all_columns=offered,
        chosen_keys=chosen,
        locale=scope.locale,
    )


def _filter_builder(scope: FormScope, rows: list[FilterRow]) -> Markup:
    """The filter builder's rows, kept per form version, language, fields and rows as set."""
    offered = filter_fields(scope.form, scope.access.hidden)
    return cached_fragment(
        "records/_filter_rows.html",
        (*_form_version(scope), tuple(f.key for f in offered), tuple(rows)),
        filter_rows=rows,
        filter_fields=offered,
        locale=scope.locale,
    )


def _form_version(scope: FormScope) -> tuple[Any, ...]:
    # The app's form versions and checksums: a republished form (new captions or options)
    # changes them; the locale picks the captions and the words of the operators.
    return (scope.app_key, scope.runtime.key, scope.runtime.app.versions, scope.locale)


def _list_state() -> dict[str, Any]:
    """The list's query parameters, bounded, as a dict of lists (for links and saved views)."""
    state: dict[str, Any] = {}
    for key in _STATE_KEYS:
        values = [v[:2000] for v in request.args.getlist(key)][:20]
        if values:
            state[key] = values
    return state


def _url_maker(app_key: str, form_key: str, state: dict[str, Any]):  # type: ignore[no-untyped-def]
    # One url_for per page: the table builds a link per column and the pager more.
    base = url_for("records.list_page", app_key=app_key, form_key=form_key)

    def make(**changes: Any) -> str:
        merged = {k: list(v) for k, v in state.items()}
        for key, value in changes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value if isinstance(value, list) else [value]
        query = urlencode([(k, v) for k, values in merged.items() for v in values])
        return f"{base}?{query}" if query else base

    return make


@bp.get("/apps/<app_key>/forms/<form_key>")
def list_page(app_key: str, form_key: str) -> Response:
    """One page of a form's records, or the table fragment for htmx."""
    scope = form_scope(app_key, form_key)
    if request.args.get("view", "").isdigit():
        return _open_view(scope, form_key, int(request.args["view"]))
    trash = request.args.get("trash") == "1"
    if trash and not scope.access.actor.is_admin:
        abort(403)
    hidden = scope.access.hidden
    rows = [
        FilterRow(f, o, v)
        for f, o, v in zip(
            request.args.getlist("ff")[:10],
            request.args.getlist("fo")[:10],
            request.args.getlist("fv")[:10],
            strict=False,
        )
    ]
    typed = (request.args.get("expr") or "")[:2000]
    sort = request.args.get("sort") or "created_at"
    descending = request.args.get("desc", "1" if sort == "created_at" else "0") == "1"
    columns = _columns(scope, request.args.getlist("cols"))
    exact_count = request.args.get("count") == "all"
    problems: list[dict[str, Any]] = []
    filter_text = None
    try:
        if typed.strip():
            rule = scope.runtime.app.rule(scope.runtime.key, typed, expect="boolean")
            # Filtering on a field one may not see would reveal its values row by row.
            if {path.split(".")[0] for path in rule.fields} & hidden:
                raise FilterProblem(N_("This field cannot be filtered on."))
        filter_text = build_filter(scope.form, rows, typed, hidden)
    except RuleError as exc:
        problems = [
            {"message": p.message, "line": p.line, "column": p.column} for p in exc.problems
        ]
    except FilterProblem as exc:
        problems = [{"message": _(exc.template, **exc.params), "line": None, "column": None}]
    # Sorts and flags other packages offer for this form (the SLA's "due soonest").
    offered = list_facts(current_app, scope)
    fact_sorts = {k: v for o in offered for k, v in o.sort_labels.items()}
    fact_flags = {k: v for o in offered for k, v in o.flag_labels.items()}
    flags = tuple(dict.fromkeys(f for f in request.args.getlist("flag")[:10] if f in fact_flags))
    if (
        sort not in ("number", "created_at", "updated_at")
        and sort not in {c.key for c in listable_fields(scope)}
        and sort not in fact_sorts
    ):
        sort = "created_at"
    page_rows: list[dict[str, Any]] = []
    next_cursor = None
    total = 0
    displayer = Displayer(scope.session, scope.runtime, locale=scope.locale, tz=scope.tz)
    if not problems and scope.access.allows("read"):
        list_request = ListRequest(
            filter=filter_text,
            search=(request.args.get("q") or "")[:100] or None,
            sort=sort,
            descending=descending,
            cursor=request.args.get("cursor") or None,
            limit=PAGE_SIZE,
            trash=trash,
            facts=tuple(o.facts for o in offered),
            flags=flags,
            # One statement brings the page, the titles of its lookups and the count.
            lookup_columns=displayer.lookup_columns(columns),
            count=True,
            count_cap=None if exact_count else COUNT_CAP,
        )
        try:
            page = list_records(
                scope.session,
                scope.runtime,
                scope.access,
                list_request,
                now=scope.now,
                tz=scope.app_tz,
            )
            page_rows, next_cursor, total = page.rows, page.next_cursor, page.total or 0
            displayer.take_targets(page.targets)
        except QueryError as exc:
            problems = [
                {"message": p.message, "line": p.line, "column": p.column} for p in exc.problems
            ] or [{"message": str(exc), "line": None, "column": None}]
    displayer.prefetch(columns, page_rows)
    numeric = [c.value_type in ("decimal", "integer") for c in columns]
    # The checkbox caption translated once; each row fills in its number.
    select_text = _("Select %(number)s")
    table_rows = [
        (
            row,
            list(zip(numeric, texts, strict=True)),
            select_text % {"number": row["number"] or row["id"]},
        )
        for row, texts in zip(page_rows, displayer.cells(columns, page_rows), strict=True)
    ]
    state = _list_state()
    # Names and ids only: the definitions matter when a view is opened, not listed.
    views = scope.session.execute(
        select(SavedView.id, SavedView.name)
        .where(
            SavedView.user_id == current_user.id,
            SavedView.app_key == app_key,
            SavedView.form_key == form_key,
        )
        .order_by(SavedView.name)
    ).all()
    context: dict[str, Any] = dict(
        scope=scope,
        app_key=app_key,
        form_key=form_key,
        form_label=scope.form.label_for(scope.locale),
        columns=columns,
        rows=page_rows,
        table_rows=table_rows,
        next_cursor=next_cursor,
        total=total,
        count_cap=None if exact_count else COUNT_CAP,
        has_cursor=bool(request.args.get("cursor")),
        displayer=displayer,
        sort=sort,
        descending=descending,
        fact_sorts=fact_sorts,
        fact_flags=fact_flags,
        flags=flags,
        typed=typed,
        search=request.args.get("q") or "",
        problems=problems,
        trash=trash,
        list_url=_url_maker(app_key, form_key, state),
        views=views,
        can_create=scope.access.allows("create") and not trash,
        can_delete=scope.access.allows("delete") and not trash,
        is_admin=scope.access.actor.is_admin,
    )
    context["table_head"] = _table_head(scope, context)
    if not is_htmx():  # htmx asks for the table only
        context["list_controls"] = _list_controls(
            scope, columns, rows or [FilterRow("", "eq", "")], context
        )
    return render("records/list.html", "records/_table.html", **context)


def _list_controls(
    scope: FormScope, columns: list[FieldDef], rows: list[FilterRow], context: dict[str, Any]
) -> Markup:
    """The heading's buttons and the search, column and filter form above the table.

    Besides the form version and language they follow from the request's arguments, the
    reader's rights and the sorts and flags on offer, so those make the cache key.
    """
    chooser, builder = _column_chooser(scope, columns), _filter_builder(scope, rows)
    key = (
        *_form_version(scope),
        request.script_root,
        tuple(request.args.items(multi=True)),
        chooser,
        builder,
        context["can_create"],
        context["is_admin"],
        tuple(context["fact_sorts"].items()),
        tuple(context["fact_flags"].items()),
    )
    return cached_fragment(
        "records/_list_controls.html",
        key,
        column_chooser=chooser,
        filter_builder=builder,
        request=request,
        **context,
    )


def _table_head(scope: FormScope, context: dict[str, Any]) -> Markup:
    """The column headings and their sort links, kept per form version, columns and state.

    Each heading links to the list sorted by it with the rest of the request's arguments,
    so those and the current sort make the cache key.
    """
    key = (
        *_form_version(scope),
        request.script_root,
        tuple(request.args.items(multi=True)),
        tuple(c.key for c in context["columns"]),
        context["sort"],
        context["descending"],
        context["can_delete"],
        context["trash"],
    )
    return cached_fragment("records/_table_head.html", key, **context)


def _open_view(scope: FormScope, form_key: str, view_id: int) -> Response:
    view = scope.session.get(SavedView, view_id)
    if view is None or view.user_id != current_user.id or view.form_key != form_key:
        abort(404)
    state = {k: v for k, v in (view.definition or {}).items() if k in _STATE_KEYS}
    return redirect(_url_maker(scope.app_key, form_key, state)())


@bp.post("/apps/<app_key>/forms/<form_key>/views")
def save_view(app_key: str, form_key: str) -> Response:
    """Keep the current list state (columns, filter, search, sort) under a name for this user."""
    scope = form_scope(app_key, form_key)
    name = (request.form.get("name") or "").strip()[:100]
    state = {}
    for key in _STATE_KEYS:
        values = [v[:2000] for v in request.form.getlist(key)][:20]
        if values:
            state[key] = values
    if not name:
        flash(_("Give the view a name."), "warning")
    else:
        scope.session.add(
            SavedView(
                user_id=current_user.id,
                app_key=app_key,
                form_key=form_key,
                name=name,
                definition=state,
                created_at=scope.now,
            )
        )
        scope.session.commit()
        flash(_("View saved."), "success")
    return redirect(_url_maker(app_key, form_key, state)())


@bp.post("/apps/<app_key>/forms/<form_key>/views/<int:view_id>/delete")
def delete_view(app_key: str, form_key: str, view_id: int) -> Response:
    """Remove one of the user's saved views."""
    scope = form_scope(app_key, form_key)
    view = scope.session.get(SavedView, view_id)
    if view is None or view.user_id != current_user.id:
        abort(404)
    scope.session.delete(view)
    scope.session.commit()
    return redirect(url_for("records.list_page", app_key=app_key, form_key=form_key))


@bp.post("/apps/<app_key>/forms/<form_key>/bulk-delete")
def bulk_delete(app_key: str, form_key: str) -> Response:
    """Move the selected records to the trash, after a confirmation page."""
    scope = form_scope(app_key, form_key)
    scope.require("delete")
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()][: PAGE_SIZE * 4]
    allowed = [i for i in ids if scope.in_scope("delete", i)]
    if request.form.get("confirm") != "1":
        return render(
            "records/confirm_bulk.html",
            app_key=app_key,
            form_key=form_key,
            form_label=scope.form.label_for(scope.locale),
            ids=allowed,
        )
    for record_id in allowed:
        scope.runtime.store.delete(
            scope.session, record_id, actor_id=current_user.id, now=scope.now
        )
    scope.session.commit()
    flash(_("%(count)s records moved to the trash.", count=len(allowed)), "success")
    return redirect(url_for("records.list_page", app_key=app_key, form_key=form_key))
