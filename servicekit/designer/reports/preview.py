"""Run a report's draft body on the app's real records for one builder, without publishing it.

The body is checked first (schema, then the same static checks as publishing); a body with
problems is not run and its problems come back with their JSON paths. A clean body goes
through the report engine with the builder's own record scope and field rights, so the
preview shows exactly what this builder would see once it is published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import label_text
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.runtime.forms import AppForms
from servicekit.runtime.reports import (
    ReportDef,
    ReportError,
    ReportRefused,
    Viewer,
    report_problems,
    run_report,
)


@dataclass
class Preview:
    """The outcome: chart data (as the report page's data endpoint shapes it) or problems."""

    data: dict[str, Any] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)
    refused: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"data": self.data, "problems": self.problems, "refused": self.refused}


def _problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def preview_report(
    session: Session,
    forms: AppForms,
    body: Any,
    viewer: Viewer,
    *,
    locale: str,
    unpublished_form: str,
) -> Preview:
    """Check ``body`` and, when it is clean, run it for ``viewer`` on the published forms.

    ``unpublished_form`` is the message for a source form that has no table yet (it is
    translated by the caller, which knows the reader's language).
    """
    if not isinstance(body, dict):
        return Preview(problems=[_problem("$", "A report is a JSON object.")])
    found = [_problem(p.path, p.message) for p in schema_problems("report", body)]
    if found:
        return Preview(problems=found)
    form = body.get("form")
    if form and form not in forms.sources:
        return Preview(problems=[_problem("$.form", unpublished_form)])
    form_bodies = {
        key: source.form.raw for key, source in forms.sources.items() if source.form is not None
    }
    found = [_problem(path, msg) for path, msg in report_problems(body, forms.fields, form_bodies)]
    if found:
        return Preview(problems=found)
    report = ReportDef.from_dict(body)
    try:
        # No cache: a draft changes with every keystroke and is seen by one builder.
        result = run_report(session, forms, report, viewer, locale=locale)
    except ReportRefused as exc:
        return Preview(problems=[_problem(exc.path, exc.message)], refused=True)
    except ReportError as exc:
        return Preview(problems=[_problem(exc.path, exc.message)])
    data = result.to_json()
    data["label"] = label_text(report.label, locale) or report.key
    for row in data["rows"]:
        row["drill"] = [None] * len(report.measures)  # a draft has no record list to open
    return Preview(data=data)
