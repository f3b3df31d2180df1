"""The installed after-sales app, its staff (the workflow engine's fixtures) and an admin,
for the workflow designer's tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ensure_user
from tests.designer.shell.conftest import designer, sample  # noqa: F401 (shared fixtures)
from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.runtime.workflow.conftest import Shop


@pytest.fixture
def shop(app: Any) -> Iterator[Shop]:
    install(app, SAMPLE_APP)
    shop = Shop(app)
    shop.add_staff()
    shop.ids["admin"] = ensure_user(app, "admin")
    yield shop
