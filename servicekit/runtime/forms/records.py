"""Creating, reading, updating, trashing and restoring records of a published form.

Each change is one transaction of the caller's session: the row and its subform rows, the
business number, computed formulas and the event-log entry. Updates carry the version the
user started from; a stale one is refused with what changed since, never merged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from servicekit.platform.metadata.forms import RECORD_COLUMNS, FieldDef
from servicekit.platform.models import Event, User
from servicekit.platform.storage import RecordSource, codecs, next_number
from servicekit.platform.storage.messages import N_, FieldError
from servicekit.platform.storage.numbering import field_numbering, field_sequence
from servicekit.runtime.forms.logic import Context, FormLogic
from servicekit.runtime.forms.validate import validate_values

TRASH_DAYS = 30
SYSTEM = (*RECORD_COLUMNS, "deleted", "deleted_at")
_READ = tuple(name for name in SYSTEM if name != "deleted_at")  # what a Record carries


# Key of ``session.info``: (table, record id) of every record this session updated, so that
# creating a record knows whether its created hooks changed it.
_UPDATED = "servicekit.records.updated"


# Called in the creating transaction after a record is stored: (session, store, record,
# actor id, context). Engines such as the workflow register here, so forms need not know them.
CreatedHook = Callable[[Session, "RecordStore", "Record", "int | None", Context], None]
_created_hooks: list[CreatedHook] = []


def add_created_hook(hook: CreatedHook) -> None:
    """Call ``hook`` after every record creation (registering the same hook twice is a no-op)."""
    if hook not in _created_hooks:
        _created_hooks.append(hook)


# Called before a person's edit is written: (session, store, current record, keys of the
# fields the edit changes, actor) -> field errors. The workflow registers here so the rights
# of the current node apply on record pages and the API just as they do on workflow moves.
EditGuard = Callable[[Session, "RecordStore", "Record", frozenset[str], Any], list[FieldError]]
_edit_guards: list[EditGuard] = []


def add_edit_guard(guard: EditGuard) -> None:
    """Check every edit made with an ``actor`` through ``guard`` (registering twice: no-op)."""
    if guard not in _edit_guards:
        _edit_guards.append(guard)


class RecordError(Exception):
    """Root error of record operations."""


class RecordNotFound(RecordError):
    """The record does not exist (or is in the trash, or the user may not see it)."""


class RecordInvalid(RecordError):
    """The values break the form's rules; ``errors`` holds every problem."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.render()}" for e in errors))
        self.errors = errors


class StaleRecord(RecordError):
    """Someone saved the record after the version the user started from."""

    def __init__(self, current: Record, changes: list[dict[str, Any]]) -> None:
        super().__init__(f"record {current.id} is at version {current.version}")
        self.current = current
        self.changes = changes


@dataclass
class Record:
    """A record as the runtime sees it: system columns and typed field values."""

    id: int
    number: str | None
    version: int
    created_at: datetime
    created_by: int | None
    updated_at: datetime
    updated_by: int | None
    deleted: bool
    values: dict[str, Any] = field(default_factory=dict)


