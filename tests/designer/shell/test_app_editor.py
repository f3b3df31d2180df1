"""The app pages: list, new app (drafts until published), documents, delete with undo, export."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.models import InstalledApp


def new_app(designer: Any, **values: str) -> Any:
    data = {
        "key": "repair",
        "label_zh": "报修",
        "label_en": "Repairs",
        "icon": "tools",
        "roles": "agent, 客服, Agent\ndispatcher, 调度员, Dispatcher",
        "csrf_token": designer.token,
    }
    data.update(values)
    return designer.client.post("/designer/apps/new", data=data)


def test_apps_are_listed_with_links_to_their_editor(sample: Any, designer: Any) -> None:
    page = designer.client.get("/designer/").get_data(as_text=True)
    assert 'href="/designer/apps/after_sales"' in page
    editor = designer.client.get("/designer/apps/after_sales").get_data(as_text=True)
    for link in (
        "/designer/apps/after_sales/forms/work_order",
        "/designer/apps/after_sales/workflows/work_order",
        "/designer/apps/after_sales/dashboards/service",
        "/designer/apps/after_sales/forms/customer/history",
        "/designer/apps/after_sales/calendars/cn_mainland/json",
        "/designer/apps/after_sales/export",
    ):
        assert f'href="{link}"' in editor, link


def test_a_new_app_is_a_draft_until_published(app: Any, designer: Any) -> None:
    response = new_app(designer)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/designer/apps/repair")
    draft = designer.get("repair", "app", "repair").get_json()
    assert draft["body"] == {
        "key": "repair",
        "label": {"zh": "报修", "en": "Repairs"},
        "icon": "tools",
        "roles": [
            {"key": "agent", "label": {"zh": "客服", "en": "Agent"}},
            {"key": "dispatcher", "label": {"zh": "调度员", "en": "Dispatcher"}},
        ],
        "navigation": [],
    }
    assert draft["problems"] == [] and draft["published_version"] is None
    with get_db(app).transaction() as session:
        assert session.scalar(select(InstalledApp).where(InstalledApp.key == "repair")) is None
    assert "Not published" in designer.client.get("/designer/").get_data(as_text=True) or (
        "未发布" in designer.client.get("/designer/").get_data(as_text=True)
    )

    summary = designer.client.post(
        "/designer/api/apps/repair/publish",
        json={"confirm": True},
        headers={"X-CSRFToken": designer.token},
    )
    assert summary.status_code == 200, summary.get_data(as_text=True)
    with get_db(app).transaction() as session:
        assert session.scalar(select(InstalledApp.key).where(InstalledApp.key == "repair"))
    assert designer.get("repair", "app", "repair").get_json()["published_version"] == 1


def test_new_app_errors_name_the_field(app: Any, designer: Any) -> None:
    page = new_app(designer, key="Repair!", label_en="", roles="agent\nBad Role, x")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert html.count("is-invalid") == 3
    assert "2" in html and "Bad Role" in html  # the role error names line 2
    assert new_app(designer).status_code == 302
    assert new_app(designer).status_code == 422  # the key is taken now


def test_deleting_a_draft_can_be_undone(sample: Any, designer: Any) -> None:
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    body["label"] = {"zh": "客户（草稿）", "en": "Customers (draft)"}
    designer.put("after_sales", "form", "customer", body)
    url = "/designer/apps/after_sales/forms/customer/draft/delete"
    assert designer.client.get(url).status_code == 200  # the confirmation page
    done = designer.client.post(url, data={"csrf_token": designer.token})
    assert done.status_code == 302
    assert designer.get("after_sales", "form", "customer").get_json()["revision"] == ""
    editor = designer.client.get(done.headers["Location"]).get_data(as_text=True)
    assert "/designer/apps/after_sales/forms/customer/draft/undo" in editor
    designer.client.post(
        "/designer/apps/after_sales/forms/customer/draft/undo", data={"csrf_token": designer.token}
    )
    back = designer.get("after_sales", "form", "customer").get_json()
    assert back["body"]["label"]["en"] == "Customers (draft)" and back["revision"]


def test_an_unpublished_app_can_be_deleted_and_brought_back(app: Any, designer: Any) -> None:
    new_app(designer)
    assert (
        designer.client.post(
            "/designer/apps/repair/delete", data={"csrf_token": designer.token}
        ).status_code
        == 302
    )
    assert designer.client.get("/designer/apps/repair").status_code == 404
    designer.client.post("/designer/apps/repair/undo-delete", data={"csrf_token": designer.token})
    assert designer.client.get("/designer/apps/repair").status_code == 200


def test_new_documents_start_as_drafts_and_open_their_editor(sample: Any, designer: Any) -> None:
    response = designer.client.post(
        "/designer/apps/after_sales/documents",
        data={"kind": "form", "key": "repair_request", "csrf_token": designer.token},
    )
    assert response.headers["Location"].endswith("/designer/apps/after_sales/forms/repair_request")
    assert designer.get("after_sales", "form", "repair_request").get_json()["body"] == {
        "key": "repair_request"
    }


def test_export_is_a_package_zip(sample: Any, designer: Any) -> None:
    response = designer.client.get("/designer/apps/after_sales/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "after_sales/manifest.json" in names
    assert "after_sales/forms/work_order.json" in names
    assert "after_sales/data/customer.csv" in names
