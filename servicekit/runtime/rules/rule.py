"""The public face of the rule language: ``compile_rule`` gives a checked, compiled ``Rule``."""

from __future__ import annotations

import decimal
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules import pyback
from servicekit.runtime.rules.check import Checked, check
from servicekit.runtime.rules.errors import Problem, RuleError
from servicekit.runtime.rules.limits import MAX_NUMBER_DIGITS, MAX_STEPS
from servicekit.runtime.rules.parser import parse
from servicekit.runtime.rules.rtypes import Type, type_named
from servicekit.runtime.rules.values import zone

Fields = list[dict[str, Any]]
Forms = Mapping[str, Fields]


class Rule:
    """A compiled rule: its type, the field paths it reads, and its two back ends.

    Build one with :func:`compile_rule`; evaluating it never raises anything but
    :class:`RuleError`.
    """

    def __init__(self, source: str, checked: Checked, fields: Fields, forms: Forms) -> None:
        self.source = source
        self._checked = checked
        self._fields = fields
        self._forms = forms
        self._fn = pyback.compile_tree(checked, fields, forms)
        self.fields: frozenset[str] = frozenset(checked.reads)

    @property
    def type(self) -> str:
        """The result type as users see it: ``boolean``, ``number``, ``list<text>``, ..."""
        return str(self._checked.type)

    @property
    def result_type(self) -> Type:
        return self._checked.type

    @property
    def sql_problems(self) -> list[Problem]:
        """Why this rule cannot be a list or report filter (empty when it can)."""
        return list(self._checked.sql_problems)

    @property
    def can_filter(self) -> bool:
        """Whether ``to_sql`` accepts this rule (a boolean rule using only SQL-able parts)."""
        return not self._checked.sql_problems and self._checked.type.kind in ("boolean", "null")

    def _env(
        self,
        values: Mapping[str, Any] | None,
        now: datetime | None,
        user: Mapping[str, Any] | None,
        previous: Mapping[str, Any] | None,
        tz: str | tzinfo | None,
        max_steps: int,
    ) -> pyback.Env:
        if values is None:
            values = {}
        elif type(values) is not dict and not isinstance(values, Mapping):
            raise RuleError("values must be a mapping of field keys to values")
        if now is not None and now.tzinfo is None:
            raise RuleError("now must be an aware datetime")
        return pyback.Env(values, now, zone(tz), user, previous, max_steps)

    def evaluate(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        now: datetime | None = None,
        user: Mapping[str, Any] | None = None,
        previous: Mapping[str, Any] | None = None,
        tz: str | tzinfo | None = None,
        max_steps: int = MAX_STEPS,
    ) -> Any:
        """Evaluate against one record's ``values`` (JSON-shaped); see the module docs."""
        env = self._env(values, now, user, previous, tz, max_steps)
        return _guarded(self._fn, env)

    def evaluate_batch(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        now: datetime | None = None,
        user: Mapping[str, Any] | None = None,
        tz: str | tzinfo | None = None,
        max_steps: int = MAX_STEPS,
    ) -> list[Any]:
        """Evaluate against many records (a list view, an automation run) with one clock.

        ``now`` is fixed once for the whole batch; each record gets its own step budget.
        """
        env = self._env({}, now, user, None, tz, max_steps)
        fn = self._fn
        out = []
        for values in records:
            if type(values) is not dict and not isinstance(values, Mapping):
                raise RuleError("values must be a mapping of field keys to values")
            env.values = values
            env.steps = 0
            out.append(_guarded(fn, env))
        return out

    def evaluate_with_steps(
        self, values: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> tuple[Any, int]:
        """Like :meth:`evaluate`, also returning the steps spent (for tests and tuning)."""
        max_steps = kwargs.pop("max_steps", MAX_STEPS)
        env = self._env(
            values,
            kwargs.get("now"),
            kwargs.get("user"),
            kwargs.get("previous"),
            kwargs.get("tz"),
            max_steps,
        )
        return _guarded(self._fn, env), env.steps

    def explain(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        now: datetime | None = None,
        user: Mapping[str, Any] | None = None,
        previous: Mapping[str, Any] | None = None,
        tz: str | tzinfo | None = None,
    ) -> list[dict[str, Any]]:
        """Each top-level operand's source text and value, then the whole rule's value.

        For the designer's "why was this false?": ``a and b`` explains ``a`` and ``b``.
        """
        tree = self._checked.tree
        parts: tuple[n.Node, ...] = (tree,)
        if isinstance(tree, n.Chain):
            parts = tree.operands
        elif isinstance(tree, n.Compare):
            parts = (tree.left, tree.right)
        elif isinstance(tree, n.Unary | n.IsNull):
            parts = (tree.operand,)
        out = []
        compiler = pyback.compiler(self._checked, self._fields, self._forms)
        for node in [*parts, tree] if parts != (tree,) else [tree]:
            env = self._env(values, now, user, previous, tz, MAX_STEPS)
            out.append(
                {"text": _slice(self.source, node), "value": _guarded(compiler.compile(node), env)}
            )
        return out

    def to_sql(
        self,
        source: Any,
        *,
        now: datetime | None = None,
        user: Mapping[str, Any] | None = None,
        tz: str | tzinfo | None = None,
    ) -> Any:
        """A SQLAlchemy boolean ``ColumnElement`` over ``source``'s table (a filter)."""
        from servicekit.runtime.rules import sqlback

        if self._checked.type.kind not in ("boolean", "null"):
            raise RuleError(
                [Problem(f"a filter must be true or false, not {self.type}", 1, 1, 2)], self.source
            )
        if self._checked.sql_problems:
            raise RuleError(self._checked.sql_problems, self.source)
        moment = now or datetime.now(UTC)
        return sqlback.compile_filter(
            self._checked, source, now=moment, user=user or {}, tz=zone(tz)
        )

    def __repr__(self) -> str:
        return f"Rule({self.source!r}, type={self.type})"


def _guarded(fn: pyback.Fn, env: pyback.Env) -> Any:
    try:
        return fn(env)
    except RuleError:
        raise
    except decimal.Overflow as exc:
        raise RuleError(f"a number grew past {MAX_NUMBER_DIGITS} digits") from exc
    except (
        ArithmeticError,
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        MemoryError,
    ) as exc:
        raise RuleError(f"the rule could not be evaluated: {exc.__class__.__name__}") from exc


def _slice(source: str, node: n.Node) -> str:
    lines = source.splitlines() or [""]
    text = lines[node.line - 1] if node.line - 1 < len(lines) else ""
    return text[node.column - 1 : node.end_column - 1]


def compile_rule(
    source: str, fields: Fields, *, forms: Forms | None = None, expect: str | None = None
) -> Rule:
    """Parse, check and compile ``source`` against a form's ``fields``; cached per form version.

    ``forms`` maps other form keys to their ``fields`` (for lookups); ``expect`` demands a
    result type (``"boolean"`` for conditions). Raises :class:`RuleError` with every problem.
    """
    try:
        fields_key = json.dumps(fields, sort_keys=True, default=str)
        forms_key = json.dumps(forms or {}, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise RuleError("field definitions must be JSON") from exc
    return _compile_cached(source, fields_key, forms_key, expect)


@lru_cache(maxsize=2048)
def _compile_cached(source: str, fields_key: str, forms_key: str, expect: str | None) -> Rule:
    fields = json.loads(fields_key)
    forms = json.loads(forms_key)
    if not isinstance(fields, list) or not isinstance(forms, dict):
        raise RuleError("fields must be a list and forms a mapping")
    wanted: Type | None = None
    if expect is not None:
        wanted = type_named(expect)
        if wanted is None:
            raise RuleError(f"unknown expected type {expect!r}")
    try:
        tree = parse(source)
        checked, problems = check(tree, fields, forms, wanted)
    except RuleError as exc:
        exc.source = exc.source or source
        raise
    except RecursionError as exc:  # pragma: no cover - the limits make this unreachable
        raise RuleError("the rule is nested too deeply", source) from exc
    if checked is None:
        raise RuleError(problems, source)
    return Rule(source, checked, fields, forms)


def normalize(source: str, fields: Fields, forms: Forms | None = None) -> str:
    """``source`` with every ``{label}`` rewritten to its field key, for storage."""
    rule = compile_rule(source, fields, forms=forms)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits = []
    for node in n.walk(rule._checked.tree):
        info = rule._checked.info.get(id(node))
        if isinstance(node, n.Label) and info is not None and info.key:
            start = starts[node.line - 1] + node.column - 1
            edits.append((start, start + node.end_column - node.column, info.key))
        elif isinstance(node, n.Attr) and node.label and info is not None and info.key:
            end = starts[node.line - 1] + node.end_column - 1
            edits.append((source.rindex("{", 0, end), end, info.key))
    for start, end, key in sorted(edits, reverse=True):
        source = source[:start] + key + source[end:]
    return source
