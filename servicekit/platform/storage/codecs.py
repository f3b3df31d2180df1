"""Reading and writing field values: from text (HTML forms, CSV), JSON (API) and columns.

One codec per field type keeps every path — form, API, CSV, XLSX, database — giving the
same Python value: ``str``, ``int``, exact ``Decimal``, ``bool``, ``date``, aware UTC
``datetime``, ``timedelta``, ``list`` of option values, user and record ids, or dicts for
locations and attachments.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import nh3

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.storage.messages import N_, FieldValueError

MAX_TEXT = 100_000
_TRUE = frozenset({"true", "1", "yes", "y", "on", "是", "对", "√"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "否", "错", "×"})
_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$")
_CLOCK_DURATION = re.compile(r"^(?P<h>\d+):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?$")
_PLAIN_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
TEXT_KINDS = frozenset({"text", "long_text", "rich_text", "auto_number"})
NOT_IMPORTED = frozenset({"attachment", "image", "signature", "subform"})


def _decimal(field: FieldDef, raw: str) -> Decimal:
    cleaned = raw.replace(",", "").replace("，", "").strip()
    if not _PLAIN_DECIMAL.match(cleaned):
        raise FieldValueError(N_("Enter a number such as 12.50."))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise FieldValueError(N_("Enter a number such as 12.50.")) from None
    scale = int(field.get("scale", 2))
    quantum = Decimal(1).scaleb(-scale)
    if number != number.quantize(quantum) and number.as_tuple().exponent < -scale:  # type: ignore[operator]
        raise FieldValueError(N_("Use at most %(scale)s decimal places."), scale=scale)
    if abs(number.adjusted()) > 18:
        raise FieldValueError(N_("The number is too large."))
    return number.quantize(quantum)


def _integer(raw: str) -> int:
    cleaned = raw.replace(",", "").strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", cleaned):
        raise FieldValueError(N_("Enter a whole number."))
    return int(cleaned)


def _datetime(raw: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        raise FieldValueError(N_("Enter a date and time such as 2026-01-31 08:30.")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip().replace("/", "-"))
    except ValueError:
        raise FieldValueError(N_("Enter a date such as 2026-01-31.")) from None


def _duration(raw: str) -> timedelta:
    text = raw.strip().upper()
    match = _DURATION.match(text) if text != "P" else None
    if match is None:
        match = _CLOCK_DURATION.match(text)
    if match is None:
        raise FieldValueError(
            N_(
                "Enter a duration such as 1:30 (hours:minutes), 1:30:15 (hours:minutes:seconds) "
                "or PT1H30M."
            )
        )
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    return timedelta(
        days=parts.get("d", 0), hours=parts["h"], minutes=parts["m"], seconds=parts.get("s", 0)
    )


def format_duration(value: timedelta) -> str:
    """ISO 8601 duration in days, hours, minutes and seconds (``PT4H``, ``P1DT30M``)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = sign + "P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{seconds}S" if seconds else ""
    if clock or not days:
        text += "T" + (clock or "0S")
    return text


def _options(field: FieldDef) -> list[str]:
    return [str(option.get("value")) for option in field.get("options", [])]


def _choice(field: FieldDef, raw: str) -> str:
    options = _options(field)
    if raw in options:
        return raw
    # People type labels in spreadsheets; accept a label in either language.
    for option in field.get("options", []):
        label = option.get("label")
        labels = label.values() if isinstance(label, dict) else [label]
        if raw in [str(text) for text in labels]:
            return str(option.get("value"))
    raise FieldValueError(
        N_("'%(value)s' is not one of the options (%(options)s)."),
        value=raw[:50],
        options=", ".join(options),
    )


def _location(raw: str) -> dict[str, Any]:
    parts = [p.strip() for p in raw.replace("，", ",").split(",", 2)]
    try:
        lat, lng = Decimal(parts[0]), Decimal(parts[1])
    except (InvalidOperation, IndexError):
        raise FieldValueError(N_("Enter a location as latitude,longitude.")) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise FieldValueError(N_("Latitude must be within ±90 and longitude within ±180."))
    location: dict[str, Any] = {"lat": str(lat), "lng": str(lng)}
    if len(parts) > 2 and parts[2]:
        location["address"] = parts[2]
    return location


