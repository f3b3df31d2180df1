"""Compile a report into one SQLAlchemy Core query over its form's tables.

Dimensions become GROUP BY expressions (date buckets in the app's zone, number ranges),
measures become aggregates (with their own conditions as CASE expressions), ratios
and KPIs arithmetic over aggregates; the reader's record scope, the report filter and
the page's filters go into WHERE. PostgreSQL gets native SQL; SQLite gets the exact
decimal functions of the rule language and those of :mod:`.sqlite_functions`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    TIMESTAMP,
    Float,
    Integer,
    Numeric,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from servicekit.runtime.forms import Actor, AppForms, form_access
from servicekit.runtime.reports.errors import ReportError, ReportRefused
from servicekit.runtime.reports.fields import FieldPath, PathError, resolve
from servicekit.runtime.reports.kpis import KPIS
from servicekit.runtime.reports.model import Dimension, Measure, ReportDef
from servicekit.runtime.rules import RuleError, compile_rule

SQL = ColumnElement[Any]
MAX_RATIO_DEPTH = 4

_PG_FORMATS = {
    "hour": "YYYY-MM-DD HH24:00",
    "day": "YYYY-MM-DD",
    "month": "YYYY-MM",
    "quarter": 'YYYY-"Q"Q',
    "year": "YYYY",
}


@dataclass(frozen=True)
class Viewer:
    """Who reads the report and when: the actor, the clock's now, and the app's zone."""

    actor: Actor
    now: datetime
    tz: ZoneInfo


@dataclass(frozen=True)
class PageFilters:
    """Filters a page adds to a report: a date range on its date field and select values."""

    start: datetime | None = None  # aware, inclusive
    end: datetime | None = None  # aware, exclusive
    selects: tuple[tuple[str, str], ...] = ()

    def cache_key(self) -> str:
        return f"{self.start}|{self.end}|{sorted(self.selects)}"


@dataclass
class Column:
    """One column of a report's result: a dimension or a measure."""

    name: str
    kind: str  # "dimension" or "measure"
    dimension: Dimension | None = None
    measure: Measure | None = None
    path: FieldPath | None = None


@dataclass
class CompiledReport:
    """The one query of a report and what each of its result columns means."""

    query: Select[Any]
    columns: list[Column] = field(default_factory=list)


