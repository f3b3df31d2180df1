"""The shell in a real browser on a 375 px phone: reorder the app's menu by dragging (autosave
with its saved state), a conflicting save shown with reload/overwrite, and the publish preview."""

from __future__ import annotations

import json
from typing import Any

import pytest

from servicekit.designer.shell.drafts import find_draft
from servicekit.platform.db import get_db
from servicekit.platform.metadata.store import save_draft
from tests.designer.shell.conftest import install_sample

pytestmark = pytest.mark.browser


def nav_keys(app: Any) -> list[str]:
    with get_db(app).transaction() as session:
        draft = find_draft(session, "after_sales", "app", "after_sales")
        assert draft is not None
        return [entry["key"] for entry in draft.body["navigation"]]


def test_reorder_the_menu_autosave_conflict_and_publish_on_a_phone(browser: Any) -> None:
    app = browser.app
    install_sample(app)
    page = browser.page
    page.set_viewport_size({"width": 375, "height": 800})
    browser.login("admin")
    page.goto(browser.url("/designer/apps/after_sales"))
    items = page.locator("#nav-order .sk-nav-item")
    items.first.wait_for()
    assert items.count() == 5
    # Nothing sticks out of a phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    # Drag the last entry (spare parts) to the top.
    page.locator("#nav-order").scroll_into_view_if_needed()
    source = items.nth(4).locator(".sk-drag-handle").bounding_box()
    target = items.nth(0).bounding_box()
    page.mouse.move(source["x"] + 4, source["y"] + 4)
    page.mouse.down()
    page.mouse.move(source["x"] + 4, source["y"] - 20, steps=5)
    page.mouse.move(target["x"] + 10, target["y"] + 2, steps=15)
    page.mouse.up()
    state = page.locator("#sk-save-state")
    page.wait_for_selector("#nav-order .sk-nav-item:first-child >> text=/备件|Spare parts/")
    page.wait_for_selector("#sk-save-state[data-state=saved]:not(:empty)")
    assert state.inner_text().startswith(("已保存 · ", "Saved · "))
    assert nav_keys(app)[0] == "spare_parts"

    # Another builder saves the app draft meanwhile; the next save here is a conflict.
    with get_db(app).transaction() as session:
        draft = find_draft(session, "after_sales", "app", "after_sales")
        body = json.loads(json.dumps(draft.body))
        body["label"] = {"zh": "售后（改）", "en": "After-sales (changed)"}
        save_draft(
            session,
            "after_sales",
            "app",
            "after_sales",
            body,
            author_id=None,
            now=app.extensions["servicekit.clock"].now(),
        )
    page.locator("#nav-order .sk-nav-remove").last.click()
    page.wait_for_selector("#sk-save-state[data-state=conflict]")
    assert page.locator("#sk-conflict").is_visible()
    assert len(nav_keys(app)) == 5  # nothing was overwritten
    page.click("#sk-conflict-overwrite")
    page.wait_for_selector("#sk-save-state[data-state=saved]:not(:empty)")
    assert len(nav_keys(app)) == 4

    # Publishing shows the preview first and publishes only on confirmation.
    page.click("#publish-all")
    page.wait_for_selector("#sk-publish-confirm:not([disabled])")
    assert "app after_sales → v2" in page.locator("#sk-publish-body").inner_text()
    with page.expect_navigation():
        page.click("#sk-publish-confirm")
    page.wait_for_selector("#nav-order .sk-nav-item")
    with get_db(app).transaction() as session:
        assert find_draft(session, "after_sales", "app", "after_sales") is None


def test_shell_pages_fit_a_phone_in_both_languages(browser: Any) -> None:
    app = browser.app
    install_sample(app)
    page = browser.page
    page.set_viewport_size({"width": 375, "height": 800})
    browser.login("admin")
    paths = [
        "/designer/",
        "/designer/apps/new",
        "/designer/apps/after_sales/forms/work_order/history",
        "/designer/apps/after_sales/forms/work_order/json",
        "/designer/apps/after_sales/calendars/cn_mainland/json",
    ]
    for language, title in (("zh_CN", "设计器"), ("en", "Designer")):
        page.goto(browser.url("/designer/"))
        page.locator("#main").wait_for()
        if language == "en":
            # The language switch lives in the phone's menu.
            page.click("#nav-toggle")
            with page.expect_navigation():
                page.locator("#nav-offcanvas button[data-locale=en]").click()
        for path in paths:
            page.goto(browser.url(path))
            assert title in page.title() or path != "/designer/", page.title()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, (language, path, width)


def test_json_view_points_at_problems_and_syntax_errors(browser: Any) -> None:
    app = browser.app
    install_sample(app)
    with get_db(app).transaction() as session:
        from servicekit.platform.metadata.store import latest_published

        body = json.loads(
            json.dumps(latest_published(session, "after_sales", "form", "customer").body)
        )
        body["fields"][1]["type"] = "colour"
        save_draft(
            session,
            "after_sales",
            "form",
            "customer",
            body,
            author_id=None,
            now=app.extensions["servicekit.clock"].now(),
        )
    page = browser.page
    browser.login("admin")
    page.goto(browser.url("/designer/apps/after_sales/forms/customer/json"))
    page.click('#sk-problems [data-path="$.fields[1].type"]')
    selected = page.evaluate(
        "() => { const a = document.getElementById('json-text');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )
    assert selected.strip() == '"type": "colour"'

    page.fill("#json-text", '{\n  "key": "customer",\n  "label": }')
    with page.expect_navigation():
        page.click("#json-save")
    assert page.locator("#json-error").is_visible()
    cursor = page.evaluate("document.getElementById('json-text').selectionStart")
    assert cursor == len('{\n  "key": "customer",\n  "label": ')


def test_publish_all_lists_every_problem_of_the_drafts_with_its_path(browser: Any) -> None:
    app = browser.app
    install_sample(app)
    with get_db(app).transaction() as session:
        from servicekit.platform.metadata.store import latest_published

        body = json.loads(
            json.dumps(latest_published(session, "after_sales", "form", "customer").body)
        )
        body["fields"][0]["type"] = "no_such_type"
        del body["fields"][1]["label"]
        save_draft(
            session,
            "after_sales",
            "form",
            "customer",
            body,
            author_id=None,
            now=app.extensions["servicekit.clock"].now(),
        )
    browser.login("admin")
    page = browser.page
    page.goto(browser.url("/designer/apps/after_sales"))
    page.click("#publish-all")
    problems = page.locator("#sk-publish-modal .sk-publish-problems li")
    problems.first.wait_for()
    paths = [problems.nth(i).get_attribute("data-path") for i in range(problems.count())]
    assert "$.fields[0].type" in paths
    assert "$.fields[1]" in paths
    text = page.locator("#sk-publish-body").inner_text()
    assert "$.fields[0].type" in text and "customer" in text
    assert page.locator("#sk-publish-confirm").is_disabled()
