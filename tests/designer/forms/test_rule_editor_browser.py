"""The rule editor in a real browser (issue 8, acceptance 2): a misspelt field name is
underlined with a "did you mean" fix, a type error shows its message, a valid rule its type."""

from __future__ import annotations

import pytest

from tests.designer.forms.conftest import APP, seed_documents

pytestmark = pytest.mark.browser


def test_rule_editor_underlines_suggests_and_types(browser) -> None:
    seed_documents(browser.app)
    browser.login()
    page = browser.page
    page.goto(browser.url(f"/designer/apps/{APP}/forms/request"))
    page.wait_for_selector("#sk-form-designer[data-ready=true]")
    page.click('.sk-fd-field[data-path="qty"]')
    editor = page.locator('#sk-fd-props [data-rule="visible_if"]')
    box = editor.locator("textarea")

    # A typo in a field name: underlined where it is, with the fix offered.
    box.fill("qty > 1 and prise > 2")
    mark = editor.locator("mark.sk-rule-error")
    mark.wait_for()
    assert mark.inner_text() == "prise"
    fix = editor.locator(".sk-rule-fix")
    assert "price" in fix.inner_text()
    assert "unknown field prise" in editor.locator(".sk-rule-errors").inner_text()
    assert box.get_attribute("aria-invalid") == "true"

    # Taking the suggestion gives a valid rule, which shows its type.
    fix.click()
    page.wait_for_selector('#sk-fd-props [data-rule="visible_if"][data-state="ok"]')
    assert box.input_value() == "qty > 1 and price > 2"
    assert editor.locator(".sk-rule-type").get_attribute("data-type") == "boolean"
    assert editor.locator("mark.sk-rule-error").count() == 0

    # A type error shows the checker's message, underlined at the offending operand.
    box.fill('qty + "a" > 1')
    page.wait_for_selector('#sk-fd-props [data-rule="visible_if"][data-state="error"]')
    assert "cannot apply + to number and text" in editor.locator(".sk-rule-errors").inner_text()
    assert editor.locator("mark.sk-rule-error").inner_text() == '"a"'
    assert editor.locator(".sk-rule-type").is_hidden()

    # A condition must be true or false: a number is refused with the reason.
    box.fill("qty * price")
    page.wait_for_selector('#sk-fd-props [data-rule="visible_if"][data-state="error"]')
    assert "must give boolean" in editor.locator(".sk-rule-errors").inner_text()

    # Picking a field from the list inserts {Label}; the rule then checks clean.
    box.fill("")
    editor.locator("select.sk-rule-fields").select_option(value="{单价}")
    box.press("End")
    box.type(" > 10")
    page.wait_for_selector('#sk-fd-props [data-rule="visible_if"][data-state="ok"]')
    assert box.input_value() == "{单价} > 10"
