"""Field errors that views translate: an English template marked for extraction, and its values.

The runtime does not import Flask; the web layer passes ``FieldError.template`` through
``gettext`` and fills in ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(template: str) -> str:  # noqa: N802 - the conventional name babel extracts
    """Mark ``template`` for translation without translating it here."""
    return template


@dataclass(frozen=True)
class FieldError:
    """A problem with one field's value: where (field key, subform row) and what."""

    field: str
    template: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None  # 0-based subform row
    subfield: str | None = None

    def render(self, translate: Any = None) -> str:
        text = translate(self.template) if translate else self.template
        return text % self.params if self.params else text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "message": self.render()}
        if self.row is not None:
            data.update(row=self.row, subfield=self.subfield)
        return data


class FieldValueError(ValueError):
    """A value could not be read for a field; carries the message template and values."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params
