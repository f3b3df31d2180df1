"""The list page keeps its column chooser, filter builder and controls between requests;
what it shows still follows a republished form, a switched language and changed rights."""

from __future__ import annotations

import copy
import json
import re
from zoneinfo import ZoneInfo

from servicekit.platform.db import get_db
from servicekit.platform.metadata.documents import Document
from servicekit.platform.metadata.publish import publish_documents
from servicekit.platform.registry import get_registry
from tests.conftest import csrf_token
from tests.platform.packages.conftest import SAMPLE_APP
from tests.workspace.records.conftest import BASE, grant

_FORM = json.loads((SAMPLE_APP / "forms" / "work_order.json").read_text("utf-8"))


def _chooser(html: str) -> str:
    return re.search(r'<details[^>]*id="column-chooser".*?</details>', html, re.S).group(0)


def _builder(html: str) -> str:
    return re.search(r'<div id="filter-rows">.*?<button', html, re.S).group(0)


def _publish(app, body: dict) -> None:  # type: ignore[no-untyped-def]
    with get_db(app).transaction() as session:
        publish_documents(
            session,
            "after_sales",
            [Document("form", "work_order", "forms/work_order.json", body)],
            get_registry(app),
            author_id=None,
            now=app.extensions["servicekit.clock"].now(),
            tz=ZoneInfo("Asia/Shanghai"),
            apply=True,
        )


def _with(change) -> dict:  # type: ignore[no-untyped-def]
    body = copy.deepcopy(_FORM)
    change(body)
    return body


def test_a_republished_form_shows_its_new_captions(sample, client, auth):
    auth.login()
    before = client.get(BASE + "?ff=fault_type&fo=eq&fv=electrical").get_data(as_text=True)
    assert ">故障类型</label>" in _chooser(before)
    assert 'value="fault_type" selected>故障类型<' in _builder(before)

    def rename(body: dict) -> None:
        field = next(f for f in body["fields"] if f["key"] == "fault_type")
        field["label"] = {"zh": "故障类别", "en": "Kind of fault"}

    _publish(sample, _with(rename))
    after = client.get(BASE + "?ff=fault_type&fo=eq&fv=electrical").get_data(as_text=True)
    assert ">故障类别</label>" in _chooser(after) and "故障类型" not in _chooser(after)
    assert 'value="fault_type" selected>故障类别<' in _builder(after)
    assert 'value="electrical"' in _builder(after)


def test_switching_the_language_switches_the_kept_controls(sample, client, auth):
    auth.login()
    chinese = client.get(BASE).get_data(as_text=True)
    assert ">列</summary>" in _chooser(chinese) and ">故障类型</label>" in _chooser(chinese)
    assert ">等于</option>" in _builder(chinese)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client)})
    english = client.get(BASE).get_data(as_text=True)
    assert ">Columns</summary>" in _chooser(english)
    assert ">Fault type</label>" in _chooser(english)
    assert ">equals</option>" in _builder(english)
    assert 'id="apply-filter">Apply<' in english


def test_changed_rights_change_the_offered_columns_and_filters(sample, client, auth):
    def hide_cost(body: dict) -> None:
        body["permissions"]["engineer"]["fields"] = {"labor_cost": "hidden"}

    _publish(sample, _with(hide_cost))
    grant(sample, "tech", "engineer")
    auth.login("tech")
    engineer = client.get(BASE).get_data(as_text=True)
    assert 'value="labor_cost"' not in _chooser(engineer)
    assert 'value="labor_cost"' not in _builder(engineer)
    assert 'id="new-record"' not in engineer
    # Another user with every right sees the column at once, from the same process.
    auth.logout()
    grant(sample, "lead", "supervisor")
    auth.login("lead")
    supervisor = client.get(BASE).get_data(as_text=True)
    assert 'value="labor_cost"' in _chooser(supervisor)
    assert 'value="labor_cost"' in _builder(supervisor)
    assert 'id="new-record"' in supervisor
    # Once the engineer is made a supervisor too, the kept controls follow.
    auth.logout()
    grant(sample, "tech", "supervisor")
    auth.login("tech")
    promoted = client.get(BASE).get_data(as_text=True)
    assert 'value="labor_cost"' in _chooser(promoted) and 'id="new-record"' in promoted
