"""What a report request needs: the published report or dashboard, the app's forms, the reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.orm import Session

from servicekit.platform.db import get_session
from servicekit.platform.web.i18n import current_locale
from servicekit.platform.web.navigation import find_app, latest_published_body
from servicekit.runtime.forms import AppForms, actor_for, form_access, load_app_forms
from servicekit.runtime.reports import DashboardDef, ReportDef, Viewer

MAX_KEY = 40


@dataclass(frozen=True)
class ReportScope:
    """One request's reader, clock, zone and language, over one app's published forms."""

    app_key: str
    app_label: str
    session: Session
    forms: AppForms
    viewer: Viewer
    locale: str

    @property
    def today(self) -> date:
        return self.viewer.now.astimezone(self.viewer.tz).date()

    def can_read(self, report: ReportDef) -> bool:
        """Whether the reader may read the report's form at all (else the report is a 404)."""
        source = self.forms.sources.get(report.form)
        if source is None or source.form is None:
            return False
        return form_access(source.form, self.viewer.actor).allows("read")

    def report(self, key: str) -> ReportDef:
        """A published report the reader may use; 404 otherwise."""
        body = latest_published_body(self.session, self.app_key, "report", key[:MAX_KEY])
        if not isinstance(body, dict):
            abort(404)
        report = ReportDef.from_dict(body)
        if not self.can_read(report):
            abort(404)
        return report

    def dashboard(self, key: str) -> DashboardDef:
        body = latest_published_body(self.session, self.app_key, "dashboard", key[:MAX_KEY])
        if not isinstance(body, dict):
            abort(404)
        return DashboardDef.from_dict(body)

    def report_or_none(self, key: str) -> ReportDef | None:
        body = latest_published_body(self.session, self.app_key, "report", key[:MAX_KEY])
        if not isinstance(body, dict):
            return None
        report = ReportDef.from_dict(body)
        return report if self.can_read(report) else None


def report_scope(app_key: str) -> ReportScope:
    """The scope for this request; 404 for an app that is not installed."""
    session = get_session()
    locale = current_locale()
    app = find_app(session, app_key[:MAX_KEY], locale)
    if app is None:
        abort(404)
    now: datetime = current_app.extensions["servicekit.clock"].now()
    tz = ZoneInfo(current_app.config["SERVICEKIT_TIMEZONE"])
    return ReportScope(
        app_key=app.key,
        app_label=app.label,
        session=session,
        forms=load_app_forms(session, app.key),
        viewer=Viewer(actor_for(current_user, app.key), now, tz),
        locale=locale,
    )


def select_fields(scope: ReportScope, form_key: str, keys: Any = None) -> list[dict[str, Any]]:
    """Select fields of a form offered as filters: ``keys`` if given, else all visible ones."""
    from servicekit.platform.metadata.forms import label_text

    source = scope.forms.sources.get(form_key)
    if source is None or source.form is None:
        return []
    hidden = form_access(source.form, scope.viewer.actor).hidden
    out = []
    for item in source.fields:
        if item.type != "select" or item.key in hidden:
            continue
        if keys is not None and item.key not in keys:
            continue
        out.append(
            {
                "key": item.key,
                "label": item.label_for(scope.locale),
                "options": [
                    (
                        str(o.get("value")),
                        label_text(o.get("label"), scope.locale) or str(o.get("value")),
                    )
                    for o in item.raw.get("options") or ()
                ],
            }
        )
    return out
