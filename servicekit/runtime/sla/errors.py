"""The SLA engine's root error and the calendar errors people meet first."""

from __future__ import annotations


class SlaError(Exception):
    """Anything the SLA engine refuses; ``render()`` says what went wrong and what to do."""

    def render(self) -> str:
        return str(self)


class CalendarError(SlaError):
    """A calendar document cannot be turned into a working calendar (bad body or unknown key)."""


class CalendarCoverageError(CalendarError):
    """A calendar was asked about a year its holiday data does not cover.

    Counting business time through an unknown year would silently treat its holidays as
    working days, so the engine stops instead and names the years it does know.
    """

    def __init__(self, calendar: str, year: int, first: int, last: int) -> None:
        self.calendar = calendar
        self.year = year
        self.first = first
        self.last = last
        super().__init__(
            f"Calendar '{calendar}' knows holidays and make-up workdays for {first}-{last} only; "
            f"{year} is not covered. Upgrade the chinese-calendar package once the State Council "
            f"has announced {year}'s holidays, or use a calendar that lists them itself."
        )
