"""Helpers for the designer shell tests: signed-in builders, the sample app, draft calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.packages import install_package
from servicekit.platform.registry import get_registry

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_APP = ROOT / "sample_apps" / "after_sales"


def install_sample(app: Any, path: Path = SAMPLE_APP) -> None:
    clock = app.extensions["servicekit.clock"]
    with get_db(app).transaction() as session:
        install_package(
            session,
            path,
            get_registry(app),
            now=clock.now(),
            tz=ZoneInfo(app.config["SERVICEKIT_TIMEZONE"]),
        )


class Designer:
    """A test client signed in as a builder, with the draft API as methods."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.token = token

    def url(self, app_key: str, kind: str, key: str, action: str = "draft") -> str:
        return f"/designer/api/apps/{app_key}/{kind}/{key}/{action}"

    def get(self, app_key: str, kind: str, key: str, **params: str) -> Any:
        return self.client.get(self.url(app_key, kind, key), query_string=params)

    def put(self, app_key: str, kind: str, key: str, body: Any, revision: str = "") -> Any:
        return self.client.put(
            self.url(app_key, kind, key),
            json={"body": body, "revision": revision},
            headers={"X-CSRFToken": self.token},
        )

    def publish(self, app_key: str, kind: str, key: str, revision: str, confirm: bool) -> Any:
        return self.client.post(
            self.url(app_key, kind, key, "publish"),
            json={"revision": revision, "confirm": confirm},
            headers={"X-CSRFToken": self.token},
        )


def sign_in_builder(auth: Any, login: str = "builder") -> str:
    auth.login(login, platform_roles=("builder",))
    return auth.csrf_token()


@pytest.fixture
def designer(app: Any, client: Any, auth: Any) -> Designer:
    """The test client signed in as a builder (not an admin)."""
    return Designer(client, sign_in_builder(auth))


@pytest.fixture
def sample(app: Any) -> Any:
    install_sample(app)
    return app
