"""A dispatcher (desktop) and an engineer (a 375 px phone) move a work order from 受理 to 关闭
through the task pages, including claiming from the list and 退回 (return)."""

from __future__ import annotations

from typing import Any

from tests.conftest import TEST_PASSWORD
from tests.platform.packages.conftest import SAMPLE_APP, install
from tests.runtime.workflow.conftest import STAFF, Shop


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.fill("#login", login)
    page.fill("#password", TEST_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(base + "/")


def claim_first(page: Any, base: str, node_text: str) -> None:
    page.goto(base + "/tasks")
    row = page.locator(".task-row", has_text=node_text).first
    row.locator(".claim-button").click()
    page.wait_for_selector("#action-form")


def act(page: Any, action: str) -> None:
    page.locator(f".action-button[data-action='{action}']").click()
    page.wait_for_load_state()


def fits(page: Any, selector: str, width: int = 375) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_dispatcher_and_engineer_close_a_work_order_through_the_pages(browser: Any) -> None:
    app = browser.app
    install(app, SAMPLE_APP)
    shop = Shop(app)
    shop.add_staff([*STAFF, ("desk", "Desk", ("dispatcher", "agent"), None, {})])
    record_id = shop.create(login="agent1")
    number = shop.record(record_id).number
    base = browser.base_url
    desk = browser.page
    sign_in(desk, base, "desk")

    phone_context = desk.context.browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone = phone_context.new_page()
    phone.set_default_timeout(15000)
    try:
        sign_in(phone, base, "eng_a")
        phone.goto(base + "/tasks")
        assert phone.locator("#no-tasks").is_visible()

        # 受理: the desk claims the unclaimed accept task from the list and accepts it.
        desk.goto(base + "/tasks")
        assert number in desk.locator("#task-list").inner_text()
        claim_first(desk, base, number)
        assert "Desk" in desk.locator("#open-tasks").inner_text()
        act(desk, "accept")
        # 派工: back in the list, claim and dispatch.
        claim_first(desk, base, number)
        act(desk, "dispatch")
        assert "王工" in desk.locator("#open-tasks").inner_text()
        assert "skill electrical level 3, region east" in desk.locator("#open-tasks").inner_text()

        # The engineer's phone: the task is in the list; 退回 to dispatch with a reason.
        phone.goto(base + "/tasks")
        phone.locator(".task-link", has_text=number).click()
        phone.wait_for_selector("#action-form")
        assert fits(phone, ".action-button[data-action='complete']")
        phone.locator("#return-panel summary").click()
        phone.select_option("#return-node", "dispatch")
        phone.fill("#return-reason", "配件不全，请重新安排")
        assert fits(phone, "#return-button")
        phone.click("#return-button")
        phone.wait_for_selector("#history")
        assert "配件不全" in phone.locator("#history").inner_text()

        # The desk dispatches again; the engineer who did the step gets it back.
        desk.goto(base + "/tasks")
        desk.locator(".task-link", has_text=number).click()
        act(desk, "dispatch")

        phone.goto(base + "/tasks")
        phone.locator(".task-link", has_text=number).click()
        phone.wait_for_selector("#action-form")
        # Completing without the required resolution is refused beside the field.
        act(phone, "complete")
        assert phone.locator("#action-error").is_visible()
        phone.fill("#f-resolution", "更换主板，试机正常")
        assert fits(phone, "#f-resolution")
        act(phone, "complete")
        phone.wait_for_selector("#history")
        assert phone.locator(".action-button").count() == 0

        # 回访 and 关闭 by the desk (also an agent).
        claim_first(desk, base, number)
        desk.select_option("#f-satisfaction", "5")
        act(desk, "close")
        assert desk.locator("#closed-state").is_visible()
        assert desk.locator("#progress .step-current").count() == 0
    finally:
        phone_context.close()

    assert shop.moves(record_id) == [
        ("begin", "start", "accept"),
        ("accept", "accept", "dispatch"),
        ("dispatch", "dispatch", "service"),
        ("dispatch", "dispatch", "service"),
        ("complete", "service", "check_cost"),
        ("no_review", "check_cost", "follow_up"),
        ("close", "follow_up", "closed"),
    ]
    kinds = [kind for kind, _ in shop.history(record_id)]
    assert kinds.count("workflow.claimed") == 3
    assert kinds.count("workflow.returned") == 1
    assert shop.instance(record_id).outcome == "resolved"
    assert shop.record(record_id).values["satisfaction"] == "5"
