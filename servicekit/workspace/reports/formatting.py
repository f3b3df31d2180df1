"""Show report numbers as their measure's format asks: decimals, unit and percent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from servicekit.runtime.reports.model import Format


def format_value(value: Any, fmt: Format) -> str:
    """``1,234.50 元``, ``12.5%`` or a date; empty for no value."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return (
            value.isoformat(sep=" ", timespec="minutes")
            if isinstance(value, datetime)
            else value.isoformat()
        )
    if isinstance(value, int) and not fmt.percent and fmt.decimals is None:
        text = f"{value:,}"
    else:
        number = Decimal(str(value)) * (100 if fmt.percent else 1)
        places = (
            fmt.decimals
            if fmt.decimals is not None
            else (0 if number == number.to_integral() else 2)
        )
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{number:,.{places}f}"
    if fmt.percent:
        text += "%"
    return f"{text} {fmt.unit}" if fmt.unit else text
