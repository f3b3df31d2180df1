"""Fixtures for the record pages: the after-sales sample app installed, users with app roles."""

from __future__ import annotations

import re
from typing import Any

import pytest

from servicekit.platform.db import get_db
from tests.conftest import ensure_user
from tests.platform.packages.conftest import SAMPLE_APP, install

BASE = "/apps/after_sales/forms/work_order"


@pytest.fixture
def sample(app):  # type: ignore[no-untyped-def]
    """The after-sales app with its seeded records."""
    install(app, SAMPLE_APP)
    return app


def grant(app, login: str, *roles: str, **extra: Any) -> int:  # type: ignore[no-untyped-def]
    """Create ``login`` (not an admin) holding ``roles`` in the after-sales app; its id."""
    from servicekit.platform.accounts import get_user_by_login, grant_app_role

    user_id = ensure_user(app, login, platform_roles=(), **extra)
    with get_db(app).transaction() as session:
        user = get_user_by_login(session, login)
        for role in roles:
            if role not in user.roles_in("after_sales"):
                grant_app_role(session, user, "after_sales", role)
    return user_id


def page_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def first_id(app, form: str = "customer") -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with get_db(app).engine.connect() as connection:
        return int(
            connection.execute(text(f"SELECT min(id) FROM rec_after_sales_{form}")).scalar_one()
        )


def work_order_form(customer_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid submission of the work-order form, with ``overrides``."""
    data: dict[str, Any] = {
        "f-customer": str(customer_id),
        "f-fault_type": "electrical",
        "f-priority": "normal",
        "f-description": "Does not start",
        "f-labor_cost": "120.50",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
