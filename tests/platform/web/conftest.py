"""An installed app (app and form metadata rows) for the shell's navigation tests."""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.models.apps import InstalledApp, MetadataDocument

APP_BODY: dict[str, Any] = {
    "key": "after_sales",
    "label": {"zh": "售后服务", "en": "After-sales service"},
    "description": {"zh": "报修与上门维修", "en": "Repair requests and field visits"},
    "icon": "wrench",
    "roles": [
        {"key": "dispatcher", "label": {"zh": "调度员", "en": "Dispatcher"}},
        {"key": "engineer", "label": {"zh": "工程师", "en": "Engineer"}},
    ],
    "navigation": [
        {"key": "orders", "label": {"zh": "工单", "en": "Work orders"}, "form": "work_order"},
        {"key": "kpi", "label": {"zh": "服务看板", "en": "Service board"}, "dashboard": "kpi"},
    ],
}

FORM_BODY: dict[str, Any] = {
    "key": "work_order",
    "label": {"zh": "维修工单", "en": "Repair work order"},
    "fields": [
        {
            "key": "subject",
            "type": "text",
            "label": {"zh": "主题", "en": "Subject"},
            "required": True,
        },
        {"key": "priority", "type": "select", "label": "优先级"},
    ],
}


def install_app_rows(app) -> None:  # type: ignore[no-untyped-def]
    """Insert an installed app with one published app document and one form document."""
    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        session.add(InstalledApp(key="after_sales", version="1.0.0", position=0, installed_at=now))
        for kind, key, body in (
            ("app", "after_sales", APP_BODY),
            ("form", "work_order", FORM_BODY),
        ):
            session.add(
                MetadataDocument(
                    app_key="after_sales",
                    kind=kind,
                    key=key,
                    version=1,
                    status="published",
                    body=body,
                    checksum="0" * 64,
                    created_at=now,
                )
            )


@pytest.fixture
def installed_app(app):  # type: ignore[no-untyped-def]
    install_app_rows(app)
    return app
