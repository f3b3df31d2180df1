"""The draft API: load, autosave with revisions, conflicts, and problems by JSON path."""

from __future__ import annotations

from typing import Any


def test_published_document_loads_without_a_draft(sample: Any, designer: Any) -> None:
    response = designer.get("after_sales", "form", "customer")
    assert response.status_code == 200
    data = response.get_json()
    assert data["revision"] == ""
    assert data["published_version"] == 1
    assert data["body"]["key"] == "customer"
    assert data["problems"] == []


def test_unknown_document_is_404_unless_new(sample: Any, designer: Any) -> None:
    assert designer.get("after_sales", "form", "repair_request").status_code == 404
    data = designer.get("after_sales", "form", "repair_request", new="1").get_json()
    assert data["body"] == {"key": "repair_request"}
    assert data["revision"] == ""
    # The starter body is incomplete; its problems say what to add, with a JSON path.
    assert any(p["path"] == "$" and "label" in p["message"] for p in data["problems"])


def test_save_returns_revision_and_problems_by_path(sample: Any, designer: Any) -> None:
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    body["fields"][1]["type"] = "colour"
    saved = designer.put("after_sales", "form", "customer", body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    data = saved.get_json()
    assert data["revision"]
    assert [p["path"] for p in data["problems"]] == ["$.fields[1].type"]
    assert data["problems"][0]["file"] == "forms/customer.json"
    # The draft is what the editor now loads, with its revision.
    loaded = designer.get("after_sales", "form", "customer").get_json()
    assert loaded["revision"] == data["revision"]
    assert loaded["body"]["fields"][1]["type"] == "colour"


def test_problems_come_from_the_whole_app(sample: Any, designer: Any) -> None:
    """Removing a field that the workflow and reports use is reported where it breaks."""
    body = designer.get("after_sales", "form", "work_order").get_json()["body"]
    body["fields"] = [f for f in body["fields"] if f["key"] != "priority"]
    data = designer.put("after_sales", "form", "work_order", body).get_json()
    assert data["other_problems"], data
    assert all(p["file"] != "forms/work_order.json" for p in data["other_problems"])
    assert any("priority" in p["message"] for p in data["other_problems"])


def test_second_stale_save_is_refused_with_the_other_change(
    sample: Any, designer: Any, app: Any
) -> None:
    first = designer.get("after_sales", "form", "customer").get_json()
    mine = dict(first["body"], label={"zh": "客户A", "en": "Customer A"})
    saved = designer.put("after_sales", "form", "customer", mine, first["revision"]).get_json()
    # A second builder loaded before that save, and saves from the old revision.
    theirs = dict(first["body"], label={"zh": "客户B", "en": "Customer B"})
    refused = designer.put("after_sales", "form", "customer", theirs, first["revision"])
    assert refused.status_code == 409
    conflict = refused.get_json()["theirs"]
    assert conflict["body"]["label"]["en"] == "Customer A"
    assert conflict["revision"] == saved["revision"]
    assert conflict["author"] == "Builder"
    # Nothing was overwritten.
    assert designer.get("after_sales", "form", "customer").get_json()["body"]["label"]["en"] == (
        "Customer A"
    )
    # Overwriting knowingly sends their revision.
    again = designer.put("after_sales", "form", "customer", theirs, conflict["revision"])
    assert again.status_code == 200


def test_resending_the_stored_body_is_not_a_conflict(sample: Any, designer: Any) -> None:
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    assert designer.put("after_sales", "form", "customer", body).status_code == 200
    assert designer.put("after_sales", "form", "customer", body, "stale").status_code == 200


def test_bad_requests_say_what_is_wrong(sample: Any, designer: Any) -> None:
    assert designer.put("after_sales", "form", "customer", [1, 2]).status_code == 400
    assert designer.get("after_sales", "widget", "x").status_code == 404
    assert designer.get("after_sales", "form", "Bad-Key").status_code == 404
    assert designer.get("no_such_app", "form", "customer").status_code == 404
    missing = designer.client.put(
        designer.url("after_sales", "form", "customer"),
        data="not json",
        headers={"X-CSRFToken": designer.token, "Content-Type": "application/json"},
    )
    assert missing.status_code == 400
    assert "body" in missing.get_json()["error"]


def test_key_in_body_must_match_the_url(sample: Any, designer: Any) -> None:
    body = designer.get("after_sales", "form", "customer").get_json()["body"]
    body["key"] = "client"
    data = designer.put("after_sales", "form", "customer", body).get_json()
    assert any(p["path"] == "$.key" for p in data["problems"])


def test_two_saves_from_the_same_revision_at_once_one_is_refused(
    sample: Any, app: Any, auth: Any
) -> None:
    """Both builders loaded the same revision and save at the same moment: one wins, one gets 409."""
    import threading

    from tests.conftest import AuthActions
    from tests.designer.shell.conftest import Designer

    builders = []
    for login in ("builder_a", "builder_b"):
        client = app.test_client()
        actions = AuthActions(app, client)
        actions.login(login, platform_roles=("builder",))
        builders.append(Designer(client, actions.csrf_token()))
    first = builders[0].get("after_sales", "form", "customer").get_json()
    start = threading.Barrier(2)
    results: list[int] = []

    def save(designer: Any, label: str) -> None:
        body = dict(first["body"], label=label)
        start.wait()
        response = designer.put("after_sales", "form", "customer", body, first["revision"])
        results.append(response.status_code)

    threads = [
        threading.Thread(target=save, args=(builder, label))
        for builder, label in zip(builders, ("A", "B"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]
