"""Report pages, dashboards, their JSON data (with drill-down links) and CSV/XLSX exports.

Pages are plain GET forms that htmx upgrades (the filter form swaps the body fragment);
the charts fetch ``…/data`` and draw it with ECharts; every cell and bar links to the
record list filtered to the records behind it.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from servicekit.platform.web.rendering import render
from servicekit.runtime.reports import (
    PageFilters,
    ReportDef,
    ReportError,
    ReportRefused,
    ReportResult,
    drill_rule,
    get_report_cache,
    run_report,
)
from servicekit.workspace.reports.blueprint import bp
from servicekit.workspace.reports.formatting import format_value
from servicekit.workspace.reports.loading import ReportScope, report_scope, select_fields
from servicekit.workspace.reports.params import PageState, read_state

# A CSV cell starting with one of these runs as a formula in spreadsheet programs.
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def _state(scope: ReportScope, default_range: str, select_keys: tuple[str, ...]) -> PageState:
    return read_state(request.args, default_range, scope.today, select_keys)


def _report_selects(scope: ReportScope, report: ReportDef) -> list[dict[str, Any]]:
    """Select filters of a report page: its select dimensions on the form itself."""
    keys = [d.field for d in report.dimensions if "." not in d.field and not d.bucket]
    return select_fields(scope, report.form, keys)


def _run(scope: ReportScope, report: ReportDef, filters: PageFilters) -> ReportResult:
    from flask import current_app

    try:
        return run_report(
            scope.session,
            scope.forms,
            report,
            scope.viewer,
            locale=scope.locale,
            filters=filters,
            cache=get_report_cache(current_app),
        )
    except ReportRefused as exc:
        abort(403, description=exc.message)
    except ReportError as exc:
        abort(422, description=str(exc))


def _drill_url(
    scope: ReportScope, report: ReportDef, state: PageState, row: Any, measure: str
) -> str:
    rule = drill_rule(
        report,
        scope.forms,
        list(row.keys),
        labels=list(row.labels),
        measure=measure,
        filters=state.filters(scope.viewer.tz),
        tz=scope.viewer.tz,
    )
    base = url_for("records.list_page", app_key=scope.app_key, form_key=report.form)
    return f"{base}?{urlencode({'expr': rule})}"


@bp.get("/apps/<app_key>/reports/<report_key>")
def report_page(app_key: str, report_key: str) -> BaseResponse:
    """A report: filter controls, its chart and its data table (the body alone for htmx)."""
    scope = report_scope(app_key)
    report = scope.report(report_key)
    selects = _report_selects(scope, report)
    state = _state(scope, "all", tuple(s["key"] for s in selects))
    result = _run(scope, report, state.filters(scope.viewer.tz))
    return render(
        "reports/report.html",
        "reports/_report_body.html",
        **_report_context(scope, report, state, result),
        selects=selects,
    )


def _report_context(
    scope: ReportScope, report: ReportDef, state: PageState, result: ReportResult
) -> dict[str, Any]:
    query = state.query()
    table = [
        {
            "labels": row.labels,
            "cells": [
                (
                    format_value(value, column.measure.format),
                    _drill_url(scope, report, state, row, column.measure.key),
                )
                for value, column in zip(row.values, result.measures, strict=True)
                if column.measure is not None
            ],
        }
        for row in result.rows
    ]
    return {
        "pivot": _pivot(table) if report.chart == "pivot" and len(result.dimensions) == 2 else None,
        "app_key": scope.app_key,
        "app_label": scope.app_label,
        "report": report,
        "report_label": report.label_for(scope.locale),
        "state": state,
        "headings": result.headings,
        "table": table,
        "data_url": url_for(
            "reports.report_data", app_key=scope.app_key, report_key=report.key, **query
        ),
        "csv_url": url_for(
            "reports.report_export",
            app_key=scope.app_key,
            report_key=report.key,
            kind="csv",
            **query,
        ),
        "xlsx_url": url_for(
            "reports.report_export",
            app_key=scope.app_key,
            report_key=report.key,
            kind="xlsx",
            **query,
        ),
        "page_url": url_for("reports.report_page", app_key=scope.app_key, report_key=report.key),
    }


def _pivot(table: list[dict[str, Any]]) -> dict[str, Any]:
    """The first measure as a cross table: first dimension down, second across."""
    rows: list[str] = []
    columns: list[str] = []
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    for row in table:
        down, across = row["labels"][0], row["labels"][1]
        if down not in rows:
            rows.append(down)
        if across not in columns:
            columns.append(across)
        cells[(down, across)] = row["cells"][0]
    return {"rows": rows, "columns": columns, "cells": cells}


@bp.get("/apps/<app_key>/reports/<report_key>/data")
def report_data(app_key: str, report_key: str) -> BaseResponse:
    """The chart's data: headings, rows with labels, values and one drill-down URL per value."""
    scope = report_scope(app_key)
    report = scope.report(report_key)
    keys = tuple(k[2:] for k in request.args if k.startswith("f_"))
    state = _state(scope, "all", keys)
    result = _run(scope, report, state.filters(scope.viewer.tz))
    data = result.to_json()
    data["label"] = report.label_for(scope.locale)
    for row_json, row in zip(data["rows"], result.rows, strict=True):
        row_json["drill"] = [_drill_url(scope, report, state, row, m.key) for m in report.measures]
    if report.chart == "kpi":
        previous = state.previous(scope.viewer.tz)
        if previous is not None:
            before = _run(scope, report, previous).to_json()
            data["previous"] = before["rows"][0]["values"] if before["rows"] else None
    response = jsonify(data)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/apps/<app_key>/reports/<report_key>/export.<kind>")
