"""Everything the record form template needs: layout, what was typed, field state, errors.

Views build a :class:`FormView` for a new record, an edit, a failed save or a recalculation;
the template then draws every field from it, so each of those answers looks the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from servicekit.platform.metadata.forms import FieldDef
from servicekit.platform.models import AppRoleGrant, User
from servicekit.platform.storage.messages import FieldError
from servicekit.runtime.forms import FieldState, Record
from servicekit.workspace.records.access import FormScope
from servicekit.workspace.records.display import Displayer
from servicekit.workspace.records.inputs import NOT_ENTERED

CONDITIONAL = ("visible_if", "required_if", "readonly_if")
MAX_USERS = 500


@dataclass
class FormView:
    """One rendering of a record form."""

    scope: FormScope
    raw: dict[str, Any]
    state: FieldState
    computed: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    record_id: int | None = None
    number: str | None = None
    version: int | None = None
    displayer: Displayer | None = None

    @property
    def form(self):  # type: ignore[no-untyped-def]
        return self.scope.form

    def right(self, key: str) -> str:
        """``hidden``, ``readonly`` or ``editable`` combining the user's rights and the rules."""
        right = self.scope.access.field_right(key)
        if right != "editable":
            return right
        if key in self.state.readonly:
            return "readonly"
        return "editable"

    def is_hidden(self, key: str) -> bool:
        return key in self.state.hidden

    def is_required(self, key: str) -> bool:
        return key in self.state.required

    def field_errors(self, key: str) -> list[str]:
        return [
            e.render(_)
            for e in self.errors
            if e.field == key and e.row is None and e.subfield is None
        ]

    def cell_errors(self, key: str, row: int, subfield: str) -> list[str]:
        return [
            e.render(_)
            for e in self.errors
            if e.field == key and e.row == row and e.subfield == subfield
        ]

    def row_errors(self, key: str, row: int) -> list[str]:
        return [
            e.render(_) for e in self.errors if e.field == key and e.row == row and not e.subfield
        ]

    def active_tab(self) -> str | None:
        """The tab to open first: the first one holding an error, else the first tab."""
        tabs = self.form.layout.tabs
        for tab in tabs:
            if self.tab_has_errors(tab):
                return tab.key
        return tabs[0].key if tabs else None

    def tab_has_errors(self, tab: Any) -> bool:
        keys = {key for section in tab.sections for key in section.field_keys}
        return any(e.field in keys for e in self.errors)

    @property
    def form_errors(self) -> list[str]:
        return [e.render(_) for e in self.errors if e.field == "__all__"]

    def display(self, item: FieldDef, value: Any) -> Any:
        assert self.displayer is not None
        return self.displayer.text(item, value)

    def state_code(self) -> str:
        """A compact note of conditional fields' state, posted back to spot what changed."""
        return ";".join(
            f"{item.key}:{self._flags(item.key)}"
            for item in self.form.fields
            if any(item.get(c) for c in CONDITIONAL)
        )

    def _flags(self, key: str) -> str:
        return (
            ("h" if key in self.state.hidden else "")
            + ("r" if key in self.state.required else "")
            + ("o" if key in self.state.readonly else "")
        )

    def changed_fields(self, posted: str) -> list[FieldDef]:
        """Conditional fields whose state differs from the ``posted`` note."""
        before = dict(part.split(":", 1) for part in posted.split(";") if ":" in part)
        return [
            item
            for item in self.form.fields
            if any(item.get(c) for c in CONDITIONAL)
            and before.get(item.key) != self._flags(item.key)
        ]

    def formula_fields(self) -> list[FieldDef]:
        return [f for f in self.form.fields if f.type == "formula"]

    def user_options(self, item: FieldDef) -> list[tuple[int, str]]:
        """Active users for a user field (only holders of its ``role`` in this app, if set)."""
        query = select(User.id, User.display_name).where(User.active.is_(True))
        if item.get("role"):
            query = query.where(
                User.id.in_(
                    select(AppRoleGrant.user_id).where(
                        AppRoleGrant.app_key == self.scope.app_key,
                        AppRoleGrant.role == item.get("role"),
                    )
                )
            )
        rows = self.scope.session.execute(query.order_by(User.display_name).limit(MAX_USERS))
        return [(row[0], row[1]) for row in rows]

    def lookup_label(self, key: str, raw: Any) -> str:
        if not raw or not str(raw).isdigit():
            return ""
        assert self.displayer is not None
        return self.displayer.lookup_text(key, int(raw))

    def child_lookup_label(self, parent: FieldDef, child: FieldDef, raw: Any) -> str:
        if not raw or not str(raw).isdigit():
            return ""
        from servicekit.workspace.records.lookups import target_label

        return target_label(self.scope, parent, child, int(raw))


def merge_raw(base: Mapping[str, Any], posted: Mapping[str, Any]) -> dict[str, Any]:
    """What to show: the user's input where they gave it, the stored values elsewhere."""
    return {**base, **posted}


def editable_fields(scope: FormScope) -> set[str]:
    """The fields the reader may type into on this form (entered, not computed or read-only)."""
    return {
        f.key
        for f in scope.form.fields
        if scope.access.field_right(f.key) == "editable" and f.type not in NOT_ENTERED
    }


def evaluate_form(scope: FormScope, values: dict[str, Any], previous: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    """Formula values and field state for ``values`` (the server decides, never the page)."""
    from servicekit.runtime.forms import Context

    store = scope.runtime.store
    base = scope.context()
    context = Context(
        now=base.now,
        tz=base.tz,
        user=base.user,
        previous=store.rule_values(scope.session, previous) if previous else None,
    )
    expanded = store.rule_values(scope.session, values)
    try:
        computed = scope.runtime.logic.compute(expanded, context)
        state = scope.runtime.logic.state(expanded, context)
    except Exception:  # noqa: BLE001 - a half-typed form may make a rule fail; show no result yet
        from servicekit.runtime.forms import FieldState

        computed, state = {}, FieldState()
    return computed, state


def form_view(
    scope: FormScope,
    raw: dict[str, Any],
    values: dict[str, Any],
    *,
    record: Record | None,
    errors: list[FieldError] | None = None,
) -> FormView:
    """The form as it stands for ``raw`` (what was typed) and ``values`` (typed values):
    formulas and field states computed by the server, errors beside their fields."""
    computed, state = evaluate_form(scope, dict(values), record.values if record else None)
    displayer = Displayer(scope.session, scope.runtime, locale=scope.locale, tz=scope.tz)
    return FormView(
        scope=scope,
        raw=raw,
        state=state,
        computed=computed,
        errors=errors or [],
        record_id=record.id if record else None,
        number=record.number if record else None,
        version=record.version if record else None,
        displayer=displayer,
    )
