"""How each field type looks in a CSV or XLSX cell, both ways.

Values go through the storage codecs (``to_text``/``from_text``) so a cell reads back as
the value it was written from. On top of the codecs this module knows what only a
spreadsheet needs: option labels in the reader's language, lookups as the target's business
number, users by login, and typed XLSX cells (numbers, dates) turned back into text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import User
from servicekit.platform.storage import RecordSource, codecs
from servicekit.platform.storage.messages import N_, FieldValueError

# Fields filled by the platform or holding files: written on export, never read on import
# (an auto number comes from its own sequence, as the business number does).
NOT_IMPORTED = frozenset({"formula", "auto_number", "attachment", "image", "signature", "subform"})
NUMERIC = frozenset({"integer", "decimal", "location", "duration"})
# A cell starting with one of these runs as a formula in spreadsheet programs.
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_XLSX_SAFE_INT = 2**53


def importable(item: FieldDef) -> bool:
    """Whether a column can fill ``item`` on import."""
    return item.type not in NOT_IMPORTED and item.value_type not in NOT_IMPORTED


def guard_formula(item: FieldDef, text: str) -> str:
    """A CSV cell that spreadsheet programs show as text, never run (undone by :func:`unguard`)."""
    if item.value_type in NUMERIC or not _FORMULA_START.match(text):
        return text
    return "'" + text


def unguard(item: FieldDef, text: str) -> str:
    """The text :func:`guard_formula` was given."""
    if item.value_type in NUMERIC or not _FORMULA_START.match(text) or not text.startswith("'"):
        return text
    return text[1:]


class CellFormat:
    """Turns values into cells and back for one person (their language and time zone).

    Lookup numbers and user logins are fetched in batches and cached for the run.
    """

    def __init__(self, session: Session, tz: ZoneInfo, locale: str, guarded: bool = True) -> None:
        self.session = session
        self.tz = tz
        self.locale = locale
        # CSV cells carry the formula guard of :func:`guard_formula`; XLSX text cells do not.
        self.guarded = guarded
        self._numbers: dict[str, dict[int, str | None]] = {}
        self._ids: dict[str, dict[str, int | None]] = {}
        self._logins: dict[int, str | None] = {}
        self._users: dict[str, int | None] = {}

    # export ----------------------------------------------------------------------------
    def prefetch(
        self, source: RecordSource, fields: Iterable[FieldDef], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Load the lookup numbers and user logins ``rows`` refer to, in one query each."""
        user_ids: set[int] = set()
        for item in fields:
            if item.value_type not in ("user", "lookup"):
                continue
            ids = {row[item.key] for row in rows if row.get(item.key) is not None}
            if item.value_type == "user":
                user_ids |= ids
            elif item.value_type == "lookup" and ids:
                target = source.lookup(item.key)
                known = self._numbers.setdefault(target.table.name, {})
                missing = [i for i in ids if i not in known]
                if missing:
                    table = target.table
                    found = self.session.execute(
                        select(table.c.id, table.c.number).where(table.c.id.in_(missing))
                    ).all()
                    known.update({i: None for i in missing})
                    known.update({row_id: number for row_id, number in found})
        missing_users = [i for i in user_ids if i not in self._logins]
        if missing_users:
            self._logins.update({i: None for i in missing_users})
            found_users = self.session.execute(
                select(User.id, User.login).where(User.id.in_(missing_users))
            ).all()
            self._logins.update({user_id: login for user_id, login in found_users})

    def to_cell(self, source: RecordSource, item: FieldDef, value: Any) -> str | int:
        """The cell for ``value``: text, or a whole number for integer fields."""
        if value is None or value == []:
            return ""
        kind = item.value_type
        if kind == "integer":
            return int(value)
        if kind == "select":
            return self._option_label(item, value)
        if kind == "multi_select":
            return ";".join(self._option_label(item, v) for v in value)
        if kind == "lookup":
            numbers = self._numbers.get(source.lookup(item.key).table.name, {})
            return numbers.get(value) or f"#{value}"
        if kind == "user":
            return self._logins.get(value) or f"#{value}"
        return codecs.to_text(item, value, self.tz)

    def _option_label(self, item: FieldDef, value: str) -> str:
        for option in item.options:
            if option.value == value:
                return option.label_for(self.locale)
        return value

    # import ----------------------------------------------------------------------------
    def from_cell(self, source: RecordSource, item: FieldDef, cell: Any) -> Any:
        """The value a cell holds for ``item``; raises :class:`FieldValueError`."""
        text = self._cell_text(item, cell)
        if text is None:
            return None
        kind = item.value_type
        if kind == "lookup":
            return self._lookup_id(source, item, text.strip())
        if kind == "user":
            return self._user_id(text.strip())
        return codecs.from_text(item, text, self.tz)

    def _cell_text(self, item: FieldDef, cell: Any) -> str | None:
        """A typed XLSX cell (or CSV text) as the text the codecs read."""
        if cell is None:
            return None
        kind = item.value_type
        if isinstance(cell, bool):
            return "true" if cell else "false"
        if isinstance(cell, int):
            return str(cell)
        if isinstance(cell, float):
            # Someone typed a number into the workbook; its shortest form is what they saw.
            return str(int(cell)) if cell.is_integer() else repr(cell)
        if isinstance(cell, datetime):
            if kind == "date":
                return cell.date().isoformat()
            return cell.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(cell, date):
            return cell.isoformat()
        if isinstance(cell, time):
            return cell.strftime("%H:%M:%S")
        if isinstance(cell, timedelta):
            return codecs.format_duration(cell)
        text = unguard(item, str(cell)) if self.guarded else str(cell)
        return text if text.strip() or kind in codecs.TEXT_KINDS else None

    def _lookup_id(self, source: RecordSource, item: FieldDef, number: str) -> int:
        target = source.lookup(item.key)
        known = self._ids.setdefault(target.table.name, {})
        if number not in known:
            table = target.table
            known[number] = self.session.scalar(
                select(table.c.id).where(table.c.number == number, table.c.deleted.is_(False))
            )
        found = known[number]
        if found is None:
            form = target.form.label_for(self.locale) if target.form else target.table.name
            raise FieldValueError(
                N_("There is no %(form)s record numbered %(number)s."),
                form=form,
                number=number[:64],
            )
        return found

    def _user_id(self, login: str) -> int:
        if login not in self._users:
            self._users[login] = self.session.scalar(select(User.id).where(User.login == login))
        found = self._users[login]
        if found is None:
            raise FieldValueError(
                N_("There is no user with the login %(login)s."), login=login[:64]
            )
        return found

    def xlsx_value(self, item: FieldDef, cell: str | int) -> str | int:
        """What an XLSX cell holds: whole numbers as numbers while exact, everything else text."""
        if isinstance(cell, int) and abs(cell) < _XLSX_SAFE_INT:
            return cell
        return str(cell)
