"""Canvas operations in the browser: reorder, into and out of a subform, duplicate, delete
with undo, tabs; and the live preview computing a formula and showing a conditional field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.designer.forms.actions import Actions
from tests.designer.forms.conftest import APP, seed_documents

pytestmark = pytest.mark.browser


def _open(browser):  # type: ignore[no-untyped-def]
    seed_documents(browser.app)
    browser.login()
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(browser.url(f"/designer/apps/{APP}/forms/request"))
    page.wait_for_selector("#sk-form-designer[data-ready=true]")
    return page


def _saved_body(page):  # type: ignore[no-untyped-def]
    """The draft once every change so far is saved: the label may still say "saved" from
    an earlier save while a debounced one waits, so flush it and wait for the queue."""
    page.evaluate("() => window.skDraft.flush()")
    page.wait_for_function(
        "() => skDraft.state === 'saved' && !skDraft._pending && !skDraft._inFlight"
    )
    return page.evaluate("window.skDraft.body")


def _order(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "#sk-fd-canvas .sk-fd-rows > .sk-fd-row > .sk-fd-field", "ns => ns.map(n => n.dataset.path)"
    )


def test_move_duplicate_delete_and_undo(browser) -> None:
    page = _open(browser)
    act = Actions(page)
    assert _order(page) == ["subject", "qty", "price", "priority", "customer", "parts"]

    # Reorder: the price onto its own row above the quantity (the gap before its row).
    act.drag('.sk-fd-field[data-path="price"]', '[data-place="gap:s0:1"]')
    page.wait_for_function("window.skDraft.body.layout.sections[0].rows[1][0] === 'price'")
    expect(
        page.locator("#sk-fd-canvas .sk-fd-rows > .sk-fd-row > .sk-fd-field").nth(1)
    ).to_have_attribute("data-path", "price")
    assert _order(page)[:3] == ["subject", "price", "qty"]
    # Beside it: the subject joins the price's row (two columns).
    price_row = '.sk-fd-row:has(> .sk-fd-field[data-path="price"])'
    act.drag('.sk-fd-field[data-path="subject"]', price_row, x=0.98)
    page.wait_for_function("window.skDraft.body.layout.sections[0].rows[0].length === 2")
    assert page.evaluate("window.skDraft.body.layout.sections[0].rows[0]") == ["price", "subject"]

    # Into the subform: the quantity becomes a column of the parts table.
    act.drag('.sk-fd-field[data-path="qty"]', '[data-place="sub:parts:end"]')
    page.wait_for_selector('.sk-fd-subfields .sk-fd-field[data-path="parts.qty"]')
    body = _saved_body(page)
    parts = next(f for f in body["fields"] if f["key"] == "parts")
    assert sorted(c["key"] for c in parts["fields"]) == ["amount", "qty"]
    assert "qty" not in [f["key"] for f in body["fields"]]
    assert all("qty" not in row for row in body["layout"]["sections"][0]["rows"])

    # And out again, onto a new row of the form.
    act.drag('.sk-fd-field[data-path="parts.qty"]', ".sk-fd-newrow")
    page.wait_for_selector('.sk-fd-rows > .sk-fd-row > .sk-fd-field[data-path="qty"]')
    assert _order(page)[-1] == "qty"

    # A new field type dropped at the end of the columns becomes a column.
    act.drag(".sk-fd-palette-item[data-type=decimal]", '[data-place="sub:parts:end"]')
    page.wait_for_selector('.sk-fd-subfields .sk-fd-field[data-path="parts.new_decimal"]')

    # Duplicate sits beside the original with its own key.
    act.click('.sk-fd-field[data-path="subject"] .sk-fd-duplicate')
    page.wait_for_selector('.sk-fd-field[data-path="subject_copy"]')
    expect(page.locator('#sk-fd-props [data-prop="key"]')).to_have_value("subject_copy")

    # Delete, then undo from the message.
    act.click('.sk-fd-field[data-path="priority"] .sk-fd-delete')
    expect(page.locator('.sk-fd-field[data-path="priority"]')).to_have_count(0)
    expect(page.locator("#sk-fd-toast-text")).to_contain_text("优先级")
    act.click("#sk-fd-toast-undo")
    page.wait_for_selector('.sk-fd-field[data-path="priority"]')
    body = _saved_body(page)
    priority = next(f for f in body["fields"] if f["key"] == "priority")
    assert [o["value"] for o in priority["options"]] == ["low", "urgent"]

    # A subform cannot go into a subform (it may land beside it instead).
    fields = page.evaluate("window.skDraft.body.fields.length")
    act.drag(".sk-fd-palette-item[data-type=subform]", '[data-place="sub:parts:end"]')
    page.wait_for_function("n => window.skDraft.body.fields.length > n", arg=fields)
    body = _saved_body(page)
    parts = next(f for f in body["fields"] if f["key"] == "parts")
    assert all(c["type"] != "subform" for c in parts["fields"])


def test_tabs_and_sections(browser) -> None:
    page = _open(browser)
    act = Actions(page)
    act.click("#sk-fd-add-tab")
    page.wait_for_selector(".sk-fd-tabs [data-place='tab:1']")
    assert page.locator(".sk-fd-tabs .nav-link.active").get_attribute("data-tab") == "1"
    # The new tab is empty; a field type dropped there lands on it.
    act.drag(".sk-fd-palette-item[data-type=long_text]", ".sk-fd-newrow")
    page.wait_for_selector('.sk-fd-field[data-type="long_text"]')
    # A field dragged onto the first tab's header moves there.
    act.drag('.sk-fd-field[data-type="long_text"]', ".sk-fd-tabs [data-place='tab:0']")
    body = _saved_body(page)
    tabs = body["layout"]["tabs"]
    assert len(tabs) == 2
    first_tab_keys = [k for s in tabs[0]["sections"] for row in s["rows"] for k in row]
    assert "new_long_text" in first_tab_keys
    act.click("#sk-fd-add-section")
    assert page.locator(".sk-fd-section").count() >= 2


def test_preview_fills_the_draft_with_formulas_and_conditions(browser) -> None:
    page = _open(browser)
    act = Actions(page)
    # A formula and a condition set in the properties panel.
    act.drag(".sk-fd-palette-item[data-type=formula]", ".sk-fd-newrow")
    formula = '#sk-fd-props [data-rule="expr"]'
    act.fill(f"{formula} textarea", "qty * price")
    page.wait_for_selector(f'{formula}[data-state="ok"]')
    act.click('.sk-fd-field[data-path="subject"]')
    condition = '#sk-fd-props [data-rule="visible_if"]'
    act.fill(f"{condition} textarea", 'priority = "urgent"')
    page.wait_for_selector(f'{condition}[data-state="ok"]')
    page.wait_for_selector('#sk-save-state[data-state="saved"]')

    act.click('label[for="sk-fd-mode-preview"]')
    preview = page.locator("#sk-fd-preview-body")
    preview.locator("#f-qty").wait_for()
    assert preview.locator("#fld-subject").is_hidden()
    act.fill("#sk-fd-preview-body #f-qty", "3")
    act.fill("#sk-fd-preview-body #f-price", "2.50")
    page.wait_for_function(
        "document.querySelector('#out-new_formula').textContent.trim() === '7.50'"
    )
    act.select("#sk-fd-preview-body #f-priority", value="urgent")
    preview.locator("#fld-subject").wait_for(state="visible")
    # Back to the designer: nothing was stored as a record, the draft is unchanged.
    act.click('label[for="sk-fd-mode-design"]')
    assert page.locator("#sk-fd-design").is_visible()
