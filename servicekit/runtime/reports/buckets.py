"""Date buckets and number ranges: the keys SQL produces, their bounds and their labels.

The same bucket keys come out of PostgreSQL (``to_char``) and SQLite (``skr_bucket``,
which calls :func:`bucket_key`), so results, labels and drill-down agree on both.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_LABELS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}


def bucket_key(value: date | datetime, unit: str, tz: ZoneInfo | None) -> str | int:
    """The bucket a date or moment falls in, read in ``tz`` for moments."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        local = moment.astimezone(tz) if tz is not None else moment
    else:
        local = datetime(value.year, value.month, value.day)
    if unit == "hour":
        return local.strftime("%Y-%m-%d %H:00")
    if unit == "day":
        return local.strftime("%Y-%m-%d")
    if unit == "week":
        monday = local.date() - timedelta(days=local.weekday())
        return monday.isoformat()
    if unit == "month":
        return local.strftime("%Y-%m")
    if unit == "quarter":
        return f"{local.year:04d}-Q{(local.month - 1) // 3 + 1}"
    if unit == "year":
        return f"{local.year:04d}"
    if unit == "weekday":
        return local.isoweekday()
    raise ValueError(f"unknown bucket {unit!r}")


def bucket_bounds(key: str | int, unit: str) -> tuple[datetime, datetime] | None:
    """The local start (inclusive) and end (exclusive) of a bucket; None for weekdays."""
    if unit == "weekday":
        return None
    text = str(key)
    if unit == "hour":
        start = datetime.strptime(text, "%Y-%m-%d %H:00")
        return start, start + timedelta(hours=1)
    if unit == "day":
        start = datetime.strptime(text, "%Y-%m-%d")
        return start, start + timedelta(days=1)
    if unit == "week":
        start = datetime.strptime(text, "%Y-%m-%d")
        return start, start + timedelta(days=7)
    if unit == "month":
        start = datetime.strptime(text, "%Y-%m")
        return start, _add_months(start, 1)
    if unit == "quarter":
        year, quarter = text.split("-Q")
        start = datetime(int(year), (int(quarter) - 1) * 3 + 1, 1)
        return start, _add_months(start, 3)
    if unit == "year":
        start = datetime(int(text), 1, 1)
        return start, datetime(int(text) + 1, 1, 1)
    raise ValueError(f"unknown bucket {unit!r}")


def _add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1)


def bucket_label(key: str | int | None, unit: str, locale: str) -> str:
    """How a bucket key reads on an axis (weekdays by name; others as the key)."""
    if key is None:
        return ""
    if unit == "weekday":
        names = WEEKDAY_LABELS["zh" if locale.startswith("zh") else "en"]
        return names[int(key) - 1]
    return str(key)


def range_index(value: float, ranges: tuple[float, ...]) -> int:
    """Which range group a number falls in: 0 below the first boundary, n at or past the last."""
    for index, bound in enumerate(ranges):
        if value < bound:
            return index
    return len(ranges)


def range_label(index: int | None, ranges: tuple[float, ...]) -> str:
    """``< 100``, ``100 – 500`` or ``≥ 500`` for a range group."""
    if index is None:
        return ""
    if index == 0:
        return f"< {_num(ranges[0])}"
    if index >= len(ranges):
        return f"≥ {_num(ranges[-1])}"
    return f"{_num(ranges[index - 1])} – {_num(ranges[index])}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