class SqlBuilder:
    """Builds the SQL pieces of one report for one dialect (KPIs use its helpers too)."""

    def __init__(self, report: ReportDef, forms: AppForms, viewer: Viewer, dialect: str) -> None:
        if report.form not in forms.sources:
            raise ReportError(f"form '{report.form}' is not published in this app", "$.form")
        self.report = report
        self.forms = forms
        self.viewer = viewer
        self.pg = dialect == "postgresql"
        self.source = forms.sources[report.form]
        self.base = self.source.table
        self.from_: Any = self.base
        self._joins: dict[tuple[str, ...], Any] = {}
        self._totals: dict[str, Any] = {}
        self._access = {report.form: form_access(self.source.form, viewer.actor)}  # type: ignore[arg-type]

    # ---- fields ------------------------------------------------------------------------

    def path(self, text: str, where: str = "$", *, subform: bool = False) -> FieldPath:
        """Resolve a field path and refuse it when any step is hidden from the reader."""
        try:
            found = resolve(text, self.report.form, self.forms.fields, allow_subform=subform)
        except PathError as exc:
            raise ReportError(str(exc), where) from exc
        chain = [(self.report.form, found.first)]
        if found.lookups:
            chain += list(zip(found.forms, (*found.lookups[1:], found.key), strict=True))
        for form_key, key in chain:
            if key in self._rights(form_key).hidden:
                raise ReportRefused(f"the field '{text}' is hidden from you", where)
        return found

    def _rights(self, form_key: str) -> Any:
        if form_key not in self._access:
            form = self.forms.sources[form_key].form
            self._access[form_key] = form_access(form, self.viewer.actor)  # type: ignore[arg-type]
        return self._access[form_key]

    def value(self, found: FieldPath) -> SQL:
        """The column of a path, joining lookup targets as needed (left outer joins)."""
        table = self.base
        source = self.source
        for index, key in enumerate(found.lookups):
            prefix = found.lookups[: index + 1]
            if prefix not in self._joins:
                target = source.lookup(key)
                alias = target.table.alias(f"lk{len(self._joins)}")
                self.from_ = self.from_.outerjoin(alias, alias.c.id == table.c[key])
                self._joins[prefix] = (alias, target)
            table, source = self._joins[prefix]
        if found.subform:
            return self.subform_sum(found.subform, found.key)
        return table.c[found.key]

    def number(self, found: FieldPath) -> SQL:
        """A path's value ready for arithmetic (numeric selects are cast on PostgreSQL)."""
        column = self.value(found)
        if found.numeric_select and self.pg:
            return cast(column, Numeric)
        return column

    def subform_sum(self, subform: str, key: str) -> SQL:
        """Per record: the sum of a subform field over its rows (0 without rows)."""
        child = self.source.child(subform).table
        total = func.sum(child.c[key]) if self.pg else func.sk_sum(child.c[key])
        return self._per_record(child, total, f"{subform}.{key}", 0 if self.pg else "0")

    def subform_total(self, subform: str, quantity: str, price: str, scale: int) -> SQL:
        """Per record: the sum of quantity × price over a subform's rows (0 without rows).

        On SQLite the sum is in whole units of ``10**-scale`` (see :meth:`aggregate`).
        """
        child = self.source.child(subform).table
        qty, unit = child.c[quantity], child.c[price]
        if self.pg:
            total = func.sum(self.mul(qty, unit))
        else:
            total = func.sum(self.units(type_coerce(qty, Float) * type_coerce(unit, Float), scale))
        return self._per_record(child, total, f"{subform}.{quantity}*{price}", 0)

    def _per_record(self, child: Any, total: SQL, name: str, zero: Any) -> SQL:
        # One grouped pass over the child table, joined once per record: far cheaper than
        # a correlated subquery per record on large tables.
        if name not in self._totals:
            per_parent = (
                select(child.c.parent_id.label("parent_id"), total.label("total"))
                .group_by(child.c.parent_id)
                .subquery(f"sf{len(self._totals)}")
            )
            self.from_ = self.from_.outerjoin(per_parent, per_parent.c.parent_id == self.base.c.id)
            self._totals[name] = per_parent
        return func.coalesce(self._totals[name].c.total, zero)

    def join_per_record(self, name: str, query: Select[Any]) -> Any:
        """Outer-join ``query`` (one row per ``record_id``) to the report's records, once per
        ``name``; returns its subquery, whose columns are null for records without a row.

        For KPIs computed from platform tables keyed by record (the SLA timers, workflow
        tasks and events). ``query`` may have several rows per record only when every
        measure of the report counts those rows (see :meth:`measures_are`): repeated
        records would be counted again by any other measure."""
        if name not in self._totals:
            per_record = query.subquery(f"pr{len(self._totals)}")
            self.from_ = self.from_.outerjoin(per_record, per_record.c.record_id == self.base.c.id)
            self._totals[name] = per_record
        return self._totals[name]

    def measures_are(self, kpis: Collection[str]) -> bool:
        """Whether every measure of the report is one of these KPIs."""
        return all(m.kpi in kpis for m in self.report.measures)

    def rule(self, text: str, where: str = "$") -> SQL:
        """A rule-language condition as SQL over the report's form."""
        try:
            rule = compile_rule(
                text, self.forms.fields[self.report.form], forms=self.forms.fields, expect="boolean"
            )
            return rule.to_sql(
                self.source,
                now=self.viewer.now,
                user=dict(self.viewer.actor.rule_user),
                tz=self.viewer.tz,
            )
        except RuleError as exc:
            raise ReportError(f"the filter does not work: {exc}", where) from exc

    def record_conditions(self) -> list[SQL]:
        """Live records the reader may read that pass the report filter (no page filters)."""
        viewer = self.viewer
        access = self._rights(self.report.form)
        conditions: list[SQL] = [
            self.base.c.deleted.is_(False),
            access.record_filter(
                "read", self.source, now=viewer.now, tz=viewer.tz, forms=self.forms.fields
            )
            if access.allows("read")
            else literal(False),
        ]
        if self.report.filter:
            conditions.append(self.rule(self.report.filter, "$.filter"))
        return conditions

    def open_at_period_end(self, opened: FieldPath, closed: FieldPath, unit: str) -> SQL:
        """Records opened before the end of each period and not closed by then.

        One derived table: +1 in the period a record opened, -1 in the period it closed,
        summed per period and then cumulatively (a window), over the whole history so the
        first period shown starts from the right count. It is joined to the records on
        the period of their opening, so the report's first dimension must be that bucket.
        """
        opened_key = self.bucket(opened, unit)
        closed_key = self.bucket(closed, unit)
        closed_column = self.value(closed)
        live = self.record_conditions()
        moves = union_all(
            select(opened_key.label("period"), literal(1).label("delta")).where(*live),
            select(closed_key.label("period"), literal(-1).label("delta")).where(
                *live, closed_column.is_not(None)
            ),
        ).subquery("moves")
        per_period = (
            select(
                moves.c.period.label("period"),
                func.sum(func.sum(moves.c.delta)).over(order_by=moves.c.period).label("open_count"),
            )
            .group_by(moves.c.period)
            .subquery(f"backlog{len(self._totals)}")
        )
        self._totals[f"backlog{len(self._totals)}"] = per_period
        self.from_ = self.from_.outerjoin(per_period, per_period.c.period == opened_key)
        return func.max(per_period.c.open_count)

    # ---- arithmetic and aggregates --------------------------------------------------

    def both(self, a: SQL | None, b: SQL) -> SQL:
        return b if a is None else and_(a, b)

    def _when(self, cond: SQL | None, expr: Any) -> Any:
        return expr if cond is None else case((cond, expr))

    def count(self, cond: SQL | None = None) -> SQL:
        return func.count() if cond is None else func.count(case((cond, literal(1))))

    def count_values(self, expr: SQL, cond: SQL | None = None) -> SQL:
        """How many rows have a value (not null) in ``expr``."""
        return func.count(self._when(cond, expr))

    def count_distinct(self, expr: SQL, cond: SQL | None = None) -> SQL:
        return func.count(self._when(cond, expr).distinct())

    def aggregate(
        self,
        kind: str,
        expr: SQL,
        cond: SQL | None,
        fraction: float = 0.5,
        *,
        scale: int | None = None,
        prescaled: bool = False,
    ) -> SQL:
        """``sum``, ``avg``, ``min``, ``max``, ``median`` or ``percentile`` of numbers.

        On SQLite, decimals are text; with the values' ``scale`` known, sums and averages
        run natively on whole units of ``10**-scale`` (exact up to 2**63 of them) and only
        the final division goes through the exact decimal function, once per group.
        ``prescaled`` says ``expr`` is already such whole units.
        """
        value = self._when(cond, expr)
        if not self.pg and scale is not None and kind in ("sum", "avg"):
            if prescaled:
                units = value
            elif scale == 0:
                # Whole numbers already (integers, durations, selects of whole numbers):
                # a cast, without the rounding that guards the float product of decimals.
                units = cast(value, Integer)
            else:
                units = self.units(value, scale)
            if kind == "sum":
                total = func.coalesce(func.sum(units), 0)
                return total if scale == 0 else func.sk_div(total, 10**scale)
            # Counting the values, not their units: as often null, without a second rounding.
            return func.sk_div(func.sum(units), func.count(value) * 10**scale)
        if kind == "sum":
            # A sum over no rows is 0, not empty, on both databases.
            return (
                func.coalesce(func.sum(value), 0)
                if self.pg
                else func.coalesce(func.sk_sum(value), "0")
            )
        if kind == "avg":
            return func.avg(value) if self.pg else func.skr_avg(value)
        if kind in ("min", "max"):
            return getattr(func, kind)(value) if self.pg else getattr(func, f"sk_{kind}")(value)
        if kind in ("median", "percentile"):
            if self.pg:
                return func.percentile_cont(fraction).within_group(cast(value, Float))
            return func.skr_percentile(value, fraction)
        raise ReportError(f"unknown aggregate '{kind}'")

    def units(self, expr: Any, scale: int) -> SQL:
        """SQLite: a decimal as whole units of ``10**-scale`` (``"12.34"`` -> 1234 at scale 2)."""
        return cast(func.round(type_coerce(expr, Float) * 10**scale), Integer)

    @staticmethod
    def scale_of(found: FieldPath) -> int | None:
        """Decimal places of a number field's values (None when not a number)."""
        if found.value_type in ("integer", "duration"):
            return 0
        if found.value_type in ("decimal", "number"):
            return int(found.raw.get("scale", 2))
        if found.numeric_select:
            values = [str(o.get("value")) for o in found.raw.get("options") or ()]
            return max(len(v.split(".")[1]) if "." in v else 0 for v in values)
        return None

    def extreme(self, kind: str, expr: SQL, cond: SQL | None) -> SQL:
        """``min``/``max`` of dates, moments and text (their stored order is their order)."""
        return type_coerce(getattr(func, kind)(self._when(cond, expr)), expr.type)

    def div(self, a: Any, b: Any) -> SQL:
        if self.pg:
            return cast(a, Numeric) / func.nullif(cast(b, Numeric), 0)
        return func.sk_div(a, b)

    def sub(self, a: Any, b: Any) -> SQL:
        return cast(a, Numeric) - cast(b, Numeric) if self.pg else func.sk_sub(a, b)

    def mul(self, a: Any, b: Any) -> SQL:
        if self.pg:
            return cast(a, Numeric) * cast(b, Numeric)
        return func.sk_mul(a, b if not isinstance(b, int | float) else str(b))

    def at_least(self, expr: SQL, bound: float) -> SQL:
        """For scores and ratings (few decimals), so SQLite may compare them as reals."""
        if self.pg:
            return cast(expr, Numeric) >= bound
        return cast(expr, Float) >= bound

    def at_most(self, expr: SQL, bound: float) -> SQL:
        if self.pg:
            return cast(expr, Numeric) <= bound
        return cast(expr, Float) <= bound

    # ---- dimensions ---------------------------------------------------------------------

    def bucket(self, found: FieldPath, unit: str) -> SQL:
        """The period key of a date or moment in the app's zone (see :mod:`.buckets`)."""
        column = self.value(found)
        moment = found.value_type == "datetime"
        if not self.pg:
            zone = self.viewer.tz.key if moment else ""
            exact = func.skr_bucket(column, unit, zone)
            offset = _fixed_offset(self.viewer.tz) if moment else 0
            if offset is None:
                return exact
            # Since 1992 the zone's offset never changed: SQLite's own date functions
            # give the same keys as skr_bucket without calling Python for every row.
            fast = _sqlite_bucket(column, unit, f"{offset:+d} seconds")
            return case((column >= _SINCE, fast), else_=exact)
        local = func.timezone(self.viewer.tz.key, column) if moment else cast(column, TIMESTAMP)
        if unit == "weekday":
            return cast(func.extract("isodow", local), Integer)
        if unit == "week":
            return func.to_char(func.date_trunc("week", local), "YYYY-MM-DD")
        return func.to_char(local, _PG_FORMATS[unit])

    def range_index(self, found: FieldPath, ranges: tuple[float, ...]) -> SQL:
        """0 below the first boundary, i between boundaries i-1 and i, n past the last."""
        number = self.number(found)
        whens: list[tuple[Any, int | None]] = [(number.is_(None), None)]
        for index, bound in enumerate(ranges):
            below = number < bound if self.pg else func.sk_cmp(number, str(bound)) < 0
            whens.append((below, index))
        return case(*whens, else_=len(ranges))


