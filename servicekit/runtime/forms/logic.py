"""A form's rules, compiled once: conditions, formulas, validations, defaults and the title.

Built from a published form (and the forms its lookups point at) and cached per version by
the caller; evaluation takes the record's values, the acting user, the time and the zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from graphlib import CycleError, TopologicalSorter
from typing import Any
from zoneinfo import ZoneInfo

from servicekit.platform.metadata.forms import FieldDef, FormDef, label_text
from servicekit.runtime.rules import Rule, compile_rule, compile_template

CONDITIONS = ("visible_if", "required_if", "readonly_if")
FORMULA_TYPES = {"integer": "number", "decimal": "number"}


@dataclass(frozen=True)
class FieldState:
    """Which fields are shown, required and read-only for one set of values."""

    hidden: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    readonly: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Context:
    """What every evaluation needs besides the values."""

    now: datetime
    tz: ZoneInfo
    user: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"now": self.now, "tz": self.tz, "user": self.user, "previous": self.previous}


@dataclass
class FormLogic:
    """The compiled rules of one form version."""

    form: FormDef
    conditions: dict[tuple[str, str], Rule] = field(default_factory=dict)
    formulas: dict[str, Rule] = field(default_factory=dict)
    formula_order: list[str] = field(default_factory=list)
    defaults: dict[str, Rule] = field(default_factory=dict)
    validations: list[tuple[Rule, Any]] = field(default_factory=list)
    title: Any = None

    @classmethod
    def build(
        cls, form: FormDef, forms: Mapping[str, list[dict[str, Any]]] | None = None
    ) -> FormLogic:
        """Compile every expression of ``form``; raises ``RuleError`` for a broken one."""
        fields = [item.raw for item in form.fields]
        logic = cls(form=form)
        for item in form.fields:
            for condition in CONDITIONS:
                if item.get(condition):
                    logic.conditions[(item.key, condition)] = compile_rule(
                        item.get(condition), fields, forms=forms, expect="boolean"
                    )
            if item.type == "formula":
                logic.formulas[item.key] = compile_rule(item.get("expr"), fields, forms=forms)
            if item.get("default_rule"):
                logic.defaults[item.key] = compile_rule(
                    item.get("default_rule"), fields, forms=forms
                )
        for validation in form.raw.get("validations", []):
            rule = compile_rule(validation["rule"], fields, forms=forms, expect="boolean")
            logic.validations.append((rule, validation.get("message")))
        if form.raw.get("title"):
            logic.title = compile_template(form.raw["title"], fields, forms=forms)
        logic.formula_order = _formula_order(logic.formulas)
        return logic

    def reads(self) -> set[str]:
        """Every field path any rule of the form reads (lookups dotted)."""
        paths: set[str] = set()
        for rule in [*self.conditions.values(), *self.formulas.values(), *self.defaults.values()]:
            paths |= set(rule.fields)
        for rule, _ in self.validations:
            paths |= set(rule.fields)
        return paths

    def state(self, values: Mapping[str, Any], context: Context) -> FieldState:
        """Hidden, required and read-only fields for these values."""
        hidden, required, readonly = set(), set(), set()
        for item in self.form.fields:
            # An auto number is given when the record is stored, so nobody has to enter it.
            if item.get("required") and item.type != "auto_number":
                required.add(item.key)
            if item.type in ("formula", "auto_number"):
                readonly.add(item.key)
        for (key, condition), rule in self.conditions.items():
            result = bool(rule.evaluate(values, **context.kwargs()))
            if condition == "visible_if" and not result:
                hidden.add(key)
            elif condition == "required_if" and result:
                required.add(key)
            elif condition == "readonly_if" and result:
                readonly.add(key)
        return FieldState(frozenset(hidden), frozenset(required - hidden), frozenset(readonly))

    def compute(self, values: dict[str, Any], context: Context) -> dict[str, Any]:
        """Formula values in dependency order (each sees the ones before it)."""
        results: dict[str, Any] = {}
        for key in self.formula_order:
            value = self.formulas[key].evaluate(values, **context.kwargs())
            values[key] = results[key] = _as_field_value(self.form.field(key), value)
        return results

    def default_values(self, context: Context) -> dict[str, Any]:
        """Literal defaults and ``default_rule`` results for a new record."""
        values: dict[str, Any] = {}
        for item in self.form.fields:
            if item.get("default") is not None:
                values[item.key] = item.get("default")
        for key, rule in self.defaults.items():
            values[key] = rule.evaluate(values, **context.kwargs())
        return values

    def failed_validations(
        self, values: Mapping[str, Any], context: Context, locale: str
    ) -> list[str]:
        """The messages of validation rules that do not hold."""
        return [
            label_text(message, locale) or rule.source
            for rule, message in self.validations
            if not rule.evaluate(values, **context.kwargs())
        ]

    def render_title(self, values: Mapping[str, Any], context: Context) -> str | None:
        if self.title is None:
            return None
        # Templates take no ``previous``: a title describes the record as it is now.
        return self.title.render(values, now=context.now, user=context.user, tz=context.tz)


def _formula_order(formulas: Mapping[str, Rule]) -> list[str]:
    graph = {
        key: {path.split(".")[0] for path in rule.fields} & set(formulas)
        for key, rule in formulas.items()
    }
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ValueError(f"formula cycle: {' -> '.join(exc.args[1])}") from exc


def _as_field_value(item: FieldDef, value: Any) -> Any:
    """Round a formula's number to its declared scale; integers become ``int``."""
    from decimal import ROUND_HALF_UP, Decimal

    if value is None:
        return None
    kind = item.get("result_type")
    if kind == "decimal" and isinstance(value, Decimal):
        scale = int(item.get("scale", 2))
        return value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if kind == "integer" and isinstance(value, Decimal):
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    return value
