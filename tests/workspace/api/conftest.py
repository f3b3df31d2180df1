"""API test fixtures: the every-field-type package, users with roles, tokens and a client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from servicekit.platform.accounts import get_user_by_login, grant_app_role
from servicekit.platform.db import get_db
from servicekit.workspace.api.tokens import create_token
from tests.conftest import ensure_user
from tests.platform.packages.conftest import install

DEMO = Path(__file__).resolve().parent / "data" / "api_demo"
BASE = "/api/v1/apps/api_demo/forms/sample"


@dataclass
class Api:
    """A test client that sends one user's API token with every request."""

    client: Any
    token: str
    user_id: int

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(url, headers=self._headers(headers), **kw)

    def patch(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.patch(url, headers=self._headers(headers), **kw)

    def put(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.put(url, headers=self._headers(headers), **kw)

    def delete(self, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.delete(url, headers=self._headers(headers), **kw)


def make_user(app: Any, login: str, *roles: str) -> int:
    """A user holding ``roles`` in the demo app; returns the id."""
    user_id = ensure_user(app, login)
    with get_db(app).transaction() as session:
        user = get_user_by_login(session, login)
        for role in roles:
            grant_app_role(session, user, "api_demo", role)
    return user_id


def token_for(app: Any, user_id: int, name: str = "test") -> str:
    with get_db(app).transaction() as session:
        _token, secret = create_token(
            session, user_id, name, now=app.extensions["servicekit.clock"].now()
        )
    return secret


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    """The demo package installed."""
    install(app, DEMO)
    return app


def api_as(app: Any, login: str, *roles: str) -> Api:
    user_id = make_user(app, login, *roles)
    return Api(app.test_client(), token_for(app, user_id), user_id)


@pytest.fixture
def admin_api(demo):  # type: ignore[no-untyped-def]
    return api_as(demo, "admin")


@pytest.fixture
def clerk_api(demo):  # type: ignore[no-untyped-def]
    return api_as(demo, "clerk", "clerk")


@pytest.fixture
def viewer_api(demo):  # type: ignore[no-untyped-def]
    return api_as(demo, "viewer", "viewer")


@pytest.fixture
def account_id(admin_api) -> int:  # type: ignore[no-untyped-def]
    response = admin_api.post(
        "/api/v1/apps/api_demo/forms/account/records", json={"values": {"name": "华东电器"}}
    )
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])
