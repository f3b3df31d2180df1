"""Lists of records: permission scope, rule-language filter, quick search, sort, cursor pages.

The list page, the REST API and exports all build their queries here, so they agree on
which records a person may see and in which order. Pages use keyset pagination: the
cursor holds the last row's sort value and id, so page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, and_, cast, false, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from servicekit.platform.metadata.forms import RECORD_COLUMNS
from servicekit.platform.storage import codecs
from servicekit.runtime.forms.catalog import FormRuntime
from servicekit.runtime.forms.permissions import FormAccess
from servicekit.runtime.rules import RuleError

MAX_LIMIT = 500
MAX_SEARCH = 100
SORTABLE_SYSTEM = ("number", "created_at", "updated_at", "id")
SEARCHABLE = ("text", "long_text", "select", "auto_number")


class QueryError(ValueError):
    """A list request is malformed: unknown sort column, bad cursor, broken filter."""

    def __init__(self, message: str, *, problems: list[Any] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class RecordFacts:
    """Values about records kept outside the form's table, joined into lists on request.

    Another part of ServiceKit (the SLA timers) offers them so people can sort and filter
    lists by them without list code knowing where they come from. ``columns(runtime)``
    returns a subquery with a ``record_id`` column and the named columns (or None when the
    form has no such facts); ``sorts`` maps a sort key (e.g. ``sla:due``) to a column,
    ``flags`` a filter (e.g. ``sla:breached``) to a boolean column. Keys hold a colon, so
    they never clash with field keys.
    """

    key: str
    columns: Callable[[FormRuntime], Any]
    sorts: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ListRequest:
    """What a person asked to see: filter (rule language), search, sort, page."""

    filter: str | None = None
    search: str | None = None
    sort: str = "created_at"
    descending: bool = True
    cursor: str | None = None
    limit: int = 50
    trash: bool = False  # list deleted records instead (admins restore from there)
    facts: tuple[RecordFacts, ...] = ()  # offered sorts and flags from outside the table
    flags: tuple[str, ...] = ()  # flags of ``facts`` a record must have
    # Lookup field -> columns of its target record to bring along (a list shows titles).
    lookup_columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    count: bool = False  # also count the matching records (every page, cursor aside)
    count_cap: int | None = None  # ... stopping at ``count_cap + 1``


@dataclass
class ListPage:
    """One page of rows (typed values, system columns included) and the next cursor."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    # With ``ListRequest.lookup_columns``: per lookup field, target id -> raw column values.
    targets: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    total: int | None = None  # with ``ListRequest.count``: how many match (capped)


def _sort_column(runtime: FormRuntime, key: str) -> ColumnElement[Any]:
    table = runtime.source.table
    if key in SORTABLE_SYSTEM:
        return table.c[key]
    stored = {f.key: f for f in runtime.form.stored_fields}
    if key not in stored or stored[key].value_type in (
        "multi_select",
        "attachment",
        "image",
        "signature",
        "location",
    ):
        raise QueryError(f"cannot sort by '{key}'")
    return table.c[key]


def _sort_key(
    column: ColumnElement[Any], runtime: FormRuntime, key: str, dialect: str
) -> ColumnElement[Any]:
    stored = {f.key: f for f in runtime.form.stored_fields}
    if dialect == "sqlite" and key in stored and stored[key].value_type == "decimal":
        # SQLite keeps decimals as text; order them as numbers.
        return cast(column, Float)
    return column


