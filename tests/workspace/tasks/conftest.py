"""The workflow fixtures (the sample app and its staff) for the task pages and API."""

from __future__ import annotations

from tests.runtime.workflow.conftest import custom, shop

__all__ = ["custom", "shop"]
