"""The rule language's function table: names, argument counts, aggregates and date units.

For the checker (arity and unknown-name messages), the validator (which names are
functions) and the golden tests; the back ends keep their own implementations.
"""

from __future__ import annotations

# How a date unit may be written in DATEADD and DATEDIF -> the unit the back ends use.
UNITS = {
    "year": "year",
    "years": "year",
    "month": "month",
    "months": "month",
    "week": "week",
    "weeks": "week",
    "day": "day",
    "days": "day",
    "hour": "hour",
    "hours": "hour",
    "minute": "minute",
    "minutes": "minute",
}
AGGREGATES = ("SUM", "COUNT", "COUNTIF", "SUMIF", "AVERAGE", "MIN", "MAX", "JOIN")
# Functions without a SQL form: they cannot be used in list or report filters.
PYTHON_ONLY = frozenset(
    {
        "CHANGED",
        "PREVIOUS",
        "IFERROR",
        "VALUE",
        "JOIN",
        "TEXT",
        "SUBSTITUTE",
        "MID",
        "POWER",
        "DATEDIF",
        "ROUNDUP",
        "ROUNDDOWN",
        "AVERAGE",
    }
)

# name -> (minimum, maximum or None) argument counts, for the "wrong argument count" message.
ARITY: dict[str, tuple[int, int | None]] = {
    "IF": (2, 3),
    "IFS": (2, None),
    "SWITCH": (3, None),
    "AND": (1, None),
    "OR": (1, None),
    "NOT": (1, 1),
    "ISBLANK": (1, 1),
    "COALESCE": (1, None),
    "IFERROR": (2, 2),
    "CONCAT": (1, None),
    "LEN": (1, 1),
    "LEFT": (1, 2),
    "RIGHT": (1, 2),
    "MID": (3, 3),
    "UPPER": (1, 1),
    "LOWER": (1, 1),
    "TRIM": (1, 1),
    "SUBSTITUTE": (3, 3),
    "CONTAINS": (2, 2),
    "STARTSWITH": (2, 2),
    "ENDSWITH": (2, 2),
    "TEXT": (1, 1),
    "VALUE": (1, 1),
    "ROUND": (1, 2),
    "ROUNDUP": (1, 2),
    "ROUNDDOWN": (1, 2),
    "INT": (1, 1),
    "CEILING": (1, 1),
    "FLOOR": (1, 1),
    "ABS": (1, 1),
    "MOD": (2, 2),
    "MIN": (1, None),
    "MAX": (1, None),
    "POWER": (2, 2),
    "NOW": (0, 0),
    "TODAY": (0, 0),
    "DATE": (3, 3),
    "DATETIME": (3, 6),
    "YEAR": (1, 1),
    "MONTH": (1, 1),
    "DAY": (1, 1),
    "HOUR": (1, 1),
    "WEEKDAY": (1, 1),
    "DATEADD": (3, 3),
    "DATEDIF": (3, 3),
    "MINUTES": (1, 1),
    "HOURS": (1, 1),
    "DAYS": (1, 1),
    "SUM": (1, 2),
    "COUNT": (1, 1),
    "COUNTIF": (2, 2),
    "SUMIF": (3, 3),
    "AVERAGE": (1, 2),
    "JOIN": (1, 3),
    "IN_ROLE": (1, 1),
    "CHANGED": (1, 1),
    "PREVIOUS": (1, 1),
}
FUNCTIONS = frozenset(ARITY)
