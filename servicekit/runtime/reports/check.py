"""Static checks of report and dashboard metadata, run on drafts, at publish and at install.

Each problem names the JSON path and says what is wrong and what to do: unknown fields,
text fields summed, filters that do not type-check, fields hidden from every reader.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from servicekit.runtime.reports import first_time_fix, sla_kpis
from servicekit.runtime.reports.fields import GROUPABLE, FieldPath, PathError, resolve
from servicekit.runtime.reports.kpis import KPIS, kpi_params
from servicekit.runtime.reports.model import BUCKETS, ReportDef
from servicekit.runtime.rules import RuleError, compile_rule

Found = Iterator[tuple[str, str]]
Forms = Mapping[str, list[dict[str, Any]]]
NUMERIC_AGGREGATES = ("sum", "avg", "median", "percentile")


def report_problems(
    body: Mapping[str, Any], forms: Forms, form_bodies: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(json path, message)`` for everything wrong with one report body."""
    return list(_report(body, forms, form_bodies))


def _report(body: Mapping[str, Any], forms: Forms, form_bodies: Mapping[str, Any]) -> Found:
    form = body.get("form")
    if not form:
        yield "$.form", "A report needs the key of the form it reads."
        return
    if form not in forms:
        known = ", ".join(sorted(forms)) or "none"
        yield "$.form", f"Form '{form}' is not in this app (forms: {known})."
        return
    report = ReportDef.from_dict(dict(body))
    hidden = _hidden_from_everyone(form_bodies.get(form) or {})
    if report.filter:
        yield from _rule(report.filter, form, forms, "$.filter")
    date = _path(report.date_field, form, forms, "$.date_field", hidden)
    if isinstance(date, str):
        yield "$.date_field", date
    elif date.value_type not in ("date", "datetime"):
        yield (
            "$.date_field",
            f"'{report.date_field}' is {date.value_type}; the date range needs a date or datetime field.",
        )
    for index, dim in enumerate(report.dimensions):
        yield from _dimension(dim.field, dim.bucket, dim.ranges, form, forms, index, hidden)
    keys = [m.key for m in report.measures]
    for index, measure in enumerate(report.measures):
        here = f"$.measures[{index}]"
        if keys.count(measure.key) > 1:
            yield f"{here}.key", f"Measure key '{measure.key}' is used twice; keys must be unique."
        if measure.filter:
            yield from _rule(measure.filter, form, forms, f"{here}.filter")
        if measure.kpi:
            yield from _kpi(measure, form, forms, here, hidden)
            continue
        if measure.aggregate == "ratio":
            for part in ("numerator", "denominator"):
                name = getattr(measure, part)
                if not name or name not in keys:
                    yield (
                        f"{here}.{part}",
                        f"A ratio needs the key of another measure of this report as its {part} (known: {', '.join(keys)}).",
                    )
                elif name == measure.key:
                    yield f"{here}.{part}", "A ratio cannot divide by or into itself."
            continue
        if measure.aggregate == "percentile" and measure.percentile is None:
            yield f"{here}.percentile", "A percentile needs its fraction, e.g. 0.9."
        if not measure.field:
            if measure.aggregate != "count":
                yield f"{here}.field", f"{measure.aggregate} needs a field to aggregate."
            continue
        found = _path(measure.field, form, forms, f"{here}.field", hidden, subform=True)
        if isinstance(found, str):
            yield f"{here}.field", found
        elif measure.aggregate in NUMERIC_AGGREGATES and not found.is_number:
            yield (
                f"{here}.field",
                f"'{measure.field}' is a {found.value_type} field and cannot be {_verb(measure.aggregate)}; "
                "pick a number field or use count or count_distinct.",
            )
        elif found.value_type not in GROUPABLE:
            yield (
                f"{here}.field",
                f"'{measure.field}' is a {found.value_type} field, which reports cannot aggregate.",
            )
    names = {*keys, *(d.field for d in report.dimensions), *(d.name for d in report.dimensions)}
    for index, key in enumerate(report.sort):
        if key.by not in names:
            yield (
                f"$.sort[{index}].by",
                f"'{key.by}' is neither a measure key nor a dimension field of this report.",
            )


def _verb(aggregate: str) -> str:
    return {"sum": "summed", "avg": "averaged"}.get(aggregate, f"aggregated with {aggregate}")


def _dimension(
    field: str,
    bucket: str | None,
    ranges: tuple[float, ...],
    form: str,
    forms: Forms,
    index: int,
    hidden: frozenset[str],
) -> Found:
    here = f"$.dimensions[{index}]"
    found = _path(field, form, forms, f"{here}.field", hidden)
    if isinstance(found, str):
        yield f"{here}.field", found
        return
    if found.value_type not in GROUPABLE:
        yield (
            f"{here}.field",
            f"'{field}' is a {found.value_type} field, which cannot be grouped by.",
        )
    if bucket and found.value_type not in ("date", "datetime"):
        yield (
            f"{here}.bucket",
            f"'{field}' is {found.value_type}; only date and datetime fields have {bucket} buckets.",
        )
    if bucket and bucket not in BUCKETS:
        yield f"{here}.bucket", f"Unknown bucket '{bucket}'."
    if ranges:
        if found.value_type not in ("integer", "decimal", "number", "duration"):
            yield (
                f"{here}.ranges",
                f"'{field}' is {found.value_type}; only number fields have ranges.",
            )
        if list(ranges) != sorted(set(ranges)):
            yield f"{here}.ranges", "Range boundaries must be ascending and different."