def compile_report(
    report: ReportDef,
    forms: AppForms,
    viewer: Viewer,
    dialect: str,
    filters: PageFilters | None = None,
) -> CompiledReport:
    """The report as one query for ``viewer`` (raises :class:`ReportError`/``ReportRefused``)."""
    builder = SqlBuilder(report, forms, viewer, dialect)
    filters = filters or PageFilters()
    compiled = CompiledReport(query=select(literal(1)))
    selected: list[Any] = []
    groups: list[Any] = []
    for index, dim in enumerate(report.dimensions):
        where = f"$.dimensions[{index}].field"
        found = builder.path(dim.field, where)
        if dim.bucket:
            expr = builder.bucket(found, dim.bucket)
        elif dim.ranges:
            expr = builder.range_index(found, dim.ranges)
        else:
            expr = builder.value(found)
        labelled = expr.label(f"d{index}")
        selected.append(labelled)
        groups.append(labelled)
        compiled.columns.append(Column(f"d{index}", "dimension", dimension=dim, path=found))
    measures: dict[str, SQL] = {}
    for index, measure in enumerate(report.measures):
        expr = _measure(builder, report, measure, index, measures, 0)
        measures[measure.key] = expr
        selected.append(expr.label(f"m{index}"))
        path = builder.path(measure.field, subform=True) if measure.field else None
        compiled.columns.append(Column(f"m{index}", "measure", measure=measure, path=path))
    conditions = _conditions(builder, report, filters)
    query = select(*selected).select_from(builder.from_).where(*conditions)
    if groups:
        # Grouping by position keeps PostgreSQL from comparing two copies of a bucket
        # expression whose parameters are bound separately.
        query = query.group_by(*[literal_column(str(i + 1)) for i in range(len(groups))])
    if builder.pg:
        # Sorted and cut outside the grouping, so PostgreSQL plans the grouping for every
        # row: it cannot count the buckets of an expression, guesses one per record, and
        # would otherwise pick a plan that is quick for the first rows of a limit and slow
        # for all of them (a nested loop into the SLA timers ran 3.5 times the hash join).
        # Nulls last spelled out as a sort key of its own, for the same reason: sorted the
        # way the grouping can deliver its rows, the guess makes a sorted grouping look
        # cheaper than hashing and then sorting the (few) groups, and it is not.
        grouped = query.subquery("grouped")
        columns = list(grouped.c)
        order = _order(report, columns, columns[: len(groups)], spelled_out=True)
        query = select(*columns).order_by(*order)
    else:
        query = query.order_by(*_order(report, selected, groups))
    query = query.limit(report.limit)
    compiled.query = query
    return compiled


