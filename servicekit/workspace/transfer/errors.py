"""The root error of imports and exports: an English template for translation and its values."""

from __future__ import annotations

from typing import Any


class TransferError(Exception):
    """A file cannot be imported or a list cannot be exported, said so a person can act on it.

    ``template`` is English marked for extraction with ``N_``; views pass it through
    ``gettext`` and fill in ``params``, so the same error reads in Chinese or English.
    """

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params

    def render(self, translate: Any = None) -> str:
        """The message in the language ``translate`` (a gettext function) gives."""
        text = translate(self.template) if translate else self.template
        return text % self.params if self.params else text
