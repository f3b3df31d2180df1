"""Fixtures for the form designer: a small app with a published form and a draft."""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import add_version, save_draft

APP = "repairs"

CUSTOMER: dict[str, Any] = {
    "key": "customer",
    "label": {"zh": "客户", "en": "Customer"},
    "fields": [
        {"key": "name", "type": "text", "label": {"zh": "名称", "en": "Name"}},
        {"key": "level", "type": "text", "label": {"zh": "等级", "en": "Level"}},
    ],
}

REQUEST: dict[str, Any] = {
    "key": "request",
    "label": {"zh": "报修单", "en": "Repair request"},
    "fields": [
        {"key": "subject", "type": "text", "label": {"zh": "主题", "en": "Subject"}},
        {"key": "qty", "type": "integer", "label": {"zh": "数量", "en": "Quantity"}},
        {"key": "price", "type": "decimal", "scale": 2, "label": {"zh": "单价", "en": "Price"}},
        {
            "key": "priority",
            "type": "select",
            "label": {"zh": "优先级", "en": "Priority"},
            "options": [{"value": "low", "label": "Low"}, {"value": "urgent", "label": "Urgent"}],
        },
        {"key": "customer", "type": "lookup", "form": "customer", "label": "Customer"},
        {
            "key": "parts",
            "type": "subform",
            "label": {"zh": "备件", "en": "Parts"},
            "fields": [
                {"key": "amount", "type": "integer", "label": {"zh": "件数", "en": "Amount"}},
            ],
        },
    ],
}


def seed_documents(app) -> None:  # type: ignore[no-untyped-def]
    """Publish ``customer``; keep ``request`` as a draft only (it was never published)."""
    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        add_version(session, APP, "form", "customer", CUSTOMER, author_id=None, now=now)
        save_draft(session, APP, "form", "request", REQUEST, author_id=None, now=now)


@pytest.fixture
def seeded(app):  # type: ignore[no-untyped-def]
    seed_documents(app)
    return app
