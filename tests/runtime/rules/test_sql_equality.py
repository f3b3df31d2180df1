"""Equality with a text literal in a filter's positive conjuncts: plain SQL ``=``, which an
index can serve, yet the same answers as the Python back end, nulls included."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from servicekit.runtime.rules import compile_rule
from tests.runtime.rules.support import RecordStore, evaluate, golden_form

FORM = golden_form()
NOW = datetime.fromisoformat(FORM["now"])
RECORDS = [
    {"priority": "high", "title": "a"},
    {"priority": "low", "title": "a"},
    {"priority": None, "title": None},
    {"priority": "high", "title": None},
]


def _rule(source: str):  # type: ignore[no-untyped-def]
    return compile_rule(source, FORM["fields"], forms=FORM["forms"], expect="boolean")


def _sql(store: RecordStore, source: str) -> str:
    condition = _rule(source).to_sql(store.source, now=NOW, user=FORM["user"], tz=FORM["tz"])
    return str(condition.compile(store.engine, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(
    "source",
    [
        'priority = "high"',
        '"a" = title and priority = "high"',
        'not (priority = "high")',
        'priority = "high" or title = "a"',
        '(priority = "high") = false',
        'priority != "high"',
    ],
)
def test_filters_agree_with_python_on_nulls(store: RecordStore, source: str) -> None:
    rule = _rule(source)
    for record in RECORDS:
        values = {**FORM["values"], **record}
        expected = evaluate(rule, FORM, values) is True
        found = store.matches(rule, values, now=NOW, user=FORM["user"], tz=FORM["tz"])
        assert found is expected, (source, record)


def test_only_positive_conjuncts_use_plain_equality(store: RecordStore) -> None:
    plain = _sql(store, 'priority = "high" and "a" = title')
    assert re.search(r"priority = (CAST\()?'high'", plain), plain
    assert re.search(r"title = (CAST\()?'a'", plain), plain
    # Under "not" a null must still count as "not high": the null-safe form stays.
    negated = _sql(store, 'not (priority = "high")')
    assert not re.search(r"priority = (CAST\()?'high'", negated), negated
