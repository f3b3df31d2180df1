"""Building a small form with the mouse and the properties panel only (no JSON typed):
the autosaved draft must validate against schemas/form.schema.json. Then numbering
patterns: the server's preview of the next number, and its problem with a bad pattern."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from servicekit.platform.db import get_db
from servicekit.platform.metadata.schemas import schema_problems
from servicekit.platform.models import MetadataDocument
from tests.designer.forms.actions import Actions
from tests.designer.forms.conftest import APP, seed_documents

pytestmark = pytest.mark.browser

NEW_ROW = ".sk-fd-newrow"
PROPS = "#sk-fd-props"


def _palette(kind: str) -> str:
    return f'.sk-fd-palette-item[data-type="{kind}"]'


def _draft(app) -> dict:  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return session.scalars(
            select(MetadataDocument.body).where(
                MetadataDocument.app_key == APP,
                MetadataDocument.key == "repair",
                MetadataDocument.status == "draft",
            )
        ).one()


def _labels(act: Actions, zh: str, en: str) -> None:
    act.fill(f'{PROPS} [data-prop="label-zh"]', zh)
    act.fill(f'{PROPS} [data-prop="label-en"]', en)


def test_build_a_form_by_drag_and_drop(browser) -> None:
    seed_documents(browser.app)
    # 23:30 UTC on 31 January is 1 February in the app's zone: the preview must say so.
    browser.app.extensions["servicekit.clock"].set(
        datetime.fromisoformat("2026-01-31T23:30:00+00:00")
    )
    browser.login()
    page = browser.page
    # Palette and canvas both in view: a drag cannot start or end off-screen.
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(browser.url(f"/designer/apps/{APP}/forms/repair"))
    page.wait_for_selector("#sk-form-designer[data-ready=true]")
    act = Actions(page)

    act.drag(_palette("text"), NEW_ROW)
    _labels(act, "故障描述", "Fault description")
    assert page.locator(f'{PROPS} [data-prop="key"]').input_value() == "fault_description"

    act.drag(_palette("select"), NEW_ROW)
    _labels(act, "优先级", "Priority")
    act.click("#sk-fd-add-option")
    act.fill(f'{PROPS} .sk-fd-option:last-child [data-prop="option-zh"]', "紧急")
    act.select(f'{PROPS} .sk-fd-option:last-child [data-prop="option-color"]', value="danger")

    act.drag(_palette("integer"), NEW_ROW)
    _labels(act, "数量", "Quantity")

    act.drag(_palette("formula"), NEW_ROW)
    _labels(act, "合计", "Total")
    formula = f'{PROPS} [data-rule="expr"]'
    page.locator(f"{formula} textarea").fill("")
    act.select(f"{formula} select.sk-rule-fields", value="{数量}")
    act.type(f"{formula} textarea", " * 2")
    page.wait_for_selector(f'{formula}[data-state="ok"]')

    # A date beside the fault description: the same row, two columns.
    act.drag(_palette("date"), '.sk-fd-row:has(> [data-path="fault_description"])', x=0.98)

    act.click("#sk-fd-form-title")
    act.fill(f'{PROPS} [data-prop="formLabel-zh"]', "报修单")
    act.fill(f'{PROPS} [data-prop="formLabel-en"]', "Repair request")

    page.wait_for_selector('#sk-save-state[data-state="saved"]')
    print(f"\nform built in {act.count} user actions")
    body = _draft(browser.app)
    assert schema_problems("form", body) == []
    assert body["label"] == {"zh": "报修单", "en": "Repair request"}
    fields = {f["key"]: f for f in body["fields"]}
    assert set(fields) == {"fault_description", "priority", "quantity", "total", "new_date"}
    assert fields["priority"]["options"][-1]["label"]["zh"] == "紧急"
    assert fields["priority"]["options"][-1]["color"] == "danger"
    assert fields["total"]["expr"] == "{数量} * 2"
    assert fields["total"]["result_type"] == "decimal"
    rows = body["layout"]["sections"][0]["rows"]
    assert rows[0] == ["fault_description", "new_date"]
    assert ["priority"] in rows and ["quantity"] in rows and ["total"] in rows
    assert page.locator("#sk-problems .sk-problem").count() == 0
    # 7 drags and clicks, 14 typed values or choices: the count the end-to-end budget uses.
    assert act.count == 21

    # The business number: a wrong placeholder is named beside the input (the checker's
    # message, with its JSON path), a sound pattern shows the next number for today.
    pattern = f'{PROPS} [data-prop="numbering-pattern"]'
    page.fill(pattern, "RP-{foo}-{seq:4}")
    problem = page.locator(
        f'{PROPS} [data-role="numbering-preview"] [data-path="$.numbering.pattern"]'
    )
    expect(problem).to_contain_text("{foo}")
    expect(page.locator(pattern)).to_have_class(re.compile("is-invalid"))
    page.fill(pattern, "RP-{yyyy}{mm}{dd}-{seq:4}")
    page.select_option(f'{PROPS} [data-prop="numbering-reset"]', "daily")
    expect(page.locator(f'{PROPS} [data-role="next-number"]')).to_have_text("RP-20260201-0001")
    expect(page.locator(pattern)).not_to_have_class(re.compile("is-invalid"))

    # An auto-number field's own pattern, in its property panel.
    page.locator(NEW_ROW).first.scroll_into_view_if_needed()
    act.drag(_palette("auto_number"), NEW_ROW)
    page.fill(pattern, "SN-{yy}-{seq:3}")
    page.select_option(f'{PROPS} [data-prop="numbering-reset"]', "yearly")
    expect(page.locator(f'{PROPS} [data-role="next-number"]')).to_have_text("SN-26-001")

    page.evaluate("() => window.skDraft.flush()")
    page.wait_for_function(
        "() => skDraft.state === 'saved' && !skDraft._pending && !skDraft._inFlight"
    )
    body = _draft(browser.app)
    assert schema_problems("form", body) == []
    assert body["numbering"] == {"pattern": "RP-{yyyy}{mm}{dd}-{seq:4}", "reset": "daily"}
    serial = next(f for f in body["fields"] if f["type"] == "auto_number")
    assert serial["numbering"] == {"pattern": "SN-{yy}-{seq:3}", "reset": "yearly"}
