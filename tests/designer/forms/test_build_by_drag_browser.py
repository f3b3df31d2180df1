"""Building a small form with the mouse and the properties panel only (no JSON typed):
the autosaved draft must validate against schemas/form.schema.json."""

from __future__ import annotations

import pytest
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
