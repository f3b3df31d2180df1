"""Rule-language values: coercion of JSON input and the exact arithmetic both back ends share.

The SQLite functions of :mod:`sqlite_functions` call these same helpers, so decimals,
month arithmetic and time zones give the same answers in Python and in SQL.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DecimalException,
)
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicekit.runtime.rules.errors import LimitError, RuleError
from servicekit.runtime.rules.limits import MAX_LIST_ITEMS, MAX_NUMBER_DIGITS, MAX_TEXT_LENGTH

# Exact for any number the language allows; a result past 40 integer digits overflows
# (decimal.Overflow), which evaluation reports as a RuleError.
CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP, Emax=MAX_NUMBER_DIGITS - 1, Emin=-200)
DIVISION_PLACES = Decimal("1e-10")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_ISO_DURATION = re.compile(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
DEFAULT_TZ = "Asia/Shanghai"


def zone(tz: str | tzinfo | None) -> tzinfo:
    """The time zone for ``tz`` (a name or a tzinfo); unknown names are a :class:`RuleError`."""
    if isinstance(tz, tzinfo):
        return tz
    return _named_zone(tz)


@lru_cache(maxsize=64)
def _named_zone(tz: str | None) -> tzinfo:
    try:
        return ZoneInfo(tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuleError(f"unknown time zone {tz!r}") from exc


# -- numbers -----------------------------------------------------------------------------
def checked(value: Decimal) -> Decimal:
    """``value`` if it is within the language's range, else a :class:`RuleError`."""
    # adjusted() is the exponent of the leading digit: cheaper than building abs(value).
    if value.adjusted() >= MAX_NUMBER_DIGITS and value:
        raise RuleError(f"a number grew past {MAX_NUMBER_DIGITS} digits")
    return value


def to_decimal(value: Any) -> Decimal | None:
    """A JSON number (int, float, numeric text, Decimal) as an exact decimal."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        # Exact and far cheaper than going through text; huge ints are refused by range.
        return Decimal(value) if -(10**60) < value < 10**60 else None
    if isinstance(value, float):
        value = str(value)
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value.strip()) and len(value) < 60:
        return Decimal(value.strip())
    return None


def add(a: Decimal, b: Decimal) -> Decimal:
    return checked(CONTEXT.add(a, b))


def sub(a: Decimal, b: Decimal) -> Decimal:
    return checked(CONTEXT.subtract(a, b))


def mul(a: Decimal, b: Decimal) -> Decimal:
    return checked(CONTEXT.multiply(a, b))


def trim_scale(value: Decimal) -> Decimal:
    """Drop trailing fractional zeros (``3.5000`` → ``3.5``, ``2.0`` → ``2``)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize(CONTEXT)


def div(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b`` rounded half away from zero to 10 places; null when ``b`` is zero."""
    if not b:
        return None
    try:
        exact = CONTEXT.divide(a, b)
        return checked(trim_scale(exact.quantize(DIVISION_PLACES, context=CONTEXT)))
    except DecimalException as exc:
        raise RuleError("a division result is out of range") from exc


def mod(a: Decimal, b: Decimal) -> Decimal | None:
    """The remainder with the sign of the divisor (spreadsheet ``MOD``); null for ``b = 0``."""
    if not b:
        return None
    rest = CONTEXT.remainder(a, b)
    if rest and (rest < 0) != (b < 0):
        rest = CONTEXT.add(rest, b)
    return rest


_ROUNDINGS = {
    "ROUND": ROUND_HALF_UP,
    "ROUNDUP": ROUND_UP,
    "ROUNDDOWN": ROUND_DOWN,
    "INT": ROUND_FLOOR,
    "FLOOR": ROUND_FLOOR,
    "CEILING": ROUND_CEILING,
}


def round_to(value: Decimal, places: Decimal | int, how: str = "ROUND") -> Decimal:
    """Round to ``places`` decimals (negative: tens, hundreds...) the spreadsheet way."""
    digits = int(places)
    if not -MAX_NUMBER_DIGITS <= digits <= MAX_NUMBER_DIGITS:
        raise RuleError("the number of decimal places must be between -40 and 40")
    try:
        result = value.quantize(
            Decimal(1).scaleb(-digits), rounding=_ROUNDINGS[how], context=CONTEXT
        )
    except DecimalException as exc:
        raise RuleError("a rounded number is out of range") from exc
    return result.quantize(Decimal(1)) if digits < 0 else result


def power(base: Decimal, exponent: Decimal) -> Decimal | None:
    """``base`` to a whole ``exponent`` between -100 and 100; null for 0 to a negative power."""
    if exponent != exponent.to_integral_value() or not -100 <= exponent <= 100:
        raise RuleError("POWER takes a whole exponent between -100 and 100")
    if not base and exponent < 0:
        return None
    try:
        result = CONTEXT.power(base, int(exponent))
    except DecimalException as exc:
        raise RuleError("POWER's result is out of range") from exc
    return checked(trim_scale(result) if exponent < 0 else result)


def number_text(value: Decimal) -> str:
    """A number as text, keeping its written scale and never in exponent form."""
    return format(value, "f")


def value_of(text: str | None) -> Decimal | None:
    """``VALUE``: plain ASCII number text as a number, anything else null."""
    if text is None:
        return None
    stripped = text.strip(" ")
    if len(stripped) > 60 or not _PLAIN_NUMBER.fullmatch(stripped) or not stripped.isascii():
        return None
    return Decimal(stripped)


# -- text ----------------------------------------------------------------------------------
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
TRIM_CHARS = " \u3000"


def upper(text: str) -> str:
    return text.translate(_UPPER)


def lower(text: str) -> str:
    return text.translate(_LOWER)


def text_value(text: str | None) -> str | None:
    """Empty text is null; text past the size limit is a :class:`RuleError`."""
    if not text:
        return None
    if len(text) > MAX_TEXT_LENGTH:
        raise LimitError(f"text is longer than {MAX_TEXT_LENGTH} characters")
    return text


def duration_text(value: timedelta) -> str:
    """A duration in ISO 8601 (``PT4H``, ``P1DT30M``, ``-PT5S``, ``PT0S``)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if v)
    out = f"{sign}P{f'{days}D' if days else ''}{'T' + clock if clock else ''}"
    return out if out not in ("P", "-P") else "PT0S"


