"""Reports and dashboards: typed metadata, static checks, one SQL query per report, KPIs, cache."""

from __future__ import annotations

from typing import Any

from servicekit.runtime.reports.buckets import bucket_bounds, bucket_key, bucket_label, range_label
from servicekit.runtime.reports.cache import ResultCache, data_version
from servicekit.runtime.reports.check import dashboard_problems, report_problems
from servicekit.runtime.reports.compile import (
    Column,
    CompiledReport,
    PageFilters,
    SqlBuilder,
    Viewer,
    compile_report,
)
from servicekit.runtime.reports.engine import drill_rule, run_report
from servicekit.runtime.reports.errors import ReportError, ReportRefused
from servicekit.runtime.reports.kpis import KPIS, Kpi, register_kpi
from servicekit.runtime.reports.model import DashboardDef, Dimension, Measure, ReportDef, Widget
from servicekit.runtime.reports.results import ReportResult, ResultRow
from servicekit.runtime.reports.sla_kpis import SLA_KPIS, register_sla_kpis
from servicekit.runtime.reports.sqlite_functions import install_report_functions, percentile_cont

# Built in like the others; they read the platform's SLA timer rows.
register_sla_kpis()


def init_app(app: Any) -> None:
    """Register the report SQL functions on SQLite connections, the validators and the cache."""
    from servicekit.platform.metadata.problems import Problem

    def hook(connection: Any, dialect: str) -> None:
        if dialect == "sqlite":
            install_report_functions(connection)

    def check_reports(docset: Any) -> list[Problem]:
        forms = {key: body.get("fields", []) for key, body in docset.forms().items()}
        return [
            Problem(message, path, docset.file_of("report", key))
            for key, body in docset.bodies("report").items()
            for path, message in report_problems(body, forms, docset.forms())
        ]

    def check_dashboards(docset: Any) -> list[Problem]:
        reports = docset.bodies("report")
        return [
            Problem(message, path, docset.file_of("dashboard", key))
            for key, body in docset.bodies("dashboard").items()
            for path, message in dashboard_problems(body, reports)
        ]

    app.extensions["servicekit.db"].add_connect_hook(hook)
    app.extensions["servicekit.registry"].add_validator("report", check_reports)
    app.extensions["servicekit.registry"].add_validator("dashboard", check_dashboards)
    app.extensions["servicekit.reports.cache"] = ResultCache()


def get_report_cache(app: Any) -> ResultCache:
    """The app's report result cache."""
    return app.extensions["servicekit.reports.cache"]


__all__ = [
    "SLA_KPIS",
    "KPIS",
    "Column",
    "CompiledReport",
    "DashboardDef",
    "Dimension",
    "Kpi",
    "Measure",
    "PageFilters",
    "ReportDef",
    "ReportError",
    "ReportRefused",
    "ReportResult",
    "ResultCache",
    "ResultRow",
    "SqlBuilder",
    "Viewer",
    "Widget",
    "bucket_bounds",
    "bucket_key",
    "bucket_label",
    "compile_report",
    "dashboard_problems",
    "data_version",
    "drill_rule",
    "get_report_cache",
    "init_app",
    "install_report_functions",
    "percentile_cont",
    "range_label",
    "register_kpi",
    "report_problems",
    "run_report",
]
