"""The after-sales policies applied: which one a work order gets, and when targets and steps fall due."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from servicekit.runtime.sla import Policy, builtin_calendar, select_policy
from tests.runtime.sla.support import at

SAMPLE = Path(__file__).resolve().parents[3] / "sample_apps" / "after_sales"
CN = builtin_calendar()
NOW = datetime(2025, 9, 26, 9, tzinfo=UTC)


def _json(relative: str) -> Any:
    return json.loads((SAMPLE / relative).read_text(encoding="utf-8"))


FIELDS = _json("forms/work_order.json")["fields"]
FORMS = {p.stem: _json(f"forms/{p.name}")["fields"] for p in (SAMPLE / "forms").glob("*.json")}
URGENT = Policy.from_body(_json("sla/urgent.json"), version=3)
NORMAL = Policy.from_body(_json("sla/normal.json"), version=1)


def _select(policies: list[Policy], priority: str | None) -> Policy | None:
    values = {"priority": priority, "description": "漏水"}
    return select_policy(
        policies, "work_order", FIELDS, values, now=NOW, tz="Asia/Shanghai", forms=FORMS
    )


@pytest.mark.parametrize(
    ("priority", "expected"), [("urgent", "urgent"), ("high", "normal"), ("normal", "normal")]
)
def test_the_first_matching_policy_applies(priority: str, expected: str) -> None:
    chosen = _select([NORMAL, URGENT], priority)  # listed out of order on purpose
    assert chosen is not None and chosen.key == expected


def test_a_work_order_may_match_no_policy() -> None:
    assert _select([URGENT], "normal") is None
    assert _select([URGENT], None) is None  # an empty priority is not urgent
    assert select_policy([URGENT], "customer", [], {}, now=NOW, tz="Asia/Shanghai") is None


def test_urgent_friday_evening_before_national_day() -> None:
    opened = at("2025-09-26 17:00")
    response = URGENT.target("response")
    assert response is not None and response.due(CN, opened) == at("2025-09-26 17:30")
    assert [(s.key, t) for s, t in response.fire_times(CN, opened)] == [
        ("warn", at("2025-09-26 17:24")),  # 80 % of 30 minutes
        ("director", at("2025-09-26 17:30")),  # at the breach
        ("manager", at("2025-09-28 08:45")),  # 150 %: the make-up Sunday morning
    ]
    resolution = URGENT.target("resolution")
    assert resolution is not None and resolution.due(CN, opened) == at("2025-09-28 17:30")
    assert resolution.length(CN, opened) == timedelta(hours=8)
    assert [t for _, t in resolution.fire_times(CN, opened)] == [
        at("2025-09-28 16:00"),  # 90 working minutes before the due time
        at("2025-09-28 17:30"),
        at("2025-09-29 14:00"),  # 240 working minutes after: Monday morning plus half an hour
    ]
    service = URGENT.target("node:service")
    assert service is not None and service.due(CN, opened) == at("2025-09-28 12:00")


def test_pauses_move_resolution_but_not_response() -> None:
    opened = at("2025-09-24 09:00")
    waiting = [(at("2025-09-24 10:00"), at("2025-09-24 11:00"))]  # waiting for the customer
    response, resolution = NORMAL.target("response"), NORMAL.target("resolution")
    assert response is not None and resolution is not None
    assert response.due(CN, opened, waiting) == response.due(CN, opened) == at("2025-09-24 14:30")
    # Three whole days after a start past 08:30: Thursday, Friday and the make-up Sunday.
    assert resolution.due(CN, opened) == at("2025-09-28 17:30")
    # The paused hour moves the due time one working hour on, into Monday.
    assert resolution.due(CN, opened, waiting) == at("2025-09-29 09:30")


def test_opened_during_lunch_counts_from_the_afternoon() -> None:
    response = NORMAL.target("response")
    assert response is not None
    assert response.due(CN, at("2025-09-24 12:10")) == at("2025-09-24 17:30")


def test_pause_states() -> None:
    policy = Policy.from_body(
        {**_json("sla/normal.json"), "pause": {"nodes": ["review"], "when": 'priority == "normal"'}}
    )
    kwargs: dict[str, Any] = {"now": NOW, "tz": "Asia/Shanghai", "forms": FORMS}
    assert policy.paused(FIELDS, {"priority": "high"}, ["review"], **kwargs)
    assert policy.paused(FIELDS, {"priority": "normal"}, ["service"], **kwargs)
    assert not policy.paused(FIELDS, {"priority": "high"}, ["service"], **kwargs)
