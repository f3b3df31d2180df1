"""Only builders and admins reach the report and dashboard designers; POSTs need the CSRF token."""

from __future__ import annotations

import pytest

from tests.designer.reports.conftest import Api

PAGES = [
    "/designer/apps/after_sales/reports/top_fault_types",
    "/designer/apps/after_sales/dashboards/service",
    "/designer/api/apps/after_sales/report-fields/work_order",
    "/designer/api/apps/after_sales/reports/top_fault_types/chart",
]
BODY = {"key": "x", "label": "X", "form": "work_order", "chart": {"type": "bar"}}


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_refused_to_users_without_the_builder_role(installed, client, auth, path) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    assert client.get(path).status_code == 403
    auth.logout()
    auth.login("builder")
    assert client.get(path).status_code == 200


def test_the_preview_is_refused_to_non_builders(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("agent")
    assert Api(client).preview(BODY).status_code == 403


def test_the_preview_needs_the_csrf_token(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("admin")
    url = "/designer/api/apps/after_sales/reports/x/preview"
    assert client.post(url, json={"body": BODY}).status_code == 400
    bad = client.post(url, json={"body": BODY}, headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400
    assert Api(client).preview(BODY).status_code == 200


def test_unknown_apps_are_not_found(installed, client, auth) -> None:  # type: ignore[no-untyped-def]
    auth.login("admin")
    assert client.get("/designer/apps/nope/reports/x").status_code == 404
