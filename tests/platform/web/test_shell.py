"""The shell: language switch, navigation from installed apps, home, app and form pages."""

from __future__ import annotations

from tests.conftest import AuthActions, csrf_token


def test_language_switch_changes_every_string_and_is_remembered(installed_app, client, auth):
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "首页" in page and "售后服务" in page and "Home" not in page
    response = client.post(
        "/language",
        data={"locale": "en", "next": "/apps/after_sales", "csrf_token": csrf_token(client)},
    )
    assert response.location == "/apps/after_sales"
    page = client.get("/").get_data(as_text=True)
    assert "Home" in page and "After-sales service" in page and "首页" not in page
    # Remembered on the user: a new browser session signing in gets English.
    fresh = installed_app.test_client()
    AuthActions(installed_app, fresh).login()
    assert "After-sales service" in fresh.get("/").get_data(as_text=True)


def test_language_switch_before_sign_in_uses_the_session(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client)})
    assert "Sign in to ServiceKit" in client.get("/login").get_data(as_text=True)


def test_language_switch_by_htmx_asks_for_a_refresh(client):
    response = client.post(
        "/language",
        data={"locale": "en"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 204
    assert response.headers["HX-Refresh"] == "true"


def test_home_without_apps_explains_how_to_install(app, client, auth):
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "servicekit install PATH" in page


def test_app_page_lists_navigation_entries(installed_app, client, auth):
    auth.login()
    page = client.get("/apps/after_sales").get_data(as_text=True)
    assert "报修与上门维修" in page
    assert 'href="/apps/after_sales/forms/work_order"' in page
    assert "服务看板" in page
    assert client.get("/apps/unknown").status_code == 404


def test_htmx_requests_get_the_fragment_and_vary(app, client, auth):
    auth.login()
    full = client.get("/notifications/")
    fragment = client.get("/notifications/", headers={"HX-Request": "true"})
    assert "<html" in full.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert 'id="notification-list"' in fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "HX-Request" in full.headers["Vary"]


def test_labels_from_metadata_are_escaped(app, client, auth):
    from servicekit.platform.db import get_db
    from servicekit.platform.models.apps import InstalledApp, MetadataDocument

    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        session.add(InstalledApp(key="x", version="1", position=0, installed_at=now))
        session.add(
            MetadataDocument(
                app_key="x",
                kind="app",
                key="x",
                version=1,
                status="published",
                body={"label": "<script>bad()</script>"},
                checksum="0" * 64,
                created_at=now,
            )
        )
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert "<script>bad()" not in page
    assert "&lt;script&gt;bad()" in page


def test_every_page_names_an_icon_the_server_serves(client):
    """Browser tabs and bookmarks show ServiceKit's icon, even before sign-in."""
    import re

    html = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', html)
    assert icon
    with client.get(icon.group(1)) as served:  # a file response: close it
        assert served.status_code == 200 and b"<svg" in served.data
