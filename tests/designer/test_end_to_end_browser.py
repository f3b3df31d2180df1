"""The designer end to end in Chromium: from an empty app, a builder assembles a repair
request form, its workflow and a bar chart by dragging and in the property panels only,
publishes everything, and an end user in another browser context submits a request, moves
it through the workflow and finds it in the chart. The build must take at most 80 actions."""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import save_draft
from tests.conftest import TEST_PASSWORD, ensure_user
from tests.designer.forms.actions import Actions
from tests.designer.workflows.test_browser import Counter

pytestmark = pytest.mark.browser

APP = "fix"
PROPS = "#sk-fd-props"
NEW_ROW = ".sk-fd-newrow"
EMPTY_APP = {
    "key": APP,
    "label": {"zh": "报修", "en": "Repairs"},
    "icon": "tools",
    "roles": [{"key": "agent", "label": {"zh": "客服", "en": "Agent"}}],
}


def _palette(kind: str) -> str:
    return f'.sk-fd-palette-item[data-type="{kind}"]'


def _saved(page: Any) -> None:
    page.wait_for_function("() => skDraft.state === 'saved' && !skDraft._pending")


def _new_document(act: Actions, base: str, kind: str, key: str) -> None:
    """From the app editor: the new-document form (kind, key, submit) opens the editor."""
    act.page.goto(base + f"/designer/apps/{APP}")  # the app's link in the breadcrumbs
    act.count += 1
    act.select("#new-kind", value=kind)
    act.fill("#new-key", key)
    act.click("#new-document button[type=submit]")


def _build_site_form(act: Actions, base: str) -> None:
    page = act.page
    _new_document(act, base, "form", "site")
    page.wait_for_selector("#sk-form-designer[data-ready=true]")
    act.drag(_palette("text"), NEW_ROW)
    _saved(page)


def _build_request_form(act: Actions, base: str) -> None:
    page = act.page
    _new_document(act, base, "form", "repair")
    page.wait_for_selector("#sk-form-designer[data-ready=true]")
    act.drag(_palette("text"), NEW_ROW)
    act.fill(f'{PROPS} [data-prop="label-zh"]', "故障描述")
    act.fill(f'{PROPS} [data-prop="label-en"]', "Fault")
    act.drag(_palette("select"), NEW_ROW)
    act.fill(f'{PROPS} [data-prop="label-zh"]', "优先级")
    act.fill(f'{PROPS} [data-prop="label-en"]', "Priority")
    act.fill(f'{PROPS} .sk-fd-option:first-child [data-prop="option-zh"]', "紧急")
    # A date beside the fault description, shown only for urgent requests.
    act.drag(_palette("date"), '.sk-fd-row:has(> [data-path="fault"])', x=0.98)
    act.fill(f'{PROPS} [data-rule="visible_if"] textarea', 'priority = "option_1"')
    page.wait_for_selector(f'{PROPS} [data-rule="visible_if"][data-state="ok"]')
    act.drag(_palette("lookup"), NEW_ROW)
    act.select(f'{PROPS} [data-prop="form"]', value="site")
    act.select(f'{PROPS} [data-prop="display"]', value="new_text")
    act.drag(_palette("subform"), NEW_ROW)
    act.drag(_palette("integer"), NEW_ROW)
    act.drag(_palette("formula"), NEW_ROW)
    act.fill(f'{PROPS} [data-rule="expr"] textarea', "{新整数} * 2")
    page.wait_for_selector(f'{PROPS} [data-rule="expr"][data-state="ok"]')
    act.click("#sk-fd-form-title")
    act.fill(f'{PROPS} [data-prop="formLabel-zh"]', "报修单")
    act.fill(f'{PROPS} [data-prop="formLabel-en"]', "Repair request")
    act.click(f'{PROPS} [data-prop="role-agent"]')  # agents may create and work on requests
    _saved(page)


