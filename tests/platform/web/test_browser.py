"""Browser tests: the real UI in headless Chromium (acceptance 7 and the phone layout)."""

from __future__ import annotations

import pytest

from servicekit.platform.accounts import get_user_by_login, notify
from servicekit.platform.db import get_db
from tests.platform.web.conftest import install_app_rows

pytestmark = pytest.mark.browser


def test_switch_to_english_and_back_changes_the_navigation(browser) -> None:
    install_app_rows(browser.app)
    browser.login()
    page = browser.page
    nav = page.locator("#main-nav")
    assert "首页" in nav.inner_text()
    assert "售后服务" in nav.inner_text()

    page.click("button[data-locale=en]")
    page.wait_for_function("document.querySelector('#main-nav').innerText.includes('Home')")
    assert "After-sales service" in nav.inner_text()
    assert "首页" not in nav.inner_text()

    page.click("button[data-locale=zh_CN]")
    page.wait_for_function("document.querySelector('#main-nav').innerText.includes('首页')")
    assert "售后服务" in nav.inner_text()
    assert "Home" not in nav.inner_text()


def test_phone_width_menu_opens(browser) -> None:
    install_app_rows(browser.app)
    page = browser.page
    page.set_viewport_size({"width": 375, "height": 740})
    browser.login()
    menu = page.locator("#nav-offcanvas")
    assert not menu.is_visible()
    page.click("#nav-toggle")
    menu.locator("a", has_text="售后服务").wait_for(state="visible")
    # Nothing on the page is wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_notification_bell_shows_the_unread_count(browser) -> None:
    browser.login()
    app = browser.app
    with get_db(app).transaction() as session:
        user = get_user_by_login(session, "admin")
        for number in (1, 2, 3):
            notify(
                session, user.id, f"工单 WO-{number}", now=app.extensions["servicekit.clock"].now()
            )
    page = browser.page
    page.goto(browser.url("/"))
    assert page.inner_text("#unread-count") == "3"
    page.click("#notification-bell")
    page.click("#mark-all-read")
    page.wait_for_selector("#mark-all-read", state="detached")
    page.goto(browser.url("/"))
    assert page.locator("#unread-count").count() == 0


def test_admin_creates_a_user_who_can_sign_in(browser) -> None:
    browser.login()
    page = browser.page
    page.goto(browser.url("/admin/users"))
    page.click("#new-user")
    page.fill("#login", "engineer7")
    page.fill("#display_name", "李工程师")
    page.fill("#password", "fieldwork2024")
    page.click("#new-user-form button[type=submit]")
    page.wait_for_selector("text=已创建用户 engineer7")
    page.goto(browser.url("/admin/users"))
    page.fill("input[name=q]", "李工")
    page.wait_for_function(
        "document.querySelectorAll('#user-rows tr').length === 1"
        " && document.querySelector('#user-rows').innerText.includes('engineer7')"
    )
    page.locator("#user-menu").click()
    page.click("text=退出登录")
    page.wait_for_url(browser.url("/login"))
    browser.login("engineer7", "fieldwork2024")
    assert "李工程师" in page.inner_text("#user-menu")
