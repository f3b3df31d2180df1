"""Fixtures for the SLA timer tests: the after-sales app with a pausing step and its staff."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.runtime.sla.timer_support import TimerShop, timer_shop


@pytest.fixture
def shop(app: Any, tmp_path: Path) -> Iterator[TimerShop]:
    yield timer_shop(app, tmp_path)