def _measure(
    builder: SqlBuilder,
    report: ReportDef,
    measure: Measure,
    index: int,
    done: dict[str, SQL],
    depth: int,
) -> SQL:
    here = f"$.measures[{index}]"
    cond = builder.rule(measure.filter, f"{here}.filter") if measure.filter else None
    if measure.kpi:
        if measure.kpi not in KPIS:
            raise ReportError(f"unknown KPI '{measure.kpi}'", f"{here}.kpi")
        return KPIS[measure.kpi].build(builder, measure, cond)
    kind = measure.aggregate
    if kind == "ratio":
        if depth > MAX_RATIO_DEPTH:
            raise ReportError("ratios refer to each other in a circle", here)
        parts = []
        for name in (measure.numerator, measure.denominator):
            try:
                other = report.measure(str(name))
            except KeyError as exc:
                raise ReportError(f"no measure '{name}' in this report", here) from exc
            other_index = report.measures.index(other)
            parts.append(done.get(other.key) if other.key in done else None)
            if parts[-1] is None:
                parts[-1] = _measure(builder, report, other, other_index, done, depth + 1)
        return builder.div(parts[0], parts[1])
    if kind == "count" and not measure.field:
        return builder.count(cond)
    if not measure.field:
        raise ReportError(f"{kind} needs a field", f"{here}.field")
    found = builder.path(measure.field, f"{here}.field", subform=True)
    if kind == "count":
        return builder.count_values(builder.value(found), cond)
    if kind == "count_distinct":
        return builder.count_distinct(builder.value(found), cond)
    if kind in ("min", "max") and not found.is_number:
        return builder.extreme(kind, builder.value(found), cond)
    if not found.is_number:
        raise ReportError(f"{kind} needs a number field; '{measure.field}' is not", f"{here}.field")
    fraction = 0.5 if kind == "median" else float(measure.percentile or 0.5)
    scale = SqlBuilder.scale_of(found) if not found.subform else None
    return builder.aggregate(kind, builder.number(found), cond, fraction, scale=scale)


