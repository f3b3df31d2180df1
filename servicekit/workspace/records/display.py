"""Field values as people read them: option labels, money, local times, names and titles.

Lists and record pages both show values through :class:`Displayer`, which fetches the
users and lookup targets a batch of rows refers to in one query each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import User
from servicekit.platform.storage import codecs
from servicekit.runtime.forms import FormRuntime


def duration_text(value: timedelta) -> str:
    """A duration as ``h:mm`` (hours may exceed 24)."""
    minutes = int(value.total_seconds()) // 60
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def decimal_text(field: FieldDef, value: Decimal) -> str:
    """A decimal with thousands separators and the field's scale (money style)."""
    scale = int(field.get("scale", 2))
    return f"{value:,.{scale}f}"


class Displayer:
    """Formats one form's values for one reader (language and zone)."""

    def __init__(
        self, session: Session, runtime: FormRuntime, *, locale: str, tz: ZoneInfo
    ) -> None:
        self.session = session
        self.runtime = runtime
        self.locale = locale
        self.tz = tz
        self._users: dict[int, str] = {}
        self._targets: dict[tuple[str, int], str] = {}
        self._labels: dict[int, tuple[FieldDef, dict[str, str]]] = {}
        self._readers: dict[str, Any] = {}  # lookup field key -> its TitleReader

    # batching ---------------------------------------------------------------------------
    def prefetch(self, fields: Iterable[FieldDef], rows: Iterable[Mapping[str, Any]]) -> None:
        """Load the user names and lookup titles ``rows`` need for ``fields``."""
        rows = list(rows)
        user_ids: set[int] = set()
        lookups: dict[str, set[int]] = {}
        for item in fields:
            for row in rows:
                value = row.get(item.key)
                if value is None:
                    continue
                if item.value_type == "user":
                    user_ids.add(int(value))
                elif item.value_type == "lookup" and (item.key, value) not in self._targets:
                    lookups.setdefault(item.key, set()).add(int(value))
        for row in rows:
            for name in ("created_by", "updated_by"):
                if row.get(name) is not None:
                    user_ids.add(int(row[name]))
        self.load_users(user_ids)
        for key, ids in lookups.items():
            self._load_targets(key, ids)

    def lookup_columns(self, fields: Iterable[FieldDef]) -> dict[str, tuple[str, ...]]:
        """For a list query: the target columns each lookup among ``fields`` titles with."""
        from servicekit.workspace.records.lookups import TitleReader

        wanted = {}
        for item in fields:
            if item.value_type == "lookup" and item.key not in self._readers:
                target = self.runtime.source.lookup(item.key)
                self._readers[item.key] = TitleReader(self.runtime, item, target)
            if item.value_type == "lookup":
                wanted[item.key] = self._readers[item.key].columns
        return wanted

    def take_targets(self, targets: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> None:
        """Titles from target rows a list query joined in (see :meth:`lookup_columns`)."""
        for key, rows in targets.items():
            reader = self._readers[key]
            for record_id, row in rows.items():
                self._targets[(key, record_id)] = reader.text(row)

    def load_users(self, ids: Iterable[int]) -> None:
        wanted = set(ids) - set(self._users)
        if wanted:
            for user_id, name in self.session.execute(
                select(User.id, User.display_name).where(User.id.in_(wanted))
            ):
                self._users[user_id] = name

    def _load_targets(self, key: str, ids: set[int]) -> None:
        from servicekit.workspace.records.lookups import describe

        item = self.runtime.form.field(key)
        target = self.runtime.source.lookup(key)
        for record_id, text in describe(
            self.session, self.runtime, item, target, ids, self.tz
        ).items():
            self._targets[(key, record_id)] = text

    def user_name(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        self.load_users([user_id])
        return self._users.get(int(user_id), f"#{user_id}")

    def lookup_text(self, key: str, record_id: int | None) -> str:
        """The target record's display text (its title expression, else its number)."""
        if record_id is None:
            return ""
        if (key, int(record_id)) not in self._targets:
            self._load_targets(key, {int(record_id)})
        return self._targets.get((key, int(record_id)), f"#{record_id}")

    # formatting -------------------------------------------------------------------------
    def moment(self, value: datetime | None) -> str:
        """A stored date-time in the reader's zone, to the minute."""
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if value else ""

    def text(self, item: FieldDef, value: Any) -> str | Markup:
        """``value`` of ``item`` for reading (Markup only for sanitized rich text)."""
        if value is None or value == [] or value == "":
            return ""
        kind = item.value_type
        if kind == "select":
            return self._option(item, value)
        if kind == "multi_select":
            separator = "、" if self.locale.startswith("zh") else ", "
            return separator.join(self._option(item, part) for part in value)
        if kind == "boolean":
            return _("Yes") if value else _("No")
        if kind == "decimal":
            return decimal_text(item, value)
        if kind == "datetime" and isinstance(value, datetime):
            return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        if kind == "duration" and isinstance(value, timedelta):
            return duration_text(value)
        if kind == "user":
            return self.user_name(value)
        if kind == "lookup":
            return self.lookup_text(item.key, value)
        if kind == "location":
            text = f"{value.get('lat')}, {value.get('lng')}"
            return f"{text} {value['address']}" if value.get("address") else text
        if kind in ("attachment", "image", "signature"):
            return ", ".join(str(part.get("name", "")) for part in value)
        if kind == "rich_text":
            # Stored sanitized already; cleaning again costs little and guards old rows.
            return Markup(nh3.clean(str(value)))  # noqa: S704 - sanitized by nh3
        if item.type == "subform":
            return _("%(count)s rows", count=len(value))
        return str(value)

    def _option(self, item: FieldDef, value: str) -> str:
        # A list shows the same few options row after row: look each field's labels up once.
        # By the field itself: a subform's column may share its key with a form field.
        kept = self._labels.get(id(item))
        if kept is None:
            labels = {o.value: o.label_for(self.locale) for o in reversed(item.options)}
            kept = self._labels[id(item)] = (item, labels)  # holding item keeps its id unique
        return kept[1].get(value, str(value))

    def cells(
        self, fields: Iterable[FieldDef], rows: Iterable[Mapping[str, Any]]
    ) -> list[list[str | Markup]]:
        """Each row's ``fields`` for reading, a list per row (call :meth:`prefetch` first)."""
        fields = list(fields)
        text = self.text
        return [[text(item, row.get(item.key)) for item in fields] for row in rows]

    def json_text(self, item: FieldDef, raw: Any) -> str:
        """A value as the event log keeps it (JSON form), shown for reading."""
        if raw is None or raw == []:
            return "—"
        if item.type == "subform":
            return _("%(count)s rows", count=len(raw))
        if item.value_type in ("attachment", "image", "signature") and isinstance(raw, list):
            return ", ".join(str(part.get("name", "")) for part in raw if isinstance(part, dict))
        try:
            value = codecs.from_json(item, raw, self.tz)
        except (ValueError, TypeError):
            return str(raw)
        if isinstance(value, str) and item.value_type == "datetime":
            return value
        shown = self.text(item, value)
        return str(shown) if not isinstance(shown, Markup) else shown.striptags()
