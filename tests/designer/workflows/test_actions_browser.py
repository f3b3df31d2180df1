"""The node panel's automatic actions editor in a real browser: the builder sees a node's
existing action, adds, fills, reorders and removes actions, types rules into the shared
rule editor, and the draft holds exactly what the panel shows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.designer.workflows.test_browser import Counter, open_designer, saved_draft

pytestmark = pytest.mark.browser


def card(page: Any, hook: str, number: int) -> Any:
    return page.locator(f"#wf-hook-{hook} .wf-action").nth(number)


def test_add_fill_reorder_and_remove_a_nodes_automatic_actions(browser: Any) -> None:
    page = open_designer(browser, "work_order")
    Counter(page).click_node("dispatch")
    # The sample's "notify the supervisors of urgent work" shows with its condition checked.
    notify = card(page, "on_enter", 0)
    assert notify.get_attribute("data-type") == "notify"
    assert notify.locator(".wf-act-roles input[value=supervisor]").is_checked()
    assert notify.locator(".sk-rule-input").input_value() == 'priority = "urgent"'
    notify.locator(".sk-rule[data-state=ok]").wait_for()

    # A webhook after it, then moved up to run first.
    page.select_option("#wf-add-on_enter-type", "webhook")
    page.click("#wf-hook-on_enter .wf-add-action")
    card(page, "on_enter", 1).locator(".wf-act-url").fill("https://hooks.example.invalid/dispatch")
    card(page, "on_enter", 1).locator(".wf-action-up").click()
    assert card(page, "on_enter", 0).get_attribute("data-type") == "webhook"

    # On leaving: set the priority, first with a misspelt field name, then fixed.
    page.select_option("#wf-add-on_leave-type", "set")
    page.click("#wf-hook-on_leave .wf-add-action")
    setter = card(page, "on_leave", 0)
    setter.locator(".wf-add-value").click()
    setter.locator(".wf-value-field").select_option("priority")
    value = setter.locator(".wf-value .sk-rule")
    value.locator(".sk-rule-input").fill("prioritty")
    page.wait_for_selector("#wf-hook-on_leave .wf-value .sk-rule[data-state=error]")
    assert "prioritty" in value.locator(".sk-rule-errors").inner_text()
    draft = saved_draft(page, "work_order")
    index = [n["key"] for n in draft["body"]["nodes"]].index("dispatch")
    path = f"$.nodes[{index}].on_leave[0].values.priority"
    assert path in {p["path"] for p in draft["problems"]}
    page.wait_for_selector(f"#wf-hook-on_leave .wf-action-problems li[data-path='{path}']")

    value.locator(".sk-rule-input").fill('"high"')
    page.wait_for_selector("#wf-hook-on_leave .wf-value .sk-rule[data-state=ok]")
    setter.locator(".sk-rule-input").first.fill('fault_type = "electrical"')

    # A create-record action added and removed again leaves nothing behind.
    page.select_option("#wf-add-on_leave-type", "create_record")
    page.click("#wf-hook-on_leave .wf-add-action")
    card(page, "on_leave", 1).locator(".wf-action-remove").click()
    assert page.locator("#wf-hook-on_leave .wf-action").count() == 1

    draft = saved_draft(page, "work_order")
    node = draft["body"]["nodes"][index]
    assert node["on_enter"][0] == {
        "type": "webhook",
        "url": "https://hooks.example.invalid/dispatch",
    }
    assert node["on_enter"][1]["type"] == "notify"
    assert node["on_leave"] == [
        {"type": "set", "when": 'fault_type = "electrical"', "values": {"priority": '"high"'}}
    ]
    assert not [p for p in draft["problems"] if ".on_" in p["path"]]
    page.wait_for_function(
        "() => !document.querySelector('#wf-hook-on_leave .wf-action-problems li')"
    )


def test_an_automatic_action_node_has_one_list_of_actions(browser: Any) -> None:
    page = open_designer(browser, "repair")
    page.click(".wf-palette-item[data-kind=action]")
    assert page.locator("#wf-hook-on_enter").is_visible()
    assert page.locator("#wf-hook-on_leave").is_hidden()
    page.select_option("#wf-add-on_enter-type", "notify")
    page.click("#wf-hook-on_enter .wf-add-action")
    page.locator("#wf-hook-on_enter .wf-act-channel[value=email]").uncheck()
    page.locator("#wf-hook-on_enter .wf-act-message").fill("{{ number }}")
    node = saved_draft(page, "repair")["body"]["nodes"][-1]
    assert node["kind"] == "action"
    assert node["on_enter"] == [
        {"type": "notify", "channels": ["in_app"], "message": "{{ number }}"}
    ]
