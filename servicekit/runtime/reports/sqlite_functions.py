"""SQL functions reports need on SQLite: date buckets in a time zone, exact averages, percentiles.

PostgreSQL has all of these built in (``to_char``, ``avg``, ``percentile_cont``);
:func:`install_report_functions` registers SQLite equivalents on every new connection.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.runtime.reports.buckets import bucket_key


def _num(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bytes) or value == "":
        return None
    try:
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        return None


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo | None:
    return ZoneInfo(name) if name else None


def _bucket(value: Any, unit: str, tz: str) -> str | int | None:
    """``skr_bucket(value, unit, tz)``: dates as ``YYYY-MM-DD``, moments as naive UTC text."""
    if value is None:
        return None
    try:
        text = str(value)
        if len(text) == 10:
            return bucket_key(date.fromisoformat(text), unit, None)
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return bucket_key(parsed, unit, _zone(tz))
    except (ValueError, TypeError):
        return None


class _Avg:
    """``skr_avg``: the exact mean of the non-null numbers (decimal text), or null."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.count = 0

    def step(self, value: Any) -> None:
        x = _num(value)
        if x is not None:
            self.total += x
            self.count += 1

    def finalize(self) -> str | None:
        return str(self.total / self.count) if self.count else None


class _Percentile:
    """``skr_percentile(value, fraction)``: continuous percentile, as PostgreSQL's percentile_cont."""

    def __init__(self) -> None:
        self.values: list[Decimal] = []
        self.fraction = Decimal("0.5")

    def step(self, value: Any, fraction: Any) -> None:
        x = _num(value)
        if x is not None:
            self.values.append(x)
        f = _num(fraction)
        if f is not None:
            self.fraction = f

    def finalize(self) -> str | None:
        result = percentile_cont(self.values, self.fraction)
        return None if result is None else str(result)


def percentile_cont(values: list[Decimal], fraction: Decimal) -> Decimal | None:
    """Linear interpolation between the closest ranks (PostgreSQL's ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def install_report_functions(dbapi_connection: Any) -> None:
    """Register ``skr_bucket``, ``skr_avg`` and ``skr_percentile`` on one ``sqlite3`` connection."""
    dbapi_connection.create_function("skr_bucket", 3, _bucket, deterministic=True)
    dbapi_connection.create_aggregate("skr_avg", 1, _Avg)
    dbapi_connection.create_aggregate("skr_percentile", 2, _Percentile)
