"""The rule-check API the rule editors call: types, positioned errors, fixes, access, CSRF."""

from __future__ import annotations

from typing import Any

from tests.conftest import ensure_user
from tests.designer.forms.conftest import APP

URL = f"/designer/api/apps/{APP}/rules/check"


def _check(client, auth, payload: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    token = auth.csrf_token()
    return client.post(URL, json=payload, headers={"X-CSRFToken": token, **headers})


def test_valid_rule_reports_its_type_fields_and_key_form(seeded, client, auth) -> None:
    auth.login()
    answer = _check(client, auth, {"form": "request", "rule": "{数量} * price"}).get_json()
    assert answer["ok"] is True
    assert answer["type"] == "number"
    assert answer["fields"] == ["price", "qty"]
    assert answer["normalized"] == "qty * price"
    assert answer["errors"] == []


def test_unknown_field_is_placed_and_gets_a_suggestion(seeded, client, auth) -> None:
    auth.login()
    answer = _check(client, auth, {"form": "request", "rule": "qty > 1 and prise > 2"}).get_json()
    assert answer["ok"] is False
    (error,) = answer["errors"]
    assert error["start"] == 12 and error["end"] == 17
    assert error["suggestion"] == "price"
    assert error["replacement"] == "price"
    assert "unknown field prise" in error["message"]


def test_misspelt_label_in_braces_is_replaced_by_the_label_in_braces(seeded, client, auth) -> None:
    auth.login()
    answer = _check(client, auth, {"form": "request", "rule": "{Quantiti} > 1"}).get_json()
    (error,) = answer["errors"]
    assert (error["start"], error["end"]) == (0, 10)
    assert error["suggestion"] == "Quantity"
    assert error["replacement"] == "{Quantity}"


def test_positions_count_characters_on_later_lines(seeded, client, auth) -> None:
    auth.login()
    rule = '{主题} = "空调"\nand prise > 1'
    (error,) = _check(client, auth, {"form": "request", "rule": rule}).get_json()["errors"]
    assert rule[error["start"] : error["end"]] == "prise"


def test_type_error_and_expected_type(seeded, client, auth) -> None:
    auth.login()
    answer = _check(client, auth, {"form": "request", "rule": 'qty + "a"'}).get_json()
    assert answer["ok"] is False
    assert "cannot apply +" in answer["errors"][0]["message"]
    answer = _check(client, auth, {"form": "request", "rule": "qty", "expect": "boolean"})
    assert "must give boolean" in answer.get_json()["errors"][0]["message"]


def test_unknown_function_fix_replaces_only_the_name(seeded, client, auth) -> None:
    auth.login()
    rule = "SUMM(parts, amount)"
    (error,) = _check(client, auth, {"form": "request", "rule": rule}).get_json()["errors"]
    assert error["suggestion"] == "SUM"
    fixed = rule[: error["replace_start"]] + error["replacement"] + rule[error["replace_end"] :]
    assert fixed == "SUM(parts, amount)"


def test_unsaved_fields_sent_by_the_editor_are_used(seeded, client, auth) -> None:
    auth.login()
    fields = [{"key": "cost", "type": "decimal", "label": "Cost"}]
    answer = _check(client, auth, {"form": "request", "rule": "cost > 1", "fields": fields})
    assert answer.get_json()["type"] == "boolean"


def test_lookup_and_subform_scopes(seeded, client, auth) -> None:
    auth.login()
    answer = _check(client, auth, {"form": "request", "rule": "customer.level = 'A'"})
    assert answer.get_json()["type"] == "boolean"
    answer = _check(client, auth, {"form": "request", "rule": "amount * qty", "subform": "parts"})
    assert answer.get_json()["type"] == "number"


def test_value_on_given_values(seeded, client, auth) -> None:
    auth.login()
    payload = {"form": "request", "rule": "qty * price", "values": {"qty": 3, "price": "2.50"}}
    assert _check(client, auth, payload).get_json()["value"] == "7.50"


def test_bad_requests_say_where(seeded, client, auth) -> None:
    auth.login()
    response = _check(client, auth, {"form": "nope", "rule": "1"})
    assert response.status_code == 400 and response.get_json()["where"] == "$.form"
    response = _check(client, auth, {"form": "request", "rule": "x" * 9000})
    assert response.status_code == 400 and response.get_json()["where"] == "$.rule"
    response = _check(client, auth, {"form": "request", "rule": "1", "expect": "blob"})
    assert response.get_json()["where"] == "$.expect"


def test_unknown_app_is_404(seeded, client, auth) -> None:
    auth.login()
    response = client.post(
        "/designer/api/apps/nothing/rules/check",
        json={"form": "x", "rule": "1"},
        headers={"X-CSRFToken": auth.csrf_token()},
    )
    assert response.status_code == 404


def test_non_builders_are_refused(seeded, client, auth) -> None:
    auth.login("agent")
    response = _check(client, auth, {"form": "request", "rule": "qty > 1"})
    assert response.status_code == 403


def test_builders_are_let_in(seeded, app, client, auth) -> None:
    ensure_user(app, "maker", platform_roles=("builder",))
    auth.login("maker")
    assert _check(client, auth, {"form": "request", "rule": "qty > 1"}).status_code == 200


def test_post_without_csrf_token_is_refused(seeded, client, auth) -> None:
    auth.login()
    response = client.post(URL, json={"form": "request", "rule": "qty > 1"})
    assert response.status_code == 400
    assert "ok" not in (response.get_json(silent=True) or {})
