"""``servicekit rules check`` and ``servicekit rules eval``: try a rule from the command line."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from servicekit.runtime.rules.errors import RuleError
from servicekit.runtime.rules.rule import compile_rule
from servicekit.runtime.rules.values import to_json, zone


def _load(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.UsageError(f"cannot read {what} {path}: {exc}") from exc


def _form_fields(path: str) -> list[dict[str, Any]]:
    body = _load(path, "form")
    fields = body.get("fields") if isinstance(body, dict) else body
    if not isinstance(fields, list):
        raise click.UsageError(f"{path} is neither a form nor a list of fields")
    return fields


def _forms(directory: str | None) -> dict[str, list[dict[str, Any]]]:
    if not directory:
        return {}
    folder = Path(directory)
    if not folder.is_dir():
        raise click.UsageError(f"--forms {directory} is not a folder")
    forms = {}
    for path in sorted(folder.glob("*.json")):
        body = _load(str(path), "form")
        if isinstance(body, dict) and isinstance(body.get("fields"), list):
            forms[str(body.get("key") or path.stem)] = body["fields"]
    return forms


def _fail(exc: RuleError) -> None:
    click.echo(exc.render(), err=True)
    raise SystemExit(1)


@click.group("rules")
def rules_group() -> None:
    """Check and evaluate rule-language expressions against a form."""


@rules_group.command("check")
@click.argument("expr")
@click.option("--form", "form_path", required=True, help="Form JSON (or a list of fields).")
@click.option("--forms", "forms_dir", default=None, help="Folder of other forms, for lookups.")
@click.option("--expect", default=None, help="Demand a result type, e.g. boolean.")
def check_command(expr: str, form_path: str, forms_dir: str | None, expect: str | None) -> None:
    """Print the type of EXPR and the fields it reads, or its errors."""
    try:
        rule = compile_rule(expr, _form_fields(form_path), forms=_forms(forms_dir), expect=expect)
    except RuleError as exc:
        _fail(exc)
        return
    click.echo(
        json.dumps(
            {"type": rule.type, "fields": sorted(rule.fields), "filter": rule.can_filter},
            ensure_ascii=False,
        )
    )


@rules_group.command("eval")
@click.argument("expr")
@click.option("--form", "form_path", required=True, help="Form JSON (or a list of fields).")
@click.option("--values", "values_path", required=True, help="Record values as JSON.")
@click.option("--forms", "forms_dir", default=None, help="Folder of other forms, for lookups.")
@click.option("--now", default=None, help="The current time, ISO 8601 with an offset.")
@click.option("--user", "user_path", default=None, help="The acting user as JSON.")
@click.option("--tz", default=None, help="The app's time zone (default from configuration).")
def eval_command(
    expr: str,
    form_path: str,
    values_path: str,
    forms_dir: str | None,
    now: str | None,
    user_path: str | None,
    tz: str | None,
) -> None:
    """Print the value of EXPR for the record in VALUES as JSON, or its errors."""
    values = _load(values_path, "values")
    if not isinstance(values, dict):
        raise click.UsageError("--values must hold a JSON object")
    user = _load(user_path, "user") if user_path else None
    moment = datetime.now(UTC)
    if now:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError as exc:
            raise click.UsageError(f"--now is not an ISO 8601 time: {now}") from exc
        if moment.tzinfo is None:
            raise click.UsageError("--now needs an offset, such as 2024-03-01T08:00:00+08:00")
    zone_name = tz or _configured_zone()
    try:
        rule = compile_rule(expr, _form_fields(form_path), forms=_forms(forms_dir))
        result = rule.evaluate(values, now=moment, user=user, tz=zone_name)
        click.echo(json.dumps(to_json(result, zone(zone_name)), ensure_ascii=False))
    except RuleError as exc:
        _fail(exc)


def _configured_zone() -> str:
    # The same setting the app reads; the CLI must not depend on an app being created.
    return os.environ.get("SERVICEKIT_TIMEZONE") or "Asia/Shanghai"