def _kpi(measure: Any, form: str, forms: Forms, here: str, hidden: frozenset[str]) -> Found:
    kpi = KPIS.get(str(measure.kpi))
    if kpi is None:
        yield f"{here}.kpi", f"Unknown KPI '{measure.kpi}' (known: {', '.join(sorted(KPIS))})."
        return
    params = kpi_params(kpi.name, measure)
    for name in kpi.field_params:
        found = _path(str(params[name]), form, forms, f"{here}.params.{name}", hidden)
        if isinstance(found, str):
            yield f"{here}.params.{name}", f"{found} (KPI {kpi.name} reads it; set params.{name})."
    if kpi.name in ("average_satisfaction", "nps"):
        found = _path(str(params["field"]), form, forms, "", hidden)
        if not isinstance(found, str) and not found.is_number:
            yield (
                f"{here}.params.field",
                f"KPI {kpi.name} needs a number or a select with number values; '{params['field']}' is {found.value_type}.",
            )
    if kpi.name == "backlog":
        yield from _rule(str(params["open_if"]), form, forms, f"{here}.params.open_if")
        closed = params.get("closed_field")
        if closed:
            found = _path(str(closed), form, forms, "", hidden)
            if isinstance(found, str):
                yield f"{here}.params.closed_field", found
            elif found.value_type not in ("date", "datetime"):
                yield (
                    f"{here}.params.closed_field",
                    f"'{closed}' is {found.value_type}; closed_field must say when a record "
                    "closed (a date or datetime field).",
                )
    if kpi.name == "first_time_fix_rate":
        yield from first_time_fix.problems(
            params,
            lambda text: _path(text, form, forms, "", hidden),
            lambda text, where: _rule(text, form, forms, where),
            here,
        )
    if kpi.name in ("sla_met", "sla_breaches"):
        problem = sla_kpis.target_problem(params.get("target"))
        if problem:
            yield f"{here}.params.target", problem + "."
    if kpi.name == "spare_part_cost":
        sub = next((f for f in forms[form] if f.get("key") == params["subform"]), None)
        if sub is None or sub.get("type") != "subform":
            yield (
                f"{here}.params.subform",
                f"KPI spare_part_cost needs a subform; '{params['subform']}' is not one of form '{form}'.",
            )
        else:
            children = {f.get("key") for f in sub.get("fields") or ()}
            for name in ("quantity", "price"):
                if params[name] not in children:
                    yield (
                        f"{here}.params.{name}",
                        f"Subform '{params['subform']}' has no field '{params[name]}'.",
                    )


def _path(
    text: str, form: str, forms: Forms, where: str, hidden: frozenset[str], *, subform: bool = False
) -> FieldPath | str:
    try:
        found = resolve(text, form, forms, allow_subform=subform)
    except PathError as exc:
        return f"Unknown field: {exc}."
    if found.first in hidden:
        return f"'{found.first}' is hidden from every role that reads form '{form}', so no one but an admin could run this report."
    return found


def _rule(text: str, form: str, forms: Forms, where: str) -> Found:
    try:
        rule = compile_rule(text, forms[form], forms=forms, expect="boolean")
    except RuleError as exc:
        for problem in exc.problems:
            yield (
                where,
                f"The filter does not type-check: line {problem.line}, column {problem.column}: {problem.message}.",
            )
        return
    if not rule.can_filter:
        reasons = (
            "; ".join(p.message for p in rule.sql_problems) or "it is not a true/false condition"
        )
        yield where, f"The filter cannot run in the database: {reasons}."


def _hidden_from_everyone(form_body: Mapping[str, Any]) -> frozenset[str]:
    """Fields every reading role has hidden (no role grants reading: nothing to say)."""
    rights = [
        (permission or {}).get("fields") or {}
        for permission in (form_body.get("permissions") or {}).values()
        if (permission or {}).get("read")
    ]
    if not rights:
        return frozenset()
    common = {key for key, right in rights[0].items() if right == "hidden"}
    for other in rights[1:]:
        common &= {key for key, right in other.items() if right == "hidden"}
    return frozenset(common)


def dashboard_problems(
    body: Mapping[str, Any], reports: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(json path, message)`` for a dashboard: every widget must show a report of this app."""
    problems = []
    for index, widget in enumerate(body.get("widgets") or ()):
        key = widget.get("report") if isinstance(widget, dict) else None
        if key not in reports:
            known = ", ".join(sorted(reports)) or "none"
            problems.append(
                (
                    f"$.widgets[{index}].report",
                    f"Report '{key}' is not in this app (reports: {known}).",
                )
            )
    return problems
