"""Typed report and dashboard definitions, loaded once from schema-valid JSON bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicekit.platform.metadata.forms import label_text

DEFAULT_LIMIT = 1000
BUCKETS = ("hour", "day", "week", "month", "quarter", "year", "weekday")
AGGREGATES = (
    "count",
    "count_distinct",
    "sum",
    "avg",
    "min",
    "max",
    "median",
    "percentile",
    "ratio",
)
CHART_TYPES = (
    "bar",
    "stacked_bar",
    "line",
    "area",
    "pie",
    "funnel",
    "gauge",
    "kpi",
    "table",
    "pivot",
)
DATE_RANGES = ("last_30_days", "last_90_days", "last_12_months", "this_year", "all")


@dataclass(frozen=True)
class Dimension:
    """One grouping: a field path, optionally bucketed by period or number range."""

    field: str
    bucket: str | None = None
    ranges: tuple[float, ...] = ()
    label: Any = None

    @property
    def name(self) -> str:
        """The result column's name: the field path, plus the bucket when there is one."""
        return f"{self.field}:{self.bucket}" if self.bucket else self.field


@dataclass(frozen=True)
class Format:
    """How a measure's numbers are shown: decimals, unit and percent."""

    decimals: int | None = None
    unit: str = ""
    percent: bool = False


@dataclass(frozen=True)
class Measure:
    """One number per group: an aggregate, a ratio of two measures, or a named KPI."""

    key: str
    aggregate: str = "count"
    field: str | None = None
    percentile: float | None = None
    numerator: str | None = None
    denominator: str | None = None
    kpi: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    filter: str | None = None
    label: Any = None
    format: Format = Format()

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)

    def label_for(self, locale: str) -> str:
        return label_text(self.label, locale) or self.key


@dataclass(frozen=True)
class SortKey:
    """Order result rows by a measure key or a dimension field."""

    by: str
    descending: bool = False


@dataclass(frozen=True)
class ReportDef:
    """A report: source form, filter, dimensions, measures, sort, limit and chart."""

    key: str
    label: Any
    form: str
    filter: str | None
    date_field: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    sort: tuple[SortKey, ...]
    limit: int
    chart: str
    chart_options: tuple[tuple[str, Any], ...]
    raw: dict[str, Any]

    def label_for(self, locale: str) -> str:
        return label_text(self.label, locale) or self.key

    def measure(self, key: str) -> Measure:
        for item in self.measures:
            if item.key == key:
                return item
        raise KeyError(key)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ReportDef:
        """Load a report body that passed ``schemas/report.schema.json``."""
        chart = dict(body.get("chart") or {})
        return cls(
            key=body["key"],
            label=body.get("label"),
            form=body.get("form", ""),
            filter=(body.get("filter") or None),
            date_field=body.get("date_field") or "created_at",
            dimensions=tuple(_dimension(item) for item in body.get("dimensions") or ()),
            measures=tuple(_measure(item) for item in body.get("measures") or ({"key": "count"},)),
            sort=tuple(
                SortKey(item["by"], bool(item.get("descending"))) for item in body.get("sort") or ()
            ),
            limit=int(body.get("limit") or DEFAULT_LIMIT),
            chart=str(chart.pop("type", "bar")),
            chart_options=tuple(sorted(chart.items())),
            raw=body,
        )


def _dimension(item: dict[str, Any]) -> Dimension:
    return Dimension(
        field=item["field"],
        bucket=item.get("bucket"),
        ranges=tuple(float(x) for x in item.get("ranges") or ()),
        label=item.get("label"),
    )


def _measure(item: dict[str, Any]) -> Measure:
    fmt = item.get("format") or {}
    return Measure(
        key=item["key"],
        aggregate=item.get("aggregate") or ("ratio" if item.get("numerator") else "count"),
        field=item.get("field"),
        percentile=item.get("percentile"),
        numerator=item.get("numerator"),
        denominator=item.get("denominator"),
        kpi=item.get("kpi"),
        params=tuple(sorted((item.get("params") or {}).items())),
        filter=item.get("filter") or None,
        label=item.get("label"),
        format=Format(fmt.get("decimals"), str(fmt.get("unit") or ""), bool(fmt.get("percent"))),
    )


@dataclass(frozen=True)
class Widget:
    """One dashboard cell: a report, its width in twelfths, an optional title and, when the
    dashboard designer arranged it, its place (column ``x``, row ``y``) and height in rows."""

    report: str
    width: int = 6
    title: Any = None
    x: int | None = None
    y: int | None = None
    height: int | None = None

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> Widget:
        width = min(max(int(item.get("width") or 6), 1), 12)
        x = item.get("x")
        return cls(
            report=item["report"],
            width=width,
            title=item.get("title"),
            # A widget never sticks out of the twelve columns.
            x=None if x is None else min(max(int(x), 0), 12 - width),
            y=None if item.get("y") is None else max(int(item["y"]), 0),
            height=None if item.get("height") is None else max(int(item["height"]), 1),
        )


@dataclass(frozen=True)
class DashboardDef:
    """A dashboard: widgets in reading order and the filters they share."""

    key: str
    label: Any
    widgets: tuple[Widget, ...]
    date_range: str
    selects: tuple[str, ...]

    def label_for(self, locale: str) -> str:
        return label_text(self.label, locale) or self.key

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> DashboardDef:
        """Load a dashboard body that passed ``schemas/dashboard.schema.json``."""
        filters = body.get("filters") or {}
        return cls(
            key=body["key"],
            label=body.get("label"),
            widgets=_reading_order(Widget.from_dict(item) for item in body.get("widgets") or ()),
            date_range=filters.get("date_range") or "all",
            selects=tuple(filters.get("selects") or ()),
        )

    @property
    def arranged(self) -> bool:
        """Whether every widget has a place on the grid (else they flow in reading order)."""
        return bool(self.widgets) and all(w.x is not None and w.y is not None for w in self.widgets)


def _reading_order(widgets: Any) -> tuple[Widget, ...]:
    """Placed widgets top to bottom, then left to right (how a phone stacks them)."""
    items = list(widgets)
    if items and all(w.x is not None and w.y is not None for w in items):
        items.sort(key=lambda w: (w.y, w.x))
    return tuple(items)
