"""Run a report for a reader (cached), and write the rule that lists the records behind a cell."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from servicekit.platform.metadata.canonical import canonical_json
from servicekit.runtime.forms import AppForms
from servicekit.runtime.reports.buckets import bucket_bounds
from servicekit.runtime.reports.cache import ResultCache, data_version
from servicekit.runtime.reports.compile import PageFilters, Viewer, compile_report
from servicekit.runtime.reports.fields import PathError, resolve
from servicekit.runtime.reports.kpis import KPIS, kpi_params
from servicekit.runtime.reports.model import ReportDef
from servicekit.runtime.reports.results import ReportResult, execute


def run_report(
    session: Session,
    forms: AppForms,
    report: ReportDef,
    viewer: Viewer,
    *,
    locale: str = "en",
    filters: PageFilters | None = None,
    cache: ResultCache | None = None,
) -> ReportResult:
    """The report's result as ``viewer`` may see it; one query (plus label look-ups)."""
    filters = filters or PageFilters()
    dialect = session.get_bind().dialect.name
    compiled = compile_report(report, forms, viewer, dialect, filters)
    if cache is None:
        return execute(session, compiled, forms, report, locale)
    actor = viewer.actor
    key = (
        forms.app_key,
        forms.versions,
        canonical_json(report.raw),
        filters.cache_key(),
        actor.id,
        tuple(sorted(actor.roles)),
        actor.is_admin,
        locale,
        viewer.now.replace(second=0, microsecond=0),  # rules may read NOW()/TODAY()
        data_version(session, forms.sources[report.form]),
    )
    found = cache.get(key)
    if found is None:
        found = execute(session, compiled, forms, report, locale)
        cache.put(key, found)
    return found


def drill_rule(
    report: ReportDef,
    forms: AppForms,
    keys: list[Any],
    *,
    labels: list[str] | None = None,
    measure: str | None = None,
    filters: PageFilters | None = None,
    tz: Any = None,
) -> str:
    """A rule-language filter for the form's list that selects the records behind one cell.

    It repeats the report filter, the clicked measure's own filter, one condition per
    dimension key, and the page's filters; the list adds the reader's scope itself.
    """
    parts: list[str] = []
    if report.filter:
        parts.append(f"({report.filter})")
    if measure:
        chosen = report.measure(measure)
        if chosen.filter:
            parts.append(f"({chosen.filter})")
        if chosen.kpi in KPIS:
            condition = KPIS[chosen.kpi].drill(kpi_params(chosen.kpi, chosen))
            if condition:
                parts.append(f"({condition})")
    labels = labels or [""] * len(keys)
    for dim, key, label in zip(report.dimensions, keys, labels, strict=False):
        parts.append(_dimension_rule(report, forms, dim.field, dim.bucket, dim.ranges, key, label))
    filters = filters or PageFilters()
    if filters.start is not None and tz is not None:
        parts.append(f"{report.date_field} >= {_moment(filters.start.astimezone(tz))}")
    if filters.end is not None and tz is not None:
        parts.append(f"{report.date_field} < {_moment(filters.end.astimezone(tz))}")
    for field, value in filters.selects:
        try:
            resolve(field, report.form, forms.fields)
        except PathError:
            continue
        parts.append(f"{field} = {json.dumps(value, ensure_ascii=False)}")
    return " and ".join(parts) or "true"


def _dimension_rule(
    report: ReportDef,
    forms: AppForms,
    field: str,
    bucket: str | None,
    ranges: tuple[float, ...],
    key: Any,
    label: str,
) -> str:
    found = resolve(field, report.form, forms.fields)
    if key is None:
        return f"{field} = null"
    if bucket == "weekday":
        return f"WEEKDAY({field}) = {int(key)}"
    if bucket:
        bounds = bucket_bounds(key, bucket)
        assert bounds is not None
        make = _date if found.value_type == "date" else _moment
        return f"{field} >= {make(bounds[0])} and {field} < {make(bounds[1])}"
    if ranges:
        index = int(key)
        low = [f"{field} >= {_n(ranges[index - 1])}"] if index > 0 else []
        high = [f"{field} < {_n(ranges[index])}"] if index < len(ranges) else []
        return " and ".join(low + high)
    if found.value_type == "lookup":
        # Lookups group by record id, which the rule language cannot name; the label is
        # the target's display field (or its number), which it can.
        target = forms.fields.get(str(found.raw.get("form")), [])
        display = str(found.raw.get("display") or "")
        display = display if any(f.get("key") == display for f in target) else "number"
        return f"{field}.{display} = {json.dumps(label, ensure_ascii=False)}"
    if isinstance(key, bool):
        return f"{field} = {'true' if key else 'false'}"
    if isinstance(key, int | float):
        return f"{field} = {key}"
    return f"{field} = {json.dumps(str(key), ensure_ascii=False)}"


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _date(moment: Any) -> str:
    return f"DATE({moment.year}, {moment.month}, {moment.day})"


def _moment(moment: Any) -> str:
    return (
        f"DATETIME({moment.year}, {moment.month}, {moment.day}, {moment.hour}, "
        f"{moment.minute}, {moment.second})"
    )
