"""Run a compiled report and turn its rows into typed values and labels in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import label_text
from servicekit.platform.models import User
from servicekit.runtime.forms import AppForms
from servicekit.runtime.reports.buckets import bucket_label, range_label
from servicekit.runtime.reports.compile import Column, CompiledReport
from servicekit.runtime.reports.fields import FieldPath
from servicekit.runtime.reports.kpis import KPIS
from servicekit.runtime.reports.model import Measure, ReportDef

FRACTION = Decimal("0.000001")
EMPTY = {"en": "(empty)", "zh": "（空）"}


@dataclass
class ResultRow:
    """One group: its dimension keys (as stored or bucketed), their labels, its measures."""

    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass
class ReportResult:
    """A report's answer for one reader: column headings and rows."""

    report: ReportDef
    columns: list[Column]
    headings: list[str]
    rows: list[ResultRow] = field(default_factory=list)

    @property
    def dimensions(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "dimension"]

    @property
    def measures(self) -> list[Column]:
        return [c for c in self.columns if c.kind == "measure"]

    def value(self, measure_key: str, *keys: Any) -> Any:
        """The value of one measure in the row with these dimension keys (None if absent)."""
        index = [c.measure.key for c in self.measures if c.measure].index(measure_key)
        for row in self.rows:
            if row.keys == tuple(keys):
                return row.values[index]
        return None

    def to_json(self) -> dict[str, Any]:
        """JSON for the chart endpoint: headings, keys, labels and plain numbers."""
        return {
            "key": self.report.key,
            "chart": self.report.chart,
            "options": dict(self.report.chart_options),
            "dimensions": [
                h for c, h in zip(self.columns, self.headings, strict=True) if c.kind == "dimension"
            ],
            "measures": [
                {
                    "key": c.measure.key,
                    "label": h,
                    "decimals": c.measure.format.decimals,
                    "unit": c.measure.format.unit,
                    "percent": c.measure.format.percent,
                }
                for c, h in zip(self.columns, self.headings, strict=True)
                if c.measure is not None
            ],
            "rows": [
                {
                    "keys": [_plain(k) for k in row.keys],
                    "labels": list(row.labels),
                    "values": [_number(v) for v in row.values],
                }
                for row in self.rows
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return _plain(value)


def execute(
    session: Session, compiled: CompiledReport, forms: AppForms, report: ReportDef, locale: str
) -> ReportResult:
    """Run the query and type and label its rows (labels of users and lookups: one query each)."""
    raw = session.execute(compiled.query).all()
    dims = [c for c in compiled.columns if c.kind == "dimension"]
    measures = [c for c in compiled.columns if c.kind == "measure"]
    names = [_names(session, forms, c, [row[i] for row in raw]) for i, c in enumerate(dims)]
    result = ReportResult(report, compiled.columns, [_heading(c, locale) for c in compiled.columns])
    for row in raw:
        keys = tuple(row[i] for i in range(len(dims)))
        labels = tuple(_label(c, keys[i], names[i], locale) for i, c in enumerate(dims))
        values = tuple(_typed(c, row[len(dims) + i]) for i, c in enumerate(measures))
        result.rows.append(ResultRow(keys, labels, values))
    return result


def _heading(column: Column, locale: str) -> str:
    if column.measure is not None:
        return column.measure.label_for(locale)
    dim = column.dimension
    assert dim is not None and column.path is not None
    if dim.label:
        return label_text(dim.label, locale)
    raw = column.path.raw
    return label_text(raw.get("label"), locale) or column.path.key if raw else column.path.key


def _names(session: Session, forms: AppForms, column: Column, keys: list[Any]) -> dict[Any, str]:
    """Display names of the users or lookup targets a dimension groups by."""
    path = column.path
    dim = column.dimension
    wanted = {k for k in keys if k is not None}
    if path is None or dim is None or dim.bucket or dim.ranges or not wanted:
        return {}
    if path.value_type == "user":
        rows = session.execute(
            select(User.id, User.display_name, User.login).where(User.id.in_(wanted))
        )
        return {row.id: row.display_name or row.login for row in rows}
    if path.value_type == "lookup":
        target = forms.sources[str(path.raw.get("form"))].table
        display = str(path.raw.get("display") or "")
        column_ = target.c[display] if display in target.c else target.c.number
        rows = session.execute(select(target.c.id, column_).where(target.c.id.in_(wanted)))
        return {row[0]: str(row[1] if row[1] is not None else row[0]) for row in rows}
    return {}


def _label(column: Column, key: Any, names: dict[Any, str], locale: str) -> str:
    dim, path = column.dimension, column.path
    assert dim is not None and path is not None
    if key is None:
        return EMPTY["zh" if locale.startswith("zh") else "en"]
    if dim.bucket:
        return bucket_label(key, dim.bucket, locale)
    if dim.ranges:
        return range_label(int(key), dim.ranges)
    if key in names:
        return names[key]
    if path.value_type == "select":
        for option in path.raw.get("options") or ():
            if str(option.get("value")) == str(key):
                return label_text(option.get("label"), locale) or str(key)
    if isinstance(key, bool):
        return ("是" if key else "否") if locale.startswith("zh") else ("Yes" if key else "No")
    return str(_plain(key))


def measure_kind(measure: Measure, path: FieldPath | None) -> str:
    """How a measure's values are typed: ``count`` (int), ``exact`` (field scale) or ``fraction``."""
    if measure.kpi:
        return "fraction" if KPIS[measure.kpi].decimal else "count"
    if measure.aggregate in ("count", "count_distinct"):
        return "count"
    if measure.aggregate in ("sum", "min", "max"):
        if path is not None and path.value_type in ("integer", "duration"):
            return "count"
        if path is not None and path.value_type in ("decimal", "number"):
            return "exact"
        if path is not None and not path.is_number:
            return "as_is"
    return "fraction"


def _typed(column: Column, value: Any) -> Any:
    assert column.measure is not None
    kind = measure_kind(column.measure, column.path)
    if value is None or kind == "as_is":
        return value
    if kind == "count":
        return int(Decimal(str(value)))
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if kind == "exact" and column.path is not None:
        scale = int(column.path.raw.get("scale", 2))
        return number.quantize(Decimal(1).scaleb(-scale))
    return number.quantize(FRACTION)
