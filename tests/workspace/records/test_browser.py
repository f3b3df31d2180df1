"""Issue 4, acceptance 2, in Chromium: fill a work order live, fix an error, find it again."""

from __future__ import annotations

import re

import pytest

from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.workspace.records.conftest import BASE

pytestmark = pytest.mark.browser


def test_fill_a_work_order_live_fix_an_error_and_find_it(browser, tmp_path) -> None:
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url(BASE + "/new"))

    # Customer: search as you type and pick the first match.
    page.fill("#f-customer", "华联")
    page.locator("#fld-customer [data-lookup-pick]").first.click()
    assert page.locator('#fld-customer input[name="f-customer"]').input_value().isdigit()
    page.select_option("#f-fault_type", "electrical")

    # Urgent priority brings the reason field in, decided by the server.
    assert page.locator("#fld-urgent_reason").is_hidden()
    page.select_option("#f-priority", "urgent")
    page.locator("#fld-urgent_reason").wait_for(state="visible")
    assert "*" in page.locator("#req-urgent_reason").inner_text()
    page.fill("#f-description", "<script>window.__pwned = 1</script>Motor hums, no start")

    # Service tab: labour and three spare-part rows; the total updates before saving.
    page.click("#tab-service")
    page.fill("#f-labor_cost", "100.00")
    for name, qty, price in (
        ("Fuse", "2", "10.50"),
        ("Belt", "1", "45.00"),
        ("Relay", "3", "8.00"),
    ):
        page.click("#add-parts")
        row = page.locator("#sub-parts tbody tr").last
        row.locator('input[name$="-part_name"]').fill(name)
        row.locator('input[name$="-qty"]').fill(qty)
        row.locator('input[name$="-unit_price"]').fill(price)
    row.locator('input[name$="-unit_price"]').press("Tab")
    page.wait_for_function(
        "document.querySelector('#out-total_cost').textContent.trim() === '190.00'"
    )
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)

    # Save without the urgent reason: the message appears beside it, the input is kept.
    page.click("#save-record")
    page.locator("#form-errors").wait_for()
    page.click("#tab-request")
    assert page.locator("#err-urgent_reason").inner_text().strip()
    assert "Motor hums" in page.locator("#f-description").input_value()
    page.click("#tab-service")
    assert page.locator("#sub-parts tbody tr[data-row]").count() == 3
    assert page.locator("#out-total_cost").inner_text().strip() == "190.00"

    # Fix it and save.
    page.click("#tab-request")
    page.fill("#f-urgent_reason", "Line stopped")
    page.click("#save-record")
    page.locator("#record-title").wait_for()
    number = re.search(r"WO-\d{8}-\d{4}", page.locator("#record-title").inner_text()).group(0)
    assert "<script>window.__pwned = 1</script>" in page.locator("#value-description").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert "190.00" in page.locator("#value-total_cost").inner_text()

    # Quick search finds it.
    page.goto(browser.url(BASE))
    page.fill("#q", number)
    page.wait_for_function(
        f"document.querySelectorAll('#records tbody tr[data-record-id]').length === 1 && "
        f"document.querySelector('#records tbody').textContent.includes('{number}')"
    )
    # And so does a filter on the urgent reason.
    page.goto(browser.url(BASE))
    page.select_option('select[name="ff"]', "urgent_reason")
    page.select_option('select[name="fo"]', "contains")
    page.fill('input[name="fv"]', "Line stopped")
    page.click("#apply-filter")
    page.wait_for_function(
        f"document.querySelector('#records tbody').textContent.includes('{number}') && "
        "document.querySelectorAll('#records tbody tr[data-record-id]').length === 1"
    )
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(tmp_path / "list-phone.png"), full_page=True)


def test_signature_becomes_an_attachment_and_rows_reorder_by_drag(browser) -> None:
    install(browser.app, SAMPLE_APP)
    browser.login()
    page = browser.page
    page.goto(browser.url(BASE + "/new"))
    page.click("#tab-service")
    for name in ("First", "Second"):
        page.click("#add-parts")
        page.locator("#sub-parts tbody tr").last.locator('input[name$="-part_name"]').fill(name)
    handles = page.locator("#sub-parts .sk-drag")
    handles.nth(1).drag_to(handles.nth(0))
    names = page.locator('#sub-parts tbody input[name$="-part_name"]')
    assert [names.nth(0).input_value(), names.nth(1).input_value()] == ["Second", "First"]

    canvas = page.locator("[data-records-signature] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 90, steps=8)
    page.mouse.up()
    page.click("[data-signature-keep]")
    chip = page.locator("#f-signature-files .sk-file")
    chip.wait_for()
    assert "signature.png" in chip.inner_text()
    assert chip.locator("img").count() == 1  # a thumbnail of the stored PNG