def as_text(value: Any, tz: tzinfo) -> str | None:
    """How ``&``, ``CONCAT`` and ``TEXT`` show a value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    return str(value)


# -- dates and times -------------------------------------------------------------------------
def to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def to_datetime(value: Any, tz: tzinfo | None = None) -> datetime | None:
    """An aware datetime; naive input is taken as UTC (how record tables store it)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return midnight(value, tz or UTC)
    return None


def midnight(day: date, tz: tzinfo) -> datetime:
    """The start of ``day`` in ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz)


def to_duration(value: Any) -> timedelta | None:
    """Seconds (number) or ISO 8601 text (``PT4H``) as a whole-second duration."""
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return timedelta(seconds=int(value.total_seconds()))
    if isinstance(value, str):
        match = _ISO_DURATION.fullmatch(value.strip())
        if match and value.strip() not in ("P", "PT"):
            sign, d, h, m, s = match.groups()
            total = int(d or 0) * 86400 + int(h or 0) * 3600 + int(m or 0) * 60 + int(s or 0)
            return timedelta(seconds=-total if sign else total)
    number = to_decimal(value)
    if number is None:
        return None
    return seconds(number)


def seconds(amount: Decimal) -> timedelta:
    """A duration of ``amount`` seconds, rounded half away from zero to whole seconds."""
    whole = int(round_to(amount, 0))
    if abs(whole) > 10**12:
        raise RuleError("a duration is out of range")
    return timedelta(seconds=whole)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise RuleError("a date is out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last))


def date_add(value: date | datetime, amount: int, unit: str, tz: tzinfo) -> date | datetime:
    """``DATEADD``: calendar units in the app's time zone, hours and minutes in elapsed time."""
    try:
        if unit in ("hour", "minute"):
            base = value if isinstance(value, datetime) else midnight(value, tz)
            step = timedelta(hours=amount) if unit == "hour" else timedelta(minutes=amount)
            return base + step
        if isinstance(value, datetime):
            local = value.astimezone(tz)
            moved = date_add(local.date(), amount, unit, tz)
            return datetime.combine(moved, local.timetz().replace(tzinfo=None), tzinfo=tz)
        if unit in ("year", "month"):
            return add_months(value, amount * 12 if unit == "year" else amount)
        return value + timedelta(days=amount * 7 if unit == "week" else amount)
    except (OverflowError, ValueError) as exc:
        raise RuleError("a date is out of range") from exc


def date_diff(start: date | datetime, end: date | datetime, unit: str, tz: tzinfo) -> int:
    """``DATEDIF``: whole units from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    if isinstance(start, datetime) != isinstance(end, datetime):
        start = start if isinstance(start, datetime) else midnight(start, tz)
        end = end if isinstance(end, datetime) else midnight(end, tz)
    if end < start:  # type: ignore[operator]
        return -date_diff(end, start, unit, tz)
    if unit in ("year", "month"):
        if isinstance(start, datetime) and isinstance(end, datetime):
            a, b = start.astimezone(tz), end.astimezone(tz)
            months = (b.year - a.year) * 12 + b.month - a.month
            if (b.day, b.time()) < (a.day, a.time()):
                months -= 1
        else:
            months = (end.year - start.year) * 12 + end.month - start.month
            if end.day < start.day:
                months -= 1
        return months // 12 if unit == "year" else months
    elapsed = int((end - start).total_seconds())  # type: ignore[operator]
    size = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60}[unit]
    return elapsed // size


def check_list(items: list[Any]) -> list[Any]:
    if len(items) > MAX_LIST_ITEMS:
        raise LimitError(f"a list has more than {MAX_LIST_ITEMS} items")
    return items


def to_json(value: Any, tz: tzinfo) -> Any:
    """A result as JSON: decimals as text keeping their scale, times ISO 8601 in ``tz``."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, list):
        return [to_json(item, tz) for item in value]
    if isinstance(value, dict):
        return {str(k): to_json(item, tz) for k, item in value.items()}
    return str(value)