class RecordStore:
    """Record operations for one published form version."""

    def __init__(self, source: RecordSource, logic: FormLogic) -> None:
        if source.form is None:
            raise ValueError("a record store needs a form's source, not a subform's")
        self.source = source
        self.form = source.form
        self.logic = logic
        self.table = source.table
        self._auto_keys = frozenset(f.key for f in self.form.auto_numbers)

    # reading ---------------------------------------------------------------------------
    def get(self, session: Session, record_id: int, *, include_deleted: bool = False) -> Record:
        """The record with its subform rows; raises :class:`RecordNotFound`."""
        query = select(self.table).where(self.table.c.id == record_id)
        if not include_deleted:
            query = query.where(self.table.c.deleted.is_(False))
        row = session.execute(query).mappings().first()
        if row is None:
            raise RecordNotFound(record_id)
        record = self._record(row)
        for sub in self.form.subforms:
            record.values[sub.key] = self._rows(session, sub, record.id)
        return record

    def get_many(
        self,
        session: Session,
        record_ids: Collection[int],
        fields: Collection[str] | None = None,
    ) -> dict[int, Record]:
        """The live records among ``record_ids`` by id, in one query per table (for batch
        work such as the SLA sweep); missing ids are left out. ``fields`` limits the values
        (and subforms) read to those keys; all when None."""
        if not record_ids:
            return {}
        stored = [f for f in self.form.stored_fields if fields is None or f.key in fields]
        table = self.table
        query = select(*(table.c[name] for name in _READ), *(table.c[f.key] for f in stored))
        query = query.where(table.c.id.in_(record_ids), table.c.deleted.is_(False))
        records = {
            r.id: r
            for r in (self._record(row, stored) for row in session.execute(query).mappings())
        }
        for sub in self.form.subforms:
            if fields is not None and sub.key not in fields:
                continue
            child = self.source.child(sub.key).table
            for record in records.values():
                record.values[sub.key] = []
            rows = session.execute(
                select(child)
                .where(child.c.parent_id.in_(records))
                .order_by(child.c.parent_id, child.c.position)
            ).mappings()
            for row in rows:
                records[row["parent_id"]].values[sub.key].append(_sub_row(sub, row))
        return records

    def _record(self, row: Mapping[str, Any], stored: Sequence[FieldDef] | None = None) -> Record:
        fields = self.form.stored_fields if stored is None else stored
        values = {f.key: codecs.from_column(f, row[f.key]) for f in fields}
        return Record(values=values, **{name: row[name] for name in _READ})

    def _rows(self, session: Session, sub: FieldDef, parent_id: int) -> list[dict[str, Any]]:
        table = self.source.child(sub.key).table
        result = session.execute(
            select(table).where(table.c.parent_id == parent_id).order_by(table.c.position)
        ).mappings()
        return [_sub_row(sub, row) for row in result]

    def rule_values(self, session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with lookups expanded to the target records' values, for rules."""
        return self._expanded(values, self._lookup_rows(session, values))

    def _lookup_rows(
        self, session: Session, values: Mapping[str, Any]
    ) -> dict[str, Mapping[str, Any] | None]:
        """The target row of each lookup that has a value (None when it does not exist)."""
        rows: dict[str, Mapping[str, Any] | None] = {}
        for item in self.form.lookups:
            target_id = values.get(item.key)
            if target_id is None:
                continue
            table = self.source.lookup(item.key).table
            rows[item.key] = (
                session.execute(select(table).where(table.c.id == target_id)).mappings().first()
            )
        return rows

    def _expanded(
        self, values: Mapping[str, Any], rows: Mapping[str, Mapping[str, Any] | None]
    ) -> dict[str, Any]:
        expanded = dict(values)
        for key, row in rows.items():
            if row is not None:
                target = self.source.lookup(key)
                expanded[key] = {
                    "id": row["id"],
                    "number": row["number"],
                    **{f.key: codecs.from_column(f, row[f.key]) for f in target.fields if f.stored},
                }
        return expanded

    # checking --------------------------------------------------------------------------
    def prepare(
        self,
        session: Session,
        values: dict[str, Any],
        context: Context,
        *,
        record_id: int | None = None,
        locale: str = "zh_CN",
    ) -> dict[str, Any]:
        """Compute formulas and check everything; returns the values to store.

        Raises :class:`RecordInvalid` with every problem found.
        """
        targets = self._lookup_rows(session, values)
        expanded = self._expanded(values, targets)
        computed = self.logic.compute(expanded, context)
        values.update(computed)
        state = self.logic.state(expanded, context)
        errors = validate_values(self.form, values, state)
        errors += _lookup_errors(targets)
        errors += self._user_errors(session, values)
        errors += self._unique_errors(session, values, record_id)
        if not errors:
            for message in self.logic.failed_validations(expanded, context, locale):
                errors.append(FieldError("__all__", "%(message)s", {"message": message}))
        if errors:
            raise RecordInvalid(errors)
        # Hidden fields keep no value: what a person cannot see, they did not enter. Formulas
        # and auto numbers were never entered, so they keep theirs.
        for key in state.hidden:
            if self.form.field(key).type not in ("formula", "auto_number"):
                values[key] = [] if self.form.field(key).type == "subform" else None
        return values

    def _user_errors(self, session: Session, values: Mapping[str, Any]) -> list[FieldError]:
        """User fields must name existing users (the column is a foreign key)."""
        places: list[tuple[Any, str, int | None, str | None]] = []
        for item in self.form.fields:
            if item.value_type == "user" and values.get(item.key) is not None:
                places.append((values[item.key], item.key, None, None))
            for child in item.children:
                if child.value_type != "user":
                    continue
                for index, row in enumerate(values.get(item.key) or []):
                    if row.get(child.key) is not None:
                        places.append((row[child.key], item.key, index, child.key))
        if not places:
            return []
        # User ids are 32-bit; a larger number names nobody (and PostgreSQL would refuse it).
        wanted = {user_id for user_id, *_rest in places if 0 < user_id < 2**31}
        known = set(session.scalars(select(User.id).where(User.id.in_(wanted))))
        return [
            FieldError(key, N_("There is no such user."), row=row, subfield=subfield)
            for user_id, key, row, subfield in places
            if user_id not in known
        ]

    def _unique_errors(
        self, session: Session, values: Mapping[str, Any], record_id: int | None
    ) -> list[FieldError]:
        errors = []
        for item in self.form.stored_fields:
            if not item.get("unique") or values.get(item.key) is None:
                continue
            query = select(self.table.c.number).where(
                self.table.c[item.key] == codecs.to_column(item, values[item.key])
            )
            if record_id is not None:
                query = query.where(self.table.c.id != record_id)
            other = session.execute(query.limit(1)).first()
            if other is not None:
                errors.append(
                    FieldError(
                        item.key,
                        N_("Record %(number)s already has this value."),
                        {"number": other[0] or "?"},
                    )
                )
        return errors

    # writing ---------------------------------------------------------------------------
    def create(
        self,
        session: Session,
        values: Mapping[str, Any],
        context: Context,
        *,
        actor_id: int | None,
        locale: str = "zh_CN",
    ) -> Record:
        """Insert a record (defaults, formulas, numbers, subform rows, event) after checks.

        Auto-number fields are filled from their own sequences; values given for them
        (an API body, an imported file) are ignored.
        """
        merged = {**self.logic.default_values(context), **self._entered(values)}
        merged = self.prepare(session, merged, context, locale=locale)
        local_now = context.now.astimezone(context.tz)
        number = None
        if self.form.numbering:
            number = next_number(
                session, f"{self.source.app_key}.{self.form.key}", self.form.numbering, local_now
            )
        # After the business number, in field order: every creator takes the counters'
        # locks in the same order, so two creators never wait on each other in a circle.
        for item in self.form.auto_numbers:
            merged[item.key] = next_number(
                session,
                field_sequence(self.source.app_key, self.form.key, item.key),
                field_numbering(item),
                local_now,
            )
        columns = self._columns(merged)
        columns.update(
            number=number,
            created_at=context.now,
            updated_at=context.now,
            created_by=actor_id,
            updated_by=actor_id,
            version=1,
            deleted=False,
        )
        record_id = session.execute(self.table.insert().values(**columns)).inserted_primary_key[0]
        self._write_rows(session, record_id, merged)
        self._event(
            session,
            "record.created",
            record_id,
            actor_id,
            context.now,
            {"version": 1, "fields": self._diff({}, merged)},
        )
        # Hooks get the record as written, without reading it back.
        written = Record(
            id=record_id,
            values={f.key: codecs.from_column(f, columns[f.key]) for f in self.form.stored_fields},
            **{k: columns[k] for k in SYSTEM if k not in ("id", "deleted_at")},
        )
        for sub in self.form.subforms:
            written.values[sub.key] = [
                {c.key: row.get(c.key) for c in sub.children} for row in merged.get(sub.key) or []
            ]
        for hook in list(_created_hooks):
            hook(session, self, written, actor_id, context)
        if (self.table.name, record_id) in session.info.get(_UPDATED, ()):
            # A hook changed the record (a workflow filled a field): read what it wrote.
            return self.get(session, record_id)
        # Otherwise the record is what was written; only the subform rows' new ids are read.
        for sub in self.form.subforms:
            written.values[sub.key] = self._rows(session, sub, record_id)
        return written

    def update(
        self,
        session: Session,
        record_id: int,
        values: Mapping[str, Any],
        context: Context,
        *,
        expected_version: int,
        actor_id: int | None,
        locale: str = "zh_CN",
        actor: Any = None,
    ) -> Record:
        """Change a record that is still at ``expected_version``; raises :class:`StaleRecord`.

        Pass the person's ``actor`` (an ``Actor``) for edits made on pages or through the API,
        so registered edit guards (the workflow's node field rights) can refuse fields;
        engines that did their own checks leave it out.
        """
        current = self.get(session, record_id)
        if current.version != expected_version:
            raise StaleRecord(current, self.changes_since(session, record_id, expected_version))
        values = self._entered(values)
        if actor is not None and _edit_guards:
            changed = frozenset(self._diff(current.values, {**current.values, **values}))
            errors = [
                error
                for guard in list(_edit_guards)
                for error in guard(session, self, current, changed, actor)
            ]
            if errors:
                raise RecordInvalid(errors)
        merged = {**current.values, **values}
        context = Context(
            now=context.now,
            tz=context.tz,
            user=context.user,
            previous=self.rule_values(session, current.values),
        )
        merged = self.prepare(session, merged, context, record_id=record_id, locale=locale)
        diff = self._diff(current.values, merged)
        columns = self._columns(merged)
        columns.update(updated_at=context.now, updated_by=actor_id, version=expected_version + 1)
        result = session.execute(
            update(self.table)
            .where(and_(self.table.c.id == record_id, self.table.c.version == expected_version))
            .values(**columns)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            # Another transaction won between our read and our write.
            current = self.get(session, record_id)
            raise StaleRecord(current, self.changes_since(session, record_id, expected_version))
        self._write_rows(session, record_id, merged, replace=True)
        session.info.setdefault(_UPDATED, set()).add((self.table.name, record_id))
        self._event(
            session,
            "record.updated",
            record_id,
            actor_id,
            context.now,
            {"version": expected_version + 1, "fields": diff},
        )
        return self.get(session, record_id)

    def delete(
        self, session: Session, record_id: int, *, actor_id: int | None, now: datetime
    ) -> None:
        """Move a record to the trash (restorable for :data:`TRASH_DAYS` days)."""
        self.get(session, record_id)
        session.execute(
            update(self.table)
            .where(self.table.c.id == record_id)
            .values(deleted=True, deleted_at=now, updated_by=actor_id)
        )
        self._event(session, "record.deleted", record_id, actor_id, now, None)

    def restore(
        self, session: Session, record_id: int, *, actor_id: int | None, now: datetime
    ) -> Record:
        """Bring a record back from the trash."""
        record = self.get(session, record_id, include_deleted=True)
        if not record.deleted:
            return record
        session.execute(
            update(self.table)
            .where(self.table.c.id == record_id)
            .values(deleted=False, deleted_at=None)
        )
        self._event(session, "record.restored", record_id, actor_id, now, None)
        return self.get(session, record_id)

    def purge_trash(self, session: Session, *, now: datetime) -> int:
        """Remove records that have been in the trash longer than :data:`TRASH_DAYS` days."""
        cutoff = now - timedelta(days=TRASH_DAYS)
        result = session.execute(
            self.table.delete().where(
                self.table.c.deleted.is_(True), self.table.c.deleted_at < cutoff
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def changes_since(self, session: Session, record_id: int, version: int) -> list[dict[str, Any]]:
        """Field changes recorded after ``version`` (for the 409 answer)."""
        events = session.scalars(
            select(Event)
            .where(
                Event.app_key == self.source.app_key,
                Event.form_key == self.form.key,
                Event.record_id == record_id,
                Event.kind == "record.updated",
            )
            .order_by(Event.id)
        )
        return [
            {
                "version": e.changes["version"],
                "by": e.actor_id,
                "at": e.at.isoformat(),
                "fields": e.changes["fields"],
            }
            for e in events
            if e.changes and e.changes.get("version", 0) > version
        ]

    def count(self, session: Session) -> int:
        return int(
            session.scalar(
                select(func.count()).select_from(self.table).where(self.table.c.deleted.is_(False))
            )
            or 0
        )

    # helpers ---------------------------------------------------------------------------
    def _entered(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` without auto numbers: those come from their sequences, never from input."""
        if not self._auto_keys:
            return dict(values)
        return {k: v for k, v in values.items() if k not in self._auto_keys}

    def _columns(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {f.key: codecs.to_column(f, values.get(f.key)) for f in self.form.stored_fields}

    def _write_rows(
        self, session: Session, record_id: int, values: Mapping[str, Any], replace: bool = False
    ) -> None:
        for sub in self.form.subforms:
            table = self.source.child(sub.key).table
            if replace:
                session.execute(table.delete().where(table.c.parent_id == record_id))
            rows = values.get(sub.key) or []
            if rows:
                session.execute(
                    table.insert(),
                    [
                        {
                            "parent_id": record_id,
                            "position": index,
                            **{c.key: codecs.to_column(c, row.get(c.key)) for c in sub.children},
                        }
                        for index, row in enumerate(rows)
                    ],
                )

    def _diff(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
        changes: dict[str, list[Any]] = {}
        for item in self.form.fields:
            old, new = before.get(item.key), after.get(item.key)
            if item.type == "subform":
                old = [_plain_row(item, r) for r in old or []]
                new = [_plain_row(item, r) for r in new or []]
                if old != new:
                    changes[item.key] = [old, new]
            elif old != new:
                changes[item.key] = [codecs.to_json(item, old), codecs.to_json(item, new)]
        return changes

    def _event(
        self,
        session: Session,
        kind: str,
        record_id: int,
        actor_id: int | None,
        now: datetime,
        changes: dict[str, Any] | None,
    ) -> None:
        session.add(
            Event(
                app_key=self.source.app_key,
                form_key=self.form.key,
                record_id=record_id,
                kind=kind,
                actor_id=actor_id,
                at=now,
                changes=changes,
            )
        )
        session.flush()


def _lookup_errors(targets: Mapping[str, Mapping[str, Any] | None]) -> list[FieldError]:
    """A lookup must name a record that exists and is not in the trash."""
    return [
        FieldError(key, N_("The chosen record no longer exists."))
        for key, row in targets.items()
        if row is None or row["deleted"]
    ]


def _sub_row(sub: FieldDef, row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], **{c.key: codecs.from_column(c, row[c.key]) for c in sub.children}}


def _plain_row(item: FieldDef, row: Mapping[str, Any]) -> dict[str, Any]:
    return {c.key: codecs.to_json(c, row.get(c.key)) for c in item.children}
