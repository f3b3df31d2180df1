"""Acceptance 4: bad reports are listed on the draft and refused at publish and install, with paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.metadata import MetadataError
from servicekit.platform.metadata.documents import Document
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.metadata.store import latest_bodies, save_draft
from servicekit.platform.metadata.validation import validate_one
from servicekit.platform.registry import get_registry
from servicekit.runtime.reports import report_problems
from tests.platform.packages.conftest import SAMPLE_APP, install

BASE = {"key": "bad", "label": "Bad", "form": "work_order"}
BAD = [
    (
        {"dimensions": [{"field": "colour"}]},
        "$.dimensions[0].field",
        "unknown field 'colour'",
    ),
    (
        {"measures": [{"key": "total", "aggregate": "sum", "field": "description"}]},
        "$.measures[0].field",
        "cannot be summed",
    ),
    (
        {"filter": 'priority + 1 = "urgent"'},
        "$.filter",
        "does not type-check",
    ),
    (
        {"measures": [{"key": "n", "aggregate": "count", "filter": 'labor_cost > "x"'}]},
        "$.measures[0].filter",
        "does not type-check",
    ),
    (
        {"dimensions": [{"field": "customer.colour"}]},
        "$.dimensions[0].field",
        "unknown field 'colour' in form 'customer'",
    ),
]


def _zone(app: Any) -> ZoneInfo:
    return ZoneInfo(app.config["SERVICEKIT_TIMEZONE"])


@pytest.fixture
def installed(app):  # type: ignore[no-untyped-def]
    install(app, SAMPLE_APP)
    return app


def _paths(problems: list[Any], needle: str) -> list[str]:
    return [p.path for p in problems if needle in p.message]


def test_bad_reports_are_listed_on_their_drafts_and_refused_at_publish(installed) -> None:  # type: ignore[no-untyped-def]
    app = installed
    registry = get_registry(app)
    now = app.extensions["servicekit.clock"].now()
    for extra, path, reason in BAD:
        body = {**BASE, **extra}
        with get_db(app).transaction() as session:
            forms = latest_bodies(session, "after_sales", "form")
            others = [Document("form", key, f"forms/{key}.json", b) for key, b in forms.items()]
            problems = validate_one(
                "report", body, app_key="after_sales", others=others, validators=registry
            )
            assert path in _paths(problems, reason), problems
            assert all(p.file == "reports/bad.json" for p in problems)
            draft = save_draft(
                session,
                "after_sales",
                "report",
                "bad",
                body,
                author_id=None,
                now=now,
                problems=problems,
            )
            assert any(item["path"] == path for item in draft.problems)
        with get_db(app).transaction() as session, pytest.raises(MetadataError) as refused:
            publish_documents(
                session,
                "after_sales",
                [Document("report", "bad", "reports/bad.json", body)],
                registry,
                author_id=None,
                now=now,
                tz=_zone(app),
                apply=True,
            )
        assert path in _paths(refused.value.problems, reason)


def test_a_package_with_a_bad_report_does_not_install(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for index, (extra, path, reason) in enumerate(BAD[:3]):
        package = tmp_path / f"copy{index}" / "after_sales"
        shutil.copytree(SAMPLE_APP, package)
        (package / "reports" / "bad.json").write_text(
            json.dumps({**BASE, **extra}), encoding="utf-8"
        )
        with pytest.raises(MetadataError) as refused:
            install(app, package)
        found = [p for p in refused.value.problems if p.file == "reports/bad.json"]
        assert path in _paths(found, reason)


FORMS = {
    "job": [
        {"key": "note", "type": "text", "label": "Note"},
        {"key": "cost", "type": "decimal", "label": "Cost"},
        {"key": "photos", "type": "image", "label": "Photos"},
        {"key": "at", "type": "datetime", "label": "At"},
        {"key": "qty", "type": "integer", "label": "Qty"},
    ]
}
FORM_BODIES = {
    "job": {
        "fields": FORMS["job"],
        "permissions": {
            "a": {"read": True, "fields": {"cost": "hidden"}},
            "b": {"read": True, "fields": {"cost": "hidden", "note": "hidden"}},
        },
    }
}


@pytest.mark.parametrize(
    ("body", "path", "reason"),
    [
        (
            {"measures": [{"key": "m", "aggregate": "sum", "field": "cost"}]},
            "$.measures[0].field",
            "hidden from every role",
        ),
        ({"dimensions": [{"field": "photos"}]}, "$.dimensions[0].field", "cannot be grouped"),
        (
            {"dimensions": [{"field": "note", "bucket": "month"}]},
            "$.dimensions[0].bucket",
            "only date and datetime",
        ),
        (
            {"dimensions": [{"field": "qty", "ranges": [5, 1]}]},
            "$.dimensions[0].ranges",
            "ascending",
        ),
        (
            {
                "measures": [
                    {"key": "r", "aggregate": "ratio", "numerator": "r", "denominator": "x"}
                ]
            },
            "$.measures[0].denominator",
            "another measure",
        ),
        (
            {"measures": [{"key": "p", "aggregate": "percentile", "field": "at"}]},
            "$.measures[0].percentile",
            "fraction",
        ),
        ({"measures": [{"key": "k", "kpi": "nps"}]}, "$.measures[0].params.field", "Unknown field"),
        ({"sort": [{"by": "nothing"}]}, "$.sort[0].by", "neither a measure"),
        (
            {"measures": [{"key": "b", "kpi": "backlog", "params": {"closed_field": "note"}}]},
            "$.measures[0].params.closed_field",
            "date or datetime",
        ),
        ({"date_field": "note"}, "$.date_field", "date or datetime"),
        ({"filter": "TODAY()"}, "$.filter", "type-check"),
    ],
)
def test_static_checks_name_the_path_and_the_reason(body, path, reason) -> None:  # type: ignore[no-untyped-def]
    problems = report_problems(
        {"key": "r", "label": "R", "form": "job", **body}, FORMS, FORM_BODIES
    )
    assert path in [p for p, message in problems if reason in message], problems


def test_a_good_report_has_no_problems() -> None:
    body = {
        "key": "r",
        "label": "R",
        "form": "job",
        "filter": 'note != "x"',
        "dimensions": [{"field": "at", "bucket": "week"}, {"field": "note"}],
        "measures": [{"key": "n"}, {"key": "last", "aggregate": "max", "field": "at"}],
        "sort": [{"by": "n", "descending": True}],
    }
    assert report_problems(body, FORMS, {"job": {"fields": FORMS["job"]}}) == []
