"""API tokens: hashed at rest, shown once, revocable from the profile page and the CLI."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.models import ApiToken
from tests.workspace.api.conftest import BASE, make_user

RECORDS = f"{BASE}/records"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_requests_without_a_valid_token_get_401_with_a_challenge(demo, client) -> None:
    for headers in ({}, _bearer("sk_not-a-real-token"), {"Authorization": "Basic YTpi"}):
        response = client.get(RECORDS, headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert {"type", "title", "status", "detail", "instance"} <= set(response.get_json())


def test_cli_token_works_is_hashed_at_rest_and_revocable(demo, client) -> None:
    make_user(demo, "integrator", "viewer")
    runner = demo.test_cli_runner()
    created = runner.invoke(args=["token", "create", "integrator", "--name", "ERP"])
    assert created.exit_code == 0, created.output
    match = re.search(r"token (\d+) for integrator: (sk_\S+)", created.output)
    assert match
    token_id, secret = int(match.group(1)), match.group(2)
    assert client.get(RECORDS, headers=_bearer(secret)).status_code == 200

    with get_db(demo).sessions() as session:
        row = session.get(ApiToken, token_id)
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.name == "ERP" and secret.startswith(row.prefix) and len(row.prefix) < 12
        assert row.last_used_at is not None
        stored = [str(v) for v in session.execute(select(ApiToken.__table__)).one()]
    assert secret not in stored  # only the hash and a short prefix are kept

    revoked = runner.invoke(args=["token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(RECORDS, headers=_bearer(secret)).status_code == 401
    assert runner.invoke(args=["token", "create", "nobody"]).exit_code == 1
    assert runner.invoke(args=["token", "revoke", "999"]).exit_code == 1


def test_profile_page_creates_shows_once_lists_and_revokes(demo, client, auth) -> None:
    make_user(demo, "zhang", "viewer")
    auth.login("zhang")
    page = client.post(
        "/profile/tokens/", data={"name": "报表同步", "csrf_token": auth.csrf_token()}
    )
    assert page.status_code == 200
    secret = re.search(r'value="(sk_[^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.get(RECORDS, headers=_bearer(secret)).status_code == 200
    listing = client.get("/profile/tokens/").get_data(as_text=True)
    assert "报表同步" in listing and secret not in listing and secret[:10] in listing

    with get_db(demo).sessions() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "报表同步"))
    refused = client.post(f"/profile/tokens/{token_id}/revoke", data={})
    assert refused.status_code == 400  # no CSRF token
    done = client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf_token()})
    assert done.status_code == 302
    assert client.get(RECORDS, headers=_bearer(secret)).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(demo, client, auth) -> None:
    from servicekit.workspace.api import create_token

    other = make_user(demo, "other")
    with get_db(demo).transaction() as session:
        token, secret = create_token(
            session, other, "theirs", now=demo.extensions["servicekit.clock"].now()
        )
        token_id = token.id
    auth.login("li")
    response = client.post(
        f"/profile/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf_token()}
    )
    assert response.status_code == 404
    with get_db(demo).sessions() as session:
        assert session.get(ApiToken, token_id).revoked_at is None


def test_cookie_sessions_need_csrf_for_writes_but_tokens_do_not(demo, client, auth) -> None:
    make_user(demo, "wang", "clerk")
    auth.login("wang")
    assert client.get(RECORDS).status_code == 200
    body = {"values": {"subject": "from the browser"}}
    no_csrf = client.post(RECORDS, json=body)
    assert no_csrf.status_code == 400 and no_csrf.get_json()["type"].endswith("/csrf")
    with_csrf = client.post(RECORDS, json=body, headers={"X-CSRFToken": auth.csrf_token()})
    assert with_csrf.status_code == 201

    # A bad token never falls back to the signed-in cookie.
    assert client.get(RECORDS, headers=_bearer("sk_wrong")).status_code == 401
    from tests.workspace.api.conftest import token_for

    secret = token_for(demo, make_user(demo, "wang"))
    fresh = demo.test_client()
    assert fresh.post(RECORDS, json=body, headers=_bearer(secret)).status_code == 201


def test_problems_speak_the_token_users_language(demo, client) -> None:
    from servicekit.platform.accounts import get_user_by_login, update_user
    from tests.workspace.api.conftest import token_for

    chinese = token_for(demo, make_user(demo, "chen", "viewer"))
    english_id = make_user(demo, "emma", "viewer")
    with get_db(demo).transaction() as session:
        update_user(get_user_by_login(session, "emma"), locale="en", timezone="Asia/Shanghai")
    english = token_for(demo, english_id)
    url = f"{RECORDS}/999999"
    assert client.get(url, headers=_bearer(chinese)).get_json()["detail"] == "没有这条记录。"
    answer = demo.test_client().get(url, headers=_bearer(english))
    assert answer.get_json()["detail"] == "There is no such record."
    assert "Set-Cookie" not in answer.headers


def test_the_profile_page_links_to_the_tokens(demo, client, auth) -> None:
    auth.login("admin")
    assert 'href="/profile/tokens/"' in client.get("/profile/").get_data(as_text=True)


def test_the_token_page_needs_a_signed_in_user(demo, client) -> None:
    response = client.get("/profile/tokens/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
