"""The size, depth and work limits that keep any rule from crashing or stalling the server."""

from __future__ import annotations

MAX_SOURCE_BYTES = 8 * 1024
MAX_NODES = 1000
MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 40
MAX_TEXT_LENGTH = 100_000
MAX_LIST_ITEMS = 10_000
# Work units per evaluation: one per node visited inside loops (aggregates, list tests)
# and one per thousand characters of text handled; far above any real form's needs.
MAX_STEPS = 2_000_000
