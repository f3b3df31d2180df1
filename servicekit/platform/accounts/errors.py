"""The root error of the accounts package."""

from __future__ import annotations


class AccountError(Exception):
    """An account operation was refused; ``field`` names the input at fault (if any).

    The message is a sentence for a person (already translated when a request is active).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
