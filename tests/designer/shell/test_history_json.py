"""Version history (who, when, diff, restore) and the JSON view (syntax and schema errors)."""

from __future__ import annotations

from typing import Any


def publish_label(designer: Any, en: str) -> None:
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    body["label"] = {"zh": "客户", "en": en}
    revision = designer.put("after_sales", "form", "customer", body).get_json()["revision"]
    response = designer.publish("after_sales", "form", "customer", revision, confirm=True)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_history_lists_versions_and_shows_the_difference(sample: Any, designer: Any) -> None:
    publish_label(designer, "Clients")
    page = designer.client.get("/designer/apps/after_sales/forms/customer/history")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-version="2"' in html and 'data-version="1"' in html
    assert "Builder" in html  # who published version 2
    # By default the two newest versions are compared, by JSON path.
    assert 'data-path="$.label.en"' in html
    assert "Clients" in html


def test_an_old_version_is_restored_as_a_new_draft(sample: Any, designer: Any) -> None:
    publish_label(designer, "Clients")
    response = designer.client.post(
        "/designer/apps/after_sales/forms/customer/history/1/restore",
        data={"csrf_token": designer.token},
    )
    assert response.status_code == 302
    draft = designer.get("after_sales", "form", "customer").get_json()
    assert draft["revision"] and draft["published_version"] == 2
    assert draft["body"]["label"]["en"] == "Customer"
    diff = designer.client.get(
        "/designer/apps/after_sales/forms/customer/history?a=2&b=draft"
    ).get_data(as_text=True)
    assert 'data-path="$.label.en"' in diff


def test_json_syntax_errors_give_line_and_column(sample: Any, designer: Any) -> None:
    url = "/designer/apps/after_sales/forms/customer/json"
    assert designer.client.get(url).status_code == 200
    response = designer.client.post(
        url, data={"text": '{\n  "key": "customer",\n  "label": }', "csrf_token": designer.token}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "第 3 行第 12 列" in html or "Line 3, column 12" in html
    # The text the builder typed is kept.
    assert "&#34;label&#34;: }" in html or '"label": }' in html


def test_json_view_saves_the_draft_and_lists_schema_problems_by_path(
    sample: Any, designer: Any
) -> None:
    url = "/designer/apps/after_sales/forms/customer/json"
    text = '{"key": "customer", "label": "Customers", "fields": [{"key": "a", "type": "colour"}]}'
    saved = designer.client.post(url, data={"text": text, "csrf_token": designer.token})
    assert saved.status_code == 302
    page = designer.client.get(url).get_data(as_text=True)
    assert 'data-path="$.fields[0].type"' in page
    revision = designer.get("after_sales", "form", "customer").get_json()["revision"]
    assert f'data-sk-revision="{revision}"' in page  # publishing from here sends this draft
    assert designer.get("after_sales", "form", "customer").get_json()["body"]["fields"][0] == {
        "key": "a",
        "type": "colour",
    }


def test_json_view_refuses_a_stale_save(sample: Any, designer: Any) -> None:
    url = "/designer/apps/after_sales/forms/customer/json"
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    body["label"] = "Someone else's"
    designer.put("after_sales", "form", "customer", body)
    stale = designer.client.post(
        url, data={"text": '{"key": "customer"}', "revision": "", "csrf_token": designer.token}
    )
    assert stale.status_code == 409
    assert "Someone else&#39;s" in stale.get_data(as_text=True)
    assert designer.get("after_sales", "form", "customer").get_json()["body"]["label"] == (
        "Someone else's"
    )


def test_pages_speak_both_languages(sample: Any, designer: Any) -> None:
    assert "设计器" in designer.client.get("/designer/").get_data(as_text=True)
    designer.client.post("/language", data={"locale": "en", "csrf_token": designer.token})
    page = designer.client.get("/designer/apps/after_sales").get_data(as_text=True)
    assert "Publish all drafts" in page and "Navigation" in page
