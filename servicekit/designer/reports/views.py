"""Report and dashboard designer pages, the field list of a source form, and the draft preview.

Drafts are loaded and saved through the designer's draft API (autosave); these views only
serve the editors and run a draft report on real records for the builder. Access (builders
and admins only) is the designer shell's check, which covers every ``designer_*`` route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from servicekit.designer.reports.blueprint import bp
from servicekit.designer.reports.catalog import field_catalog
from servicekit.designer.reports.documents import app_exists, working_bodies
from servicekit.designer.reports.preview import preview_report
from servicekit.platform.db import get_session
from servicekit.platform.metadata.forms import label_text
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.rendering import render
from servicekit.runtime.forms import actor_for, load_app_forms
from servicekit.runtime.reports import KPIS, Viewer
from servicekit.runtime.reports.model import AGGREGATES, BUCKETS, CHART_TYPES, DATE_RANGES

MAX_KEY = 40
MAX_BODY = 200_000  # bytes of JSON in a preview request


def _app(app_key: str) -> str:
    if len(app_key) > MAX_KEY or not app_exists(get_session(), app_key):
        abort(404)
    return app_key


def _key(key: str) -> str:
    if not key or len(key) > MAX_KEY:
        abort(404)
    return key


def _api(app_key: str, kind: str, key: str, action: str) -> str:
    """A URL of the shared draft API (``/designer/api/apps/<app>/<kind>/<key>/<action>``)."""
    return f"/designer/api/apps/{app_key}/{kind}/{key}/{action}"


def _forms(app_key: str, locale: str) -> list[dict[str, str]]:
    bodies = working_bodies(get_session(), app_key, "form")
    return [{"key": k, "label": label_text(b.get("label"), locale) or k} for k, b in bodies.items()]


@bp.get("/apps/<app_key>/reports/<report_key>")
def report_designer(app_key: str, report_key: str) -> Response:
    """The report designer: source form, field list, dimensions, measures, chart and preview."""
    app_key, report_key = _app(app_key), _key(report_key)
    locale = current_locale()
    config = {
        "app": app_key,
        "key": report_key,
        "forms": _forms(app_key, locale),
        "kpis": sorted(KPIS),
        "aggregates": list(AGGREGATES),
        "buckets": list(BUCKETS),
        "charts": list(CHART_TYPES),
        "draftUrl": _api(app_key, "report", report_key, "draft"),
        "previewUrl": url_for(
            "designer_reports.report_preview", app_key=app_key, report_key=report_key
        ),
        "fieldsUrl": url_for("designer_reports.report_fields", app_key=app_key, form_key="FORM"),
        "ruleCheckUrl": f"/designer/api/apps/{app_key}/rules/check",
    }
    return render(
        "designer/reports/report.html", app_key=app_key, report_key=report_key, config=config
    )


@bp.get("/api/apps/<app_key>/report-fields/<form_key>")
def report_fields(app_key: str, form_key: str) -> Response:
    """The field list of one form (its draft if it has one) for the report designer."""
    app_key, form_key = _app(app_key), _key(form_key)
    bodies = working_bodies(get_session(), app_key, "form")
    if form_key not in bodies:
        abort(404)
    fields = {key: body.get("fields") or [] for key, body in bodies.items()}
    return jsonify({"form": form_key, "fields": field_catalog(form_key, fields, current_locale())})


@bp.post("/api/apps/<app_key>/reports/<report_key>/preview")
def report_preview(app_key: str, report_key: str) -> Response:
    """Run the posted draft body on real records with the builder's rights (nothing is saved).

    200 with chart data; 422 with problems (JSON paths) when the body cannot run; 403 when
    it uses a field hidden from this builder.
    """
    app_key, report_key = _app(app_key), _key(report_key)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    payload = request.get_json(silent=True)
    body = payload.get("body") if isinstance(payload, dict) else None
    outcome = _preview(app_key, body)
    status = 200 if outcome.data is not None else 403 if outcome.refused else 422
    response = jsonify(outcome.to_json())
    response.status_code = status
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _preview(app_key: str, body: Any) -> Any:
    session = get_session()
    now: datetime = current_app.extensions["servicekit.clock"].now()
    viewer = Viewer(
        actor_for(current_user, app_key), now, ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    )
    form = body.get("form") if isinstance(body, dict) else None
    return preview_report(
        session,
        load_app_forms(session, app_key),
        body,
        viewer,
        locale=current_locale(),
        unpublished_form=_(
            "Form '%(form)s' is not published yet, so it has no records to preview; "
            "publish it first.",
            form=str(form),
        ),
    )


@bp.get("/api/apps/<app_key>/reports/<report_key>/chart")
def report_chart(app_key: str, report_key: str) -> Response:
    """Chart data of a report's working body (its draft, else its published version) for the
    dashboard designer's widgets; errors answer with the first problem as text."""
    app_key, report_key = _app(app_key), _key(report_key)
    body = working_bodies(get_session(), app_key, "report").get(report_key)
    if body is None:
        abort(404)
    outcome = _preview(app_key, body)
    if outcome.data is None:
        first = outcome.problems[0]
        abort(403 if outcome.refused else 422, description=f"{first['path']}: {first['message']}")
    response = jsonify(outcome.data)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/apps/<app_key>/dashboards/<dashboard_key>")
def dashboard_designer(app_key: str, dashboard_key: str) -> Response:
    """The dashboard designer: the app's reports to drag onto a grid, shared filters."""
    app_key, dashboard_key = _app(app_key), _key(dashboard_key)
    locale = current_locale()
    session = get_session()
    reports = [
        {
            "key": key,
            "label": label_text(body.get("label"), locale) or key,
            "chart": str((body.get("chart") or {}).get("type") or "bar"),
            "form": str(body.get("form") or ""),
        }
        for key, body in working_bodies(session, app_key, "report").items()
    ]
    selects: list[dict[str, str]] = []
    for form_key, body in working_bodies(session, app_key, "form").items():
        for item in body.get("fields") or ():
            if item.get("type") == "select" and item.get("key"):
                if not any(s["key"] == item["key"] for s in selects):
                    label = label_text(item.get("label"), locale) or item["key"]
                    selects.append({"key": str(item["key"]), "label": label, "form": form_key})
    config: dict[str, Any] = {
        "app": app_key,
        "key": dashboard_key,
        "reports": reports,
        "selects": selects,
        "dateRanges": list(DATE_RANGES),
        "draftUrl": _api(app_key, "dashboard", dashboard_key, "draft"),
        "chartUrl": url_for("designer_reports.report_chart", app_key=app_key, report_key="REPORT"),
    }
    return render(
        "designer/reports/dashboard.html",
        app_key=app_key,
        dashboard_key=dashboard_key,
        config=config,
    )