def _build_workflow(act: Actions, base: str) -> Counter:
    page = act.page
    _new_document(act, base, "workflow", "repair")
    page.wait_for_selector("#wf[data-ready='1']")
    page.wait_for_function("() => skWf.ctx.fields.some((f) => f.key === 'priority')")
    user = Counter(page)
    user.drag_palette("task", 250, 120)
    user.click(".wf-palette-item[data-kind=exclusive]")
    user.click(".wf-palette-item[data-kind=task]")
    # The end goes below the row: on the row, the gateway's two edges would lie on one line.
    user.drag_palette("end", 400, 330)
    user.click("#wf-connect")
    for source, target in (
        ("start", "task_1"),
        ("task_1", "exclusive_1"),
        ("exclusive_1", "task_2"),
        ("exclusive_1", "end_1"),
        ("task_2", "end_1"),
    ):
        user.connect(source, target)
    user.click("#wf-connect")
    # Urgent requests go to a second task; others end (the gateway's default path).
    user.click_edge("exclusive_1", "task_2")
    user.type("#wf-guard-input", 'priority = "option_1"')
    page.wait_for_selector("#wf-guard[data-state=ok]")
    page.wait_for_function(
        "() => skWf.body.edges.some((e) => e.to === 'task_2' && e.guard === 'priority = \"option_1\"')"
    )
    user.click_node("task_1")
    user.check("tr[data-field=priority] input[value=required]")
    user.click_node("task_2")
    user.check("tr[data-field=fault] input[value=readonly]")
    _saved(page)
    return user


def _build_report(act: Actions, base: str) -> None:
    page = act.page
    _new_document(act, base, "report", "by_priority")
    page.locator('#report-designer[data-ready="1"]').wait_for()
    act.select("#report-form", value="repair")
    page.locator('#field-list .sk-field[data-path="priority"]').wait_for()
    act.drag('#field-list .sk-field[data-path="priority"]', "#dimensions")
    page.locator('#dimensions .sk-chip[data-field="priority"]').wait_for()
    act.drag('#field-list .sk-field[data-path=""]', "#measures")
    page.locator("#measures .sk-chip .sk-aggregate").wait_for()
    act.select("#chart-type", value="bar")
    act.fill("#report-label-zh", "报修按优先级")
    _saved(page)


def test_build_an_app_by_dragging_publish_it_and_use_it(browser: Any) -> None:
    app = browser.app
    with get_db(app).transaction() as session:
        now = app.extensions["servicekit.clock"].now()
        save_draft(session, APP, "app", APP, EMPTY_APP, author_id=None, now=now)
    ensure_user(app, "clerk", app_roles=[(APP, "agent")])
    browser.login()
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 1400})
    base = browser.base_url
    act = Actions(page)

    _build_site_form(act, base)
    _build_request_form(act, base)
    workflow = _build_workflow(act, base)
    _build_report(act, base)
    page.goto(base + f"/designer/apps/{APP}")
    act.count += 1
    act.click("#publish-all")
    page.wait_for_selector("#sk-publish-confirm:not([disabled])")
    with page.expect_navigation():
        act.click("#sk-publish-confirm")
    total = act.count + len(workflow.actions)
    print(f"\nend-to-end build: {total} user actions")
    assert total <= 80

    # An end user, in a browser context of their own.
    context = page.context.browser.new_context()
    user = context.new_page()
    user.set_default_timeout(15000)
    try:
        user.goto(base + "/login")
        user.fill("#login", "clerk")
        user.fill("#password", TEST_PASSWORD)
        user.click("#login-form button[type=submit]")
        user.wait_for_url(base + "/")
        user.goto(base + f"/apps/{APP}/forms/repair/new")
        user.fill("#f-fault", "空调不制冷")
        user.select_option("#f-priority", "option_1")
        user.click("#save-record")
        user.wait_for_url("**/records/*")
        # Accept (task_1), then the guard sends the urgent request on to task_2, then done.
        for node in ("任务 1", "任务 2"):
            user.goto(base + "/tasks")
            user.locator(".task-row", has_text=node).locator(".claim-button").click()
            user.wait_for_selector("#action-form")
            with user.expect_navigation():
                user.locator(".action-button").first.click()
        user.goto(base + "/tasks")
        assert user.locator("#no-tasks").is_visible()
        # The bar chart counts the request under its priority.
        user.goto(base + f"/apps/{APP}/reports/by_priority")
        chart = user.locator('.sk-chart[data-ready="1"]')
        chart.wait_for()
        assert chart.get_attribute("data-total") in ("1", "1.0")
    finally:
        context.close()
