"""The next business number a numbering pattern would give, or the checker's problems with
the pattern in the builder's language: the form designer's live numbering preview.

The checker (``numbering_messages``) and the numbering module (``peek_number``) are the
authorities; this module only picks the sequence and words the answer for the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from servicekit.platform.metadata import numbering_messages
from servicekit.platform.storage import peek_number
from servicekit.platform.storage.numbering import field_sequence, form_sequence

# The reset periods of schemas/form.schema.json, as the reset choice names them.
RESET_NAMES = {
    "never": _l("Never: keep counting"),
    "daily": _l("Every day"),
    "monthly": _l("Every month"),
    "yearly": _l("Every year"),
}
MAX_PATTERN = 60  # as in schemas/form.schema.json
# Where a numbering object may sit in a form body; problems are reported at that path.
NUMBERING_PATH = re.compile(r"^\$\.(?:numbering|fields\[\d{1,4}\]\.numbering)$")


def sequence_name(app_key: str, form_key: str, field_key: str | None) -> str:
    """The counter a pattern numbers with: the form's business number or one auto-number field."""
    if field_key:
        return field_sequence(app_key, form_key, field_key)
    return form_sequence(app_key, form_key)


def numbering_preview(
    session: Session,
    sequence: str,
    numbering: dict[str, Any],
    path: str,
    *,
    local_now: datetime,
    translate: Callable[[str], str],
) -> dict[str, Any]:
    """``{"ok", "next", "problems"}``: the next number, or each problem with its JSON path."""
    problems = [
        {"path": where, "message": translate(template) % _named(params)}
        for where, template, params in numbering_messages(numbering, path)
    ]
    if problems:
        return {"ok": False, "next": None, "problems": problems}
    return {
        "ok": True,
        "next": peek_number(session, sequence, numbering, local_now),
        "problems": [],
    }


def _named(params: dict[str, Any]) -> dict[str, Any]:
    """The message values with the reset period named as the reset choice shows it."""
    if params.get("reset") in RESET_NAMES:
        return {**params, "reset": str(RESET_NAMES[params["reset"]])}
    return params
