"""The bridge to the platform: init_app's SQLite hook, the rules CLI and the form validator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import text

from servicekit.platform.db import Database
from servicekit.platform.metadata.documents import Document, DocumentSet
from servicekit.platform.registry import Registry
from servicekit.runtime.rules import init_app
from servicekit.runtime.rules.cli import rules_group
from tests.runtime.rules.support import golden_form

FORM = golden_form()


@pytest.fixture
def bare_app(tmp_path: Path) -> Any:
    """A Flask app with only the database and registry the rule language plugs into."""
    app = Flask("rules-test")
    app.extensions["servicekit.db"] = Database(f"sqlite:///{tmp_path / 'rules.db'}")
    app.extensions["servicekit.registry"] = Registry()
    init_app(app)
    yield app
    app.extensions["servicekit.db"].dispose()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    form = tmp_path / "work_order.json"
    form.write_text(json.dumps({"key": "work_order", "fields": FORM["fields"]}), "utf-8")
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "customer.json").write_text(
        json.dumps({"key": "customer", "fields": FORM["forms"]["customer"]}), "utf-8"
    )
    values = tmp_path / "values.json"
    values.write_text(json.dumps(FORM["values"], ensure_ascii=False), "utf-8")
    user = tmp_path / "user.json"
    user.write_text(json.dumps(FORM["user"], ensure_ascii=False), "utf-8")
    return {"form": str(form), "forms": str(forms), "values": str(values), "user": str(user)}


def test_sqlite_connections_get_the_rule_functions(bare_app: Any) -> None:
    with bare_app.extensions["servicekit.db"].engine.connect() as conn:
        assert conn.execute(text("SELECT sk_add('0.1', '0.2')")).scalar() == "0.3"


def test_cli_check_prints_type_and_fields(files: dict[str, str]) -> None:
    result = CliRunner().invoke(
        rules_group,
        ["check", 'customer.level = "vip"', "--form", files["form"], "--forms", files["forms"]],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "type": "boolean",
        "fields": ["customer", "customer.level"],
        "filter": True,
    }


def test_cli_eval_prints_json_values(files: dict[str, str]) -> None:
    def run(expr: str) -> Any:
        result = CliRunner().invoke(
            rules_group,
            [
                "eval",
                expr,
                "--form",
                files["form"],
                "--forms",
                files["forms"],
                "--values",
                files["values"],
                "--user",
                files["user"],
                "--now",
                "2024-03-15T10:00:00+08:00",
                "--tz",
                "Asia/Shanghai",
            ],
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    assert run("qty * price") == "37.50"
    assert run("spent + HOURS(2.5)") == "PT4H"
    assert run('DATEADD(due, 1, "month")') == "2024-02-29"
    assert run("NOW()") == "2024-03-15T10:00:00+08:00"
    assert run('user.name & "·" & customer.name') == "王工·华东电力"


def test_cli_reports_rule_errors_with_a_caret_and_exit_1(files: dict[str, str]) -> None:
    result = CliRunner().invoke(rules_group, ["check", "qty > prise", "--form", files["form"]])
    assert result.exit_code == 1
    assert "line 1, column 7: unknown field prise (did you mean price?)" in result.output
    assert "qty > prise\n      ^^^^^" in result.output


def test_cli_bad_usage_exits_2(files: dict[str, str], tmp_path: Path) -> None:
    missing = CliRunner().invoke(rules_group, ["check", "qty", "--form", str(tmp_path / "x")])
    assert missing.exit_code == 2
    no_form = CliRunner().invoke(rules_group, ["check", "qty"])
    assert no_form.exit_code == 2
    bad_now = CliRunner().invoke(
        rules_group,
        ["eval", "qty", "--form", files["form"], "--values", files["values"], "--now", "soon"],
    )
    assert bad_now.exit_code == 2


def test_rules_group_is_on_the_app_cli(bare_app: Any, files: dict[str, str]) -> None:
    result = bare_app.test_cli_runner().invoke(
        args=["rules", "check", "qty + 1", "--form", files["form"]]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["type"] == "number"


def test_servicekit_console_command(files: dict[str, str], tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "servicekit"
    env = {
        **os.environ,
        "SERVICEKIT_INSTANCE_PATH": str(tmp_path / "instance"),
        "SERVICEKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    done = subprocess.run(
        [str(script), "rules", "check", "qty > 1", "--form", files["form"]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["type"] == "boolean"


def test_form_validator_reports_every_rule_problem_with_its_path(bare_app: Any) -> None:
    fields = [
        {"key": "qty", "type": "integer", "label": "Qty"},
        {"key": "note", "type": "text", "label": "Note", "visible_if": "qty > "},
        {"key": "total", "type": "formula", "result_type": "decimal", "expr": 'qty & "x"'},
        {
            "key": "parts",
            "type": "subform",
            "label": "Parts",
            "fields": [{"key": "n", "type": "integer", "required_if": "n > qty and nope"}],
        },
        {"key": "a", "type": "formula", "result_type": "integer", "expr": "b + 1"},
        {"key": "b", "type": "formula", "result_type": "integer", "expr": "a + 1"},
    ]
    body = {
        "key": "wo",
        "fields": fields,
        "title": "WO {{ qty + }}",
        "validations": [{"rule": "qty", "message": "x"}, {"rule": "qty > 0", "message": "y"}],
    }
    docset = DocumentSet("app", [Document("form", "wo", "forms/wo.json", body)])
    [validator] = bare_app.extensions["servicekit.registry"].validators_for("form")
    problems = validator(docset)
    found = {(p.path, p.message.split(":")[0]) for p in problems}
    assert found == {
        ("$.fields[1].visible_if", "line 1, column 7"),
        ("$.fields[2].expr", "line 1, column 1"),
        ("$.fields[3].fields[0].required_if", "line 1, column 13"),
        ("$.fields[4].expr", "formula a depends on itself"),
        ("$.fields[5].expr", "formula b depends on itself"),
        ("$.validations[0].rule", "line 1, column 1"),
        ("$.title", "line 1, column 13"),
    }
    assert all(p.file == "forms/wo.json" for p in problems)
    assert any("the rule must give number, but it gives text" in p.message for p in problems)


def test_valid_forms_have_no_problems(bare_app: Any) -> None:
    body = {
        "key": "work_order",
        "fields": FORM["fields"],
        "title": "{{ number }} {{ customer.name }}",
        "validations": [{"rule": "qty > 0", "message": "qty"}],
    }
    customer = {"key": "customer", "fields": FORM["forms"]["customer"]}
    docset = DocumentSet(
        "app",
        [
            Document("form", "work_order", "forms/work_order.json", body),
            Document("form", "customer", "forms/customer.json", customer),
        ],
    )
    [validator] = bare_app.extensions["servicekit.registry"].validators_for("form")
    assert validator(docset) == []


def test_field_keys_that_are_function_names_are_refused() -> None:
    from servicekit.runtime.rules.validate import check_forms

    form = {
        "key": "stock",
        "fields": [
            {"key": "count", "type": "integer", "label": "Count"},
            {
                "key": "lines",
                "type": "subform",
                "label": "Lines",
                "fields": [{"key": "sum", "type": "decimal", "label": "Sum"}],
            },
        ],
    }
    found = {(path, message.split(";")[0]) for _key, message, path in check_forms({"stock": form})}
    assert ("$.fields[0].key", "'count' is the name of the rule function COUNT") in found
    assert ("$.fields[1].fields[0].key", "'sum' is the name of the rule function SUM") in found
