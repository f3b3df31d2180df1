"""The API over the shipped after-sales app: its real forms list, read and describe."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.workspace.api.conftest import api_as

WORK_ORDERS = "/api/v1/apps/after_sales/forms/work_order/records"


def test_work_orders_list_read_and_describe(app) -> None:
    install(app, SAMPLE_APP)
    api = api_as(app, "admin")
    page = api.get(f"{WORK_ORDERS}?limit=100&sort=-created_at")
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert len(body["items"]) == 100 and body["next_cursor"]
    first = body["items"][0]
    assert first["title"] and first["number"]
    one = api.get(f"{WORK_ORDERS}/{first['id']}")
    assert one.status_code == 200
    assert isinstance(one.get_json()["values"]["parts"], list)
    # Titles read through the customer lookup; the page fetches them in one go per lookup.
    assert one.get_json()["title"] == first["title"] != first["number"]
    urgent = api.get(f'{WORK_ORDERS}?filter=priority = "urgent"&limit=500').get_json()["items"]
    assert urgent and all(item["values"]["priority"] == "urgent" for item in urgent)
    document = api.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "after_sales.work_order.Values" in document["components"]["schemas"]