def _conditions(builder: SqlBuilder, report: ReportDef, filters: PageFilters) -> list[SQL]:
    viewer = builder.viewer
    conditions = builder.record_conditions()
    if filters.start is not None or filters.end is not None:
        found = builder.path(report.date_field, "$.date_field")
        column = builder.value(found)
        if found.value_type == "date":
            start = filters.start.astimezone(viewer.tz).date() if filters.start else None
            end = filters.end.astimezone(viewer.tz).date() if filters.end else None
        else:
            start, end = filters.start, filters.end
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column < end)
    for key, wanted in filters.selects:
        try:
            found = resolve(key, report.form, builder.forms.fields)
        except PathError:
            continue  # a shared dashboard filter this report's form does not have
        if found.value_type not in ("select", "text") or found.lookups:
            continue  # shared filters pick a value of the form's own select or text fields
        builder.path(key)
        conditions.append(builder.value(found) == wanted)
    return [c for c in conditions if c is not true()]


def _order(
    report: ReportDef, selected: list[Any], groups: list[Any], *, spelled_out: bool = False
) -> list[Any]:
    """The report's sort, nulls last (``spelled_out``: as ``column IS NULL`` before it)."""
    names = {m.key: selected[len(groups) + i] for i, m in enumerate(report.measures)}
    names.update({d.field: groups[i] for i, d in enumerate(report.dimensions)})
    names.update({d.name: groups[i] for i, d in enumerate(report.dimensions)})
    keys = []
    for key in report.sort:
        if key.by not in names:
            raise ReportError(f"cannot sort by '{key.by}': not a measure or dimension", "$.sort")
        keys.append((names[key.by], key.descending))
    # Dimensions break ties so that a limit always keeps the same rows.
    keys += [(g, False) for g in groups]
    order: list[Any] = []
    for column, descending in keys:
        sort = column.desc() if descending else column.asc()
        order += [column.is_(None), sort] if spelled_out else [sort.nulls_last()]
    return order


