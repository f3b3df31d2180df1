"""The public API: types, field paths, normalize, explain, templates, caching and layering."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import servicekit.runtime.rules as rules
from servicekit.runtime.rules import RuleError, compile_rule, compile_template, normalize
from servicekit.runtime.rules import nodes as n
from servicekit.runtime.rules.parser import parse
from tests.runtime.rules.support import golden_form

FORM = golden_form()
FIELDS, FORMS = FORM["fields"], FORM["forms"]


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("qty > 1", "boolean"),
        ("price * 2", "number"),
        ("title", "text"),
        ("due", "date"),
        ("opened", "datetime"),
        ("spent", "duration"),
        ("priority", "choice"),
        ("assignee", "user"),
        ("customer", "record"),
        ("parts[1]", "row"),
        ("tags", "list<choice>"),
        ("user.roles", "list<text>"),
        ("[1, 2]", "list<number>"),
    ],
)
def test_rule_type_names(source: str, kind: str) -> None:
    assert compile_rule(source, FIELDS, forms=FORMS).type == kind


def test_rule_fields_lists_dotted_paths() -> None:
    rule = compile_rule(
        'customer.level = "vip" and SUM(parts, amount * price) > qty', FIELDS, forms=FORMS
    )
    assert rule.fields == {"customer", "customer.level", "parts", "parts.amount", "price", "qty"}


def test_normalize_rewrites_labels_to_keys() -> None:
    source = '{故障等级} = "urgent" and {客户}.{客户等级} = "vip"\n  and {Quantity} > 1'
    assert normalize(source, FIELDS, FORMS) == (
        'priority = "urgent" and customer.level = "vip"\n  and qty > 1'
    )


def test_explain_shows_each_operand() -> None:
    rule = compile_rule('qty > 5 and priority = "urgent"', FIELDS)
    assert rule.explain({"qty": 3, "priority": "urgent"}) == [
        {"text": "qty > 5", "value": False},
        {"text": 'priority = "urgent"', "value": True},
        {"text": 'qty > 5 and priority = "urgent"', "value": False},
    ]


def test_compiled_rules_are_cached_per_form_version() -> None:
    first = compile_rule("qty + 1", FIELDS)
    assert compile_rule("qty + 1", FIELDS) is first
    changed = [*FIELDS, {"key": "extra", "type": "text"}]
    assert compile_rule("qty + 1", changed) is not first


def test_if_is_lazy_and_and_short_circuits() -> None:
    rule = compile_rule(
        "IF(qty > 1, 1, POWER(2, 1000)) = 1 and (true or POWER(2, 999) = 1)", FIELDS
    )
    assert rule.evaluate({"qty": 2}) is True


def test_now_is_fixed_and_tz_applies() -> None:
    rule = compile_rule("HOUR(NOW())", [])
    moment = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    assert rule.evaluate({}, now=moment, tz="Asia/Shanghai") == Decimal(7)
    assert rule.evaluate({}, now=moment, tz="UTC") == Decimal(23)


def test_template_renders_placeholders() -> None:
    template = compile_template(
        "{{ number }}：{{ {客户}.name }} - {{ qty * price }}", FIELDS, FORMS
    )
    assert template.render(FORM["values"]) == "WO-20240301-0001：华东电力 - 37.50"
    assert template.fields == {"number", "customer", "customer.name", "qty", "price"}


def test_template_errors_point_into_the_template() -> None:
    with pytest.raises(RuleError) as caught:
        compile_template("工单 {{ nope }}", FIELDS)
    problem = caught.value.problems[0]
    assert problem.message.startswith("unknown field nope")
    assert (problem.line, problem.column) == (1, 7)


def test_to_sql_refuses_rules_that_cannot_filter() -> None:
    rule = compile_rule("CHANGED(qty)", FIELDS)
    assert not rule.can_filter
    with pytest.raises(RuleError, match="CHANGED cannot be used in a filter"):
        rule.to_sql(object())


def test_syntax_tree_is_frozen_with_positions_and_flattened_chains() -> None:
    tree = parse("a + b - c + d")
    assert isinstance(tree, n.Chain)
    assert tree.ops == ("+", "-", "+") and len(tree.operands) == 4
    assert (tree.line, tree.column, tree.end_column) == (1, 1, 14)
    with pytest.raises(AttributeError):
        tree.ops = ()  # type: ignore[misc]


def test_grammar_ships_as_package_data() -> None:
    assert (Path(rules.__file__).parent / "grammar.lark").is_file()


def test_compiler_modules_do_not_import_flask_or_the_platform() -> None:
    for path in Path(rules.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                bad = name.startswith("flask") or name.startswith("servicekit.platform")
                # init_app is the one bridge to the platform, imported inside the function.
                assert not bad or path.name == "__init__.py", (path.name, name)