def _refuse_nul(raw: Any) -> None:
    # PostgreSQL cannot store NUL in text; refuse it here so both databases agree.
    # Values are strings, lists of strings or flat dicts, so one level deep is enough.
    items = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else [raw]
    if any(isinstance(item, str) and "\x00" in item for item in items):
        raise FieldValueError(N_("The value contains a NUL character, which cannot be stored."))


def from_text(field: FieldDef, raw: str | None, tz: ZoneInfo) -> Any:
    """The value of ``field`` typed as text (an HTML input or a CSV cell); '' is null."""
    if raw is None:
        return None
    _refuse_nul(raw)
    if len(raw) > MAX_TEXT:
        raise FieldValueError(N_("The value is longer than %(max)s characters."), max=MAX_TEXT)
    kind = field.value_type
    if kind == "rich_text":
        # Stored sanitized, so every later reader (page, API, export) gets safe HTML.
        cleaned = nh3.clean(raw)
        return cleaned if cleaned.strip() else None
    if kind in TEXT_KINDS:
        return raw if raw.strip() else None
    raw = raw.strip()
    if raw == "":
        return None
    if kind == "integer":
        return _integer(raw)
    if kind == "decimal":
        return _decimal(field, raw)
    if kind == "boolean":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise FieldValueError(N_("Enter yes or no."))
    if kind == "date":
        return _date(raw)
    if kind == "datetime":
        return _datetime(raw, tz)
    if kind == "duration":
        return _duration(raw)
    if kind == "select":
        return _choice(field, raw)
    if kind == "multi_select":
        values = [_choice(field, part.strip()) for part in raw.split(";") if part.strip()]
        return values or None
    if kind in ("user", "lookup"):
        return _integer(raw)
    if kind == "location":
        return _location(raw)
    raise FieldValueError(N_("This field cannot be entered as text."))


def to_text(field: FieldDef, value: Any, tz: ZoneInfo) -> str:
    """The text form of a value, read back unchanged by :func:`from_text`."""
    if value is None:
        return ""
    kind = field.value_type
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "datetime":
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "date":
        return value.isoformat()
    if kind == "duration":
        return format_duration(value)
    if kind == "multi_select":
        return ";".join(value)
    if kind == "location":
        text = f"{value['lat']},{value['lng']}"
        return f"{text},{value['address']}" if value.get("address") else text
    if kind in ("attachment", "image", "signature"):
        return ";".join(str(item.get("name", "")) for item in value)
    return str(value)


def from_json(field: FieldDef, raw: Any, tz: ZoneInfo) -> Any:
    """The value of ``field`` as sent in a JSON body (API)."""
    if raw is None:
        return None
    _refuse_nul(raw)
    kind = field.value_type
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        raise FieldValueError(N_("Send true or false."))
    if kind in ("integer", "user", "lookup"):
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise FieldValueError(N_("Enter a whole number."))
        return _integer(str(raw))
    if kind == "decimal":
        if isinstance(raw, float):
            # A JSON float already lost exactness in transit; ask for a string instead.
            raise FieldValueError(N_('Send decimals as strings such as "12.50".'))
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise FieldValueError(N_("Enter a number such as 12.50."))
        return _decimal(field, str(raw))
    if kind == "multi_select":
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise FieldValueError(N_("Send a list of option values."))
        return [_choice(field, item) for item in raw] or None
    if kind == "location":
        if not isinstance(raw, dict):
            raise FieldValueError(N_('Send a location as {"lat", "lng", "address"}.'))
        text = f"{raw.get('lat')},{raw.get('lng')}"
        return _location(text + (f",{raw['address']}" if raw.get("address") else ""))
    if not isinstance(raw, str):
        raise FieldValueError(N_("Send this value as a string."))
    return from_text(field, raw, tz)


def to_json(field: FieldDef, value: Any) -> Any:
    """The JSON form of a value (decimals as strings that keep their scale)."""
    if value is None:
        return None
    kind = field.value_type
    if kind in ("decimal",):
        return str(value)
    if kind == "datetime":
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if kind == "date":
        return value.isoformat()
    if kind == "duration":
        return format_duration(value)
    return value


def to_column(field: FieldDef, value: Any) -> Any:
    """The value as its column stores it (durations as whole seconds)."""
    if value is None:
        return None
    if field.value_type == "duration":
        return int(value.total_seconds())
    return value


def from_column(field: FieldDef, value: Any) -> Any:
    """A column value as the runtime uses it."""
    if value is None:
        return None
    if field.value_type == "duration":
        return timedelta(seconds=int(value))
    if field.value_type == "datetime" and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