def _encode_cursor(value: Any, record_id: int) -> str:
    if isinstance(value, datetime):
        tagged = {"t": "dt", "v": value.isoformat()}
    elif isinstance(value, date):
        tagged = {"t": "d", "v": value.isoformat()}
    elif isinstance(value, Decimal):
        tagged = {"t": "n", "v": str(value)}
    else:
        tagged = {"t": "j", "v": value}
    raw = json.dumps([tagged, record_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tagged, record_id = json.loads(raw)
        kind, value = tagged["t"], tagged["v"]
        if value is not None and kind == "dt":
            value = datetime.fromisoformat(value)
        elif value is not None and kind == "d":
            value = date.fromisoformat(value)
        elif value is not None and kind == "n":
            value = Decimal(value)
        return value, int(record_id)
    except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
        raise QueryError("the page cursor is not valid; start from the first page") from exc


def _after(
    key: ColumnElement[Any],
    id_column: ColumnElement[Any],
    value: Any,
    record_id: int,
    descending: bool,
    nullable: bool,
) -> ColumnElement[bool]:
    """Rows after (value, id) in the order: value asc/desc with nulls last, then id."""
    later_id = id_column < record_id if descending else id_column > record_id
    if value is None:  # a page that ended among the nulls (compared before "<" on None)
        return and_(key.is_(None), later_id)
    beyond = key < value if descending else key > value
    if not nullable:
        return or_(beyond, and_(key == value, later_id))
    return or_(beyond, and_(key == value, later_id), key.is_(None))


class _Plan:
    """One list request turned into SQL parts: who may see what, filter, search, flags.

    The page query and the count share them, so the filter is compiled once per request.
    """

    def __init__(
        self,
        runtime: FormRuntime,
        access: FormAccess,
        request: ListRequest,
        *,
        now: datetime,
        tz: ZoneInfo,
        dialect: str,
    ) -> None:
        self.runtime, self.request, self.dialect = runtime, request, dialect
        table = self.table = runtime.source.table
        self.readable = access.allows("read")
        self.conditions: list[ColumnElement[bool]] = []
        self.joins = _FactJoins(runtime, request.facts)
        if not self.readable:
            return
        self.conditions += [
            table.c.deleted.is_(True) if request.trash else table.c.deleted.is_(False),
            access.record_filter("read", runtime.source, now=now, tz=tz, forms=runtime.app.fields),
        ]
        if request.filter and request.filter.strip():
            try:
                rule = runtime.app.rule(runtime.key, request.filter, expect="boolean")
                self.conditions.append(
                    rule.to_sql(runtime.source, now=now, user=dict(access.actor.rule_user), tz=tz)
                )
            except RuleError as exc:
                raise QueryError(str(exc), problems=list(exc.problems)) from exc
        if request.search and request.search.strip():
            self.conditions.append(_search(runtime, access, request.search.strip()[:MAX_SEARCH]))
        self.conditions += [self.joins.flag(name).is_(True) for name in request.flags]

    def counted(self, cap: int | None) -> Any:
        """A scalar SELECT counting the matches (ids only), stopping at ``cap + 1``."""
        if not self.readable:
            return select(func.count()).where(false()).scalar_subquery()
        # Only ids: a count needs no other column, and fewer columns read less of each row.
        inner = select(self.table.c.id).select_from(self.joins.flagged(self.table))
        inner = inner.where(*self.conditions).limit(None if cap is None else cap + 1)
        return select(func.count()).select_from(inner.subquery()).scalar_subquery()

    def page(self) -> Any:
        """The SELECT for the requested page (one row more, to know if another follows)."""
        request, table, runtime = self.request, self.table, self.runtime
        if not self.readable:
            return select(table).where(false())
        conditions = list(self.conditions)
        extra: list[Any] = []
        if self.joins.sorts(request.sort):
            column = key = self.joins.sort(request.sort)
            extra.append(key.label(request.sort))  # the cursor reads the sort value by name
            nullable = True
        else:
            column = _sort_column(runtime, request.sort)
            key = _sort_key(column, runtime, request.sort, self.dialect)
            nullable = bool(getattr(column, "nullable", True))
        if request.cursor:
            value, record_id = _decode_cursor(request.cursor)
            conditions.append(
                _after(key, table.c.id, value, record_id, request.descending, nullable)
            )
        order = [
            key.desc() if request.descending else key.asc(),
            table.c.id.desc() if request.descending else table.c.id.asc(),
        ]
        if nullable:
            # Nulls last on both databases (they disagree by default); a column that cannot
            # be null skips this, so an index on it can serve the order directly.
            order.insert(0, key.is_(None))
        source = self.joins.joined(table)
        for index, (lookup, names) in enumerate(request.lookup_columns.items()):
            # A hand-written list joins the records it names rather than asking once more.
            target = _alias(runtime.source.lookup(lookup).table, f"lk{index}")
            source = source.outerjoin(target, target.c.id == table.c[lookup])
            extra += [target.c[name].label(f"lk{index}_{name}") for name in names]
        if request.count:
            # Evaluated once per statement on both databases: one round trip, not two.
            extra.append(self.counted(request.count_cap).label("_total"))
        limit = max(1, min(int(request.limit), MAX_LIMIT))
        query = select(table, *extra).select_from(source)
        return query.where(*conditions).order_by(*order).limit(limit + 1)


@lru_cache(maxsize=256)
def _alias(table: Any, name: str) -> Any:
    # Aliasing a table copies every column; a list page joins the same few targets each time.
    return table.alias(name)


class _FactJoins:
    """The fact subqueries one list request uses, each outer-joined once."""

    def __init__(self, runtime: FormRuntime, facts: tuple[RecordFacts, ...]) -> None:
        self._runtime = runtime
        self._facts = facts
        self._filtering: set[str] = set()  # facts a flag filters on (a count needs those)
        self._joined: dict[str, Any] = {}

    def _find(self, name: str, kind: str) -> tuple[RecordFacts, str]:
        for facts in self._facts:
            column = getattr(facts, kind).get(name)
            if column is not None:
                return facts, column
        raise QueryError(f"cannot {'sort' if kind == 'sorts' else 'filter'} by '{name}'")

    def _column(self, facts: RecordFacts, column: str) -> ColumnElement[Any]:
        if facts.key not in self._joined:
            subquery = facts.columns(self._runtime)
            if subquery is None:
                raise QueryError(f"this form has no '{facts.key}' to sort or filter by")
            self._joined[facts.key] = subquery
        return self._joined[facts.key].c[column]

    def sorts(self, name: str) -> bool:
        return any(name in facts.sorts for facts in self._facts)

    def sort(self, name: str) -> ColumnElement[Any]:
        return self._column(*self._find(name, "sorts"))

    def flag(self, name: str) -> ColumnElement[Any]:
        facts, column = self._find(name, "flags")
        self._filtering.add(facts.key)
        return self._column(facts, column)

    def joined(self, table: Any) -> Any:
        """``table`` outer-joined to every fact subquery asked for so far."""
        for subquery in self._joined.values():
            table = table.outerjoin(subquery, subquery.c.record_id == table.c.id)
        return table

    def flagged(self, table: Any) -> Any:
        """``table`` joined to the fact subqueries the request's flags need (a count)."""
        for key, subquery in self._joined.items():
            if key in self._filtering:
                table = table.outerjoin(subquery, subquery.c.record_id == table.c.id)
        return table


def _search(runtime: FormRuntime, access: FormAccess, text: str) -> ColumnElement[bool]:
    table = runtime.source.table
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    columns = [table.c.number] + [
        table.c[f.key]
        for f in runtime.form.stored_fields
        if f.value_type in SEARCHABLE and access.field_right(f.key) != "hidden"
    ]
    if not columns:
        return true()
    return or_(*[func.lower(c).like(func.lower(pattern), escape="\\") for c in columns])


def list_records(
    session: Session,
    runtime: FormRuntime,
    access: FormAccess,
    request: ListRequest,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> ListPage:
    """Run one page of the list; rows hold typed values and system columns."""
    dialect = session.get_bind().dialect.name
    plan = _Plan(runtime, access, request, now=now, tz=tz, dialect=dialect)
    limit = max(1, min(int(request.limit), MAX_LIMIT))
    result = session.execute(plan.page()).mappings().all()
    page = ListPage()
    # Rights are per field, not per row: decide once which columns the rows carry.
    fields = [f for f in runtime.form.stored_fields if access.field_right(f.key) != "hidden"]
    from_column = codecs.from_column
    lookups = [
        (key, [(name, f"lk{index}_{name}") for name in names], page.targets.setdefault(key, {}))
        for index, (key, names) in enumerate(request.lookup_columns.items())
    ]
    for row in result[:limit]:
        values = {f.key: from_column(f, row[f.key]) for f in fields}
        values.update({name: row[name] for name in RECORD_COLUMNS})
        page.rows.append(values)
        for key, labels, targets in lookups:
            if row[key] is not None:
                targets[row[key]] = {name: row[label] for name, label in labels}
    if len(result) > limit:
        last = result[limit - 1]
        sort_value = last[request.sort]
        page.next_cursor = _encode_cursor(sort_value, last["id"])
    if request.count:
        # A page past the last match has no row to carry the count: ask for it alone.
        page.total = (
            int(result[0]["_total"])
            if result
            else int(session.scalar(select(plan.counted(request.count_cap))) or 0)
        )
    return page


def count_records(
    session: Session,
    runtime: FormRuntime,
    access: FormAccess,
    request: ListRequest,
    *,
    now: datetime,
    tz: ZoneInfo,
    cap: int | None = None,
) -> int:
    """How many records match (without paging) — for exports and headings.

    With ``cap`` it stops at ``cap + 1``: a heading can say "more than ``cap``" without
    visiting every matching row, which on a large table costs far more than the page.
    """
    dialect = session.get_bind().dialect.name
    plan = _Plan(runtime, access, request, now=now, tz=tz, dialect=dialect)
    return int(session.scalar(select(plan.counted(cap))) or 0)
