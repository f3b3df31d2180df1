"""The OpenAPI document: valid OpenAPI 3.1, generated from what the reader may use."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.workspace.api.conftest import api_as

URL = "/api/v1/openapi.json"
SAMPLE = "/apps/api_demo/forms/sample"


def test_the_document_is_valid_and_describes_every_field(admin_api) -> None:
    response = admin_api.get(URL)
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"get", "post"} <= set(document["paths"][f"{SAMPLE}/records"])
    assert {"get", "patch", "put", "delete"} <= set(
        document["paths"][f"{SAMPLE}/records/{{record_id}}"]
    )
    values = document["components"]["schemas"]["api_demo.sample.Values"]["properties"]
    assert set(values) >= {"subject", "amount", "items", "files", "place", "total", "secret"}
    assert values["kind"]["enum"] == ["repair", "install"]
    assert values["amount"]["format"] == "decimal" and "string" in values["amount"]["type"]
    assert values["visit_at"]["format"] == "date-time"
    assert values["subject"]["maxLength"] == 20
    assert values["total"]["readOnly"] is True
    assert set(values["items"]["items"]["properties"]) == {"id", "part", "qty", "price"}


def test_the_document_follows_the_readers_rights(demo, clerk_api, viewer_api) -> None:
    clerk = clerk_api.get(URL).get_json()
    validate(clerk)
    assert "secret" not in clerk["components"]["schemas"]["api_demo.sample.Values"]["properties"]
    viewer = viewer_api.get(URL).get_json()
    validate(viewer)
    assert set(viewer["paths"][f"{SAMPLE}/records"]) == {"get"}
    assert f"{SAMPLE}/attachments" not in viewer["paths"]
    stranger = api_as(demo, "stranger").get(URL).get_json()
    validate(stranger)
    assert not any(path.startswith("/apps/api_demo/") for path in stranger["paths"])
