"""Every designer route — the shell's and every editor's — is for builders and admins only,
and every state-changing designer request needs a CSRF token.

The routes are read from ``app.url_map``, so editors added later are covered without
editing this test.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

from tests.designer.shell.conftest import sign_in_builder

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The CSRF refusal in either language (the site default is Chinese).
CSRF_MESSAGES = ("The form had expired or was sent from another site", "表单已过期或来自其他网站")


def designer_requests(app: Any) -> list[tuple[str, str]]:
    """(method, url) for every designer route, with placeholder values for its arguments."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/designer") or rule.endpoint.endswith(".static"):
            continue
        values = {
            name: 1 if isinstance(rule._converters.get(name), IntegerConverter) else "after_sales"
            for name in rule.arguments
        }
        url = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_the_designer_has_routes_to_check(app: Any) -> None:
    requests = designer_requests(app)
    assert ("GET", "/designer/") in requests
    assert ("PUT", "/designer/api/apps/after_sales/after_sales/after_sales/draft") in requests
    assert any(method in UNSAFE for method, _ in requests)


def test_users_without_builder_or_admin_get_403_everywhere(
    app: Any, client: Any, auth: Any
) -> None:
    auth.login("agent")  # signed in, no platform role
    token = auth.csrf_token()
    for method, url in designer_requests(app):
        response = client.open(
            url,
            method=method,
            headers={"X-CSRFToken": token, "Accept": "application/json"},
            json={} if method in UNSAFE else None,
        )
        assert response.status_code == 403, (method, url, response.status_code)


def test_visitors_are_sent_to_sign_in(app: Any, client: Any) -> None:
    for method, url in designer_requests(app):
        response = client.open(url, method=method)
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_every_designer_write_needs_a_csrf_token(app: Any, client: Any, auth: Any) -> None:
    sign_in_builder(auth)
    unsafe = [(m, u) for m, u in designer_requests(app) if m in UNSAFE]
    assert unsafe
    for method, url in unsafe:
        response = client.open(
            url, method=method, json={"body": {}}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 400, (method, url, response.status_code)
        detail = response.get_json()["detail"]
        assert any(message in detail for message in CSRF_MESSAGES), (method, url, detail)


def test_builders_and_admins_reach_the_designer(app: Any, client: Any, auth: Any) -> None:
    sign_in_builder(auth)
    page = client.get("/designer/")
    assert page.status_code == 200
    # The navbar shows them the Designer link.
    assert 'href="/designer/"' in page.get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    assert client.get("/designer/").status_code == 200


def test_the_designer_link_is_hidden_from_other_users(app: Any, client: Any, auth: Any) -> None:
    auth.login("agent")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/designer/"' not in page