# A day after the start of the period _fixed_offset looks at, whatever the zone.
_SINCE = datetime(1992, 1, 2, tzinfo=UTC)


@lru_cache(maxsize=32)
def _fixed_offset(zone: ZoneInfo) -> int | None:
    """The zone's UTC offset in seconds if it is the same in every season of 1992-2100."""
    offsets = {
        zone.utcoffset(datetime(year, month, 1)) for year in range(1992, 2101) for month in (1, 7)
    }
    if len(offsets) != 1:
        return None
    only = offsets.pop()
    return int(only.total_seconds()) if only is not None else None


def _sqlite_bucket(column: Any, unit: str, shift: str) -> SQL:
    """Bucket keys with SQLite's date functions (weeks start on Monday, ISO weekdays)."""
    if unit == "hour":
        return func.strftime("%Y-%m-%d %H:00", column, shift)
    if unit == "day":
        return func.strftime("%Y-%m-%d", column, shift)
    if unit == "week":
        return func.date(column, shift, "-6 days", "weekday 1")
    if unit == "month":
        return func.strftime("%Y-%m", column, shift)
    if unit == "quarter":
        month = cast(func.strftime("%m", column, shift), Integer)
        return func.printf("%s-Q%d", func.strftime("%Y", column, shift), (month + 2) / 3)
    if unit == "year":
        return func.strftime("%Y", column, shift)
    return (cast(func.strftime("%w", column, shift), Integer) + 6) % 7 + 1
