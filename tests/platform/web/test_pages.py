"""Admin pages, notifications, profile, error pages and /healthz."""

from __future__ import annotations

from servicekit.platform.accounts import get_user_by_login, notify, verify_password
from servicekit.platform.db import get_db
from tests.conftest import csrf_token


def _user(app, login):  # type: ignore[no-untyped-def]
    with get_db(app).sessions() as session:
        return get_user_by_login(session, login)


def test_admin_pages_are_for_admins_only(app, client, auth):
    auth.login(login="engineer")
    for url in ("/admin/users", "/admin/users/new", "/admin/teams", "/admin/users/1"):
        assert client.get(url).status_code == 403
    response = client.post(
        "/admin/users/new",
        data={"csrf_token": csrf_token(client), "login": "x1", "password": "abcdefgh12"},
    )
    assert response.status_code == 403
    assert _user(app, "x1") is None


def test_admin_creates_searches_edits_and_disables_a_user(app, client, auth):
    auth.login()
    token = csrf_token(client)
    response = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "login": "zhao",
            "display_name": "赵师傅",
            "password": "field2024ok",
            "platform_roles": ["builder"],
        },
    )
    assert response.status_code == 302
    user = _user(app, "zhao")
    assert user.is_builder and verify_password(user, "field2024ok")

    rows = client.get("/admin/users?q=赵", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "zhao" in rows and "admin" not in rows.replace("/admin/", "")

    response = client.post(
        f"/admin/users/{user.id}",
        data={
            "csrf_token": token,
            "display_name": "赵师傅",
            "region": "华东",
            "capacity": "6",
            "skills": "空调:4, 冰箱",
            "home_lat": "31.23",
            "home_lng": "121.47",
            "timezone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 302
    user = _user(app, "zhao")
    assert user.region == "华东" and user.capacity == 6
    assert {(s.skill, s.level) for s in user.skills} == {("空调", 4), ("冰箱", 1)}

    bad = client.post(
        f"/admin/users/{user.id}",
        data={"csrf_token": token, "display_name": "赵", "capacity": "-3"},
    )
    assert bad.status_code == 400 and "0 到 10000" in bad.get_data(as_text=True)

    confirm = client.get(f"/admin/users/{user.id}/active").get_data(as_text=True)
    assert "停用" in confirm
    client.post(f"/admin/users/{user.id}/active", data={"csrf_token": token})
    assert not _user(app, "zhao").active


def test_admin_resets_passwords_and_grants_roles(installed_app, client, auth):
    auth.login()
    token = csrf_token(client)
    client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "login": "qian",
            "display_name": "Qian",
            "password": "first2024x",
        },
    )
    user = _user(installed_app, "qian")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "调度员" in page and "工程师" in page  # roles declared by the installed app
    client.post(
        f"/admin/users/{user.id}/roles",
        data={
            "csrf_token": token,
            "platform_roles": ["admin"],
            "app_roles": ["after_sales:engineer", "after_sales:undeclared"],
        },
    )
    user = _user(installed_app, "qian")
    assert user.is_admin and user.roles_in("after_sales") == {"engineer"}
    weak = client.post(
        f"/admin/users/{user.id}/password", data={"csrf_token": token, "password": "short"}
    )
    assert weak.status_code == 400
    client.post(
        f"/admin/users/{user.id}/password", data={"csrf_token": token, "password": "second2024x"}
    )
    assert verify_password(_user(installed_app, "qian"), "second2024x")


def test_admin_cannot_lock_themselves_out(app, client, auth):
    auth.login()
    me = _user(app, "admin")
    token = csrf_token(client)
    client.post(f"/admin/users/{me.id}/active", data={"csrf_token": token})
    client.post(f"/admin/users/{me.id}/roles", data={"csrf_token": token})
    me = _user(app, "admin")
    assert me.active and me.is_admin


def test_admin_manages_teams(app, client, auth):
    auth.login()
    auth.login(login="sun")  # creates sun; the client is now signed in as sun
    auth.logout()
    auth.login()
    token = csrf_token(client)
    response = client.post(
        "/admin/teams", data={"csrf_token": token, "key": "north", "name": "北区"}
    )
    team_url = response.location
    client.post(f"{team_url}/members", data={"csrf_token": token, "login": "sun"})
    assert "<code>sun</code>" in client.get(team_url).get_data(as_text=True)
    sun = _user(app, "sun")
    client.post(f"{team_url}/members/{sun.id}/remove", data={"csrf_token": token})
    assert "<code>sun</code>" not in client.get(team_url).get_data(as_text=True)
    bad = client.post("/admin/teams", data={"csrf_token": token, "key": "North!", "name": "x"})
    assert bad.status_code == 400


def test_bell_counts_unread_and_mark_all_read(app, client, auth):
    auth.login()
    user = _user(app, "admin")
    now = app.extensions["servicekit.clock"].now()
    with get_db(app).transaction() as session:
        notify(session, user.id, "工单 WO-7 已派给您", link="/apps/x", now=now)
        notify(session, user.id, "SLA 即将超时", now=now)
    bell = client.get("/notifications/bell").get_data(as_text=True)
    assert 'id="unread-count">2<' in bell
    assert "工单 WO-7 已派给您" in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read-all", data={"csrf_token": csrf_token(client)})
    assert "unread-count" not in client.get("/notifications/bell").get_data(as_text=True)


def test_profile_changes_language_and_password(app, client, auth):
    auth.login(login="zhou")
    token = csrf_token(client)
    client.post(
        "/profile/", data={"csrf_token": token, "locale": "en", "timezone": "Europe/London"}
    )
    assert "My profile" in client.get("/profile/").get_data(as_text=True)
    wrong = client.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "current_password": "nope",
            "new_password": "brandnew2025",
            "confirm_password": "brandnew2025",
        },
    )
    assert wrong.status_code == 400
    client.post(
        "/profile/password",
        data={
            "csrf_token": token,
            "current_password": "correct-horse-42",
            "new_password": "brandnew2025",
            "confirm_password": "brandnew2025",
        },
    )
    assert verify_password(_user(app, "zhou"), "brandnew2025")


def test_error_pages_in_both_languages_and_json(app, client, auth):
    assert client.get("/no-such-page").status_code == 404  # error pages need no sign-in
    auth.login()
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client)})
    assert "Page not found" in client.get("/no-such-page").get_data(as_text=True)
    problem = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert problem.mimetype == "application/problem+json"
    assert problem.get_json() == {"type": "about:blank", "title": "Page not found", "status": 404}


def test_error_helper_covers_409_and_500(app):
    from servicekit.platform.web import error_response

    with app.test_request_context("/", headers={"Accept": "text/html"}):
        for status, text in (
            (409, "其他人已先修改"),
            (500, "系统出现了问题"),
            (429, "尝试次数过多"),
        ):
            response = error_response(status)
            assert response.status_code == status
            assert text in response.get_data(as_text=True)


def test_healthz_reports_database_and_queue(app, client, monkeypatch):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["queue"]["ok"]
    import servicekit.platform.web.health as health

    monkeypatch.setattr(health, "queue_status", lambda _app: {"ok": False, "error": "down"})
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "degraded"