def report_export(app_key: str, report_key: str, kind: str) -> BaseResponse:
    """The result table as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    if kind not in ("csv", "xlsx"):
        abort(404)
    scope = report_scope(app_key)
    report = scope.report(report_key)
    keys = tuple(k[2:] for k in request.args if k.startswith("f_"))
    state = _state(scope, "all", keys)
    result = _run(scope, report, state.filters(scope.viewer.tz))
    rows = [[*row.labels, *row.values] for row in result.rows]
    name = f"{report.key}.{kind}"
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_text(h) for h in result.headings])
        for row in rows:
            writer.writerow(
                [_text(v) if isinstance(v, str) else ("" if v is None else str(v)) for v in row]
            )
        body = "\ufeff" + out.getvalue()
        response = Response(body.encode("utf-8"), mimetype="text/csv")
    else:
        response = Response(
            _xlsx(report.label_for(scope.locale), result.headings, rows), mimetype=XLSX
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text(value: str) -> str:
    """A text cell spreadsheet programs show as text, never run as a formula."""
    return "'" + value if _FORMULA_START.match(value) else value


def _xlsx(title: str, headings: list[str], rows: list[list[Any]]) -> bytes:
    from datetime import date, datetime
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet((re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Report")[:31])

    def cells(values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for value in values:
            if value is None:
                out.append(None)
            elif isinstance(value, bool) or not isinstance(value, int | Decimal | datetime | date):
                # Text stays text, so '=...' never becomes a formula.
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
                cell.data_type = "s"
                out.append(cell)
            elif isinstance(value, datetime):
                out.append(value.replace(tzinfo=None))
            else:
                out.append(value)
        return out

    sheet.append(cells(list(headings)))
    for row in rows:
        sheet.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@bp.get("/apps/<app_key>/dashboards/<dashboard_key>")
def dashboard_page(app_key: str, dashboard_key: str) -> BaseResponse:
    """A dashboard: shared filters over a grid of widgets (the grid alone for htmx)."""
    scope = report_scope(app_key)
    dashboard = scope.dashboard(dashboard_key)
    widgets = []
    forms_seen: list[str] = []
    for widget in dashboard.widgets:
        report = scope.report_or_none(widget.report)
        if report is None:
            continue  # a widget over a form the reader may not read is left out
        widgets.append((widget, report))
        if report.form not in forms_seen:
            forms_seen.append(report.form)
    selects: list[dict[str, Any]] = []
    for key in dashboard.selects:
        for form_key in forms_seen:
            found = select_fields(scope, form_key, [key])
            if found:
                selects.append(found[0])
                break
    state = _state(scope, dashboard.date_range, tuple(s["key"] for s in selects))
    query = state.query()
    cards = [
        {
            "key": report.key,
            "title": _label(widget.title, scope.locale) or report.label_for(scope.locale),
            "width": widget.width,
            # Where the dashboard designer placed it (used from tablet width up).
            "x": widget.x or 0,
            "y": widget.y or 0,
            "height": widget.height or (2 if report.chart == "kpi" else 4),
            "chart": report.chart,
            "data_url": url_for(
                "reports.report_data", app_key=scope.app_key, report_key=report.key, **query
            ),
            "report_url": url_for(
                "reports.report_page", app_key=scope.app_key, report_key=report.key, **query
            ),
        }
        for widget, report in widgets
    ]
    return render(
        "reports/dashboard.html",
        "reports/_dashboard_grid.html",
        app_key=scope.app_key,
        app_label=scope.app_label,
        dashboard_label=dashboard.label_for(scope.locale),
        page_url=url_for(
            "reports.dashboard_page", app_key=scope.app_key, dashboard_key=dashboard.key
        ),
        state=state,
        selects=selects,
        cards=cards,
        arranged=dashboard.arranged,
        empty=_("No widget of this dashboard is open to you."),
    )


def _label(value: Any, locale: str) -> str:
    from servicekit.platform.metadata.forms import label_text

    return label_text(value, locale) if value else ""
