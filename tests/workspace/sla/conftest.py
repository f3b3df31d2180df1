"""The sample app and its staff for the SLA pages."""

from __future__ import annotations

from tests.runtime.workflow.conftest import shop

__all__ = ["shop"]
