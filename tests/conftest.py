"""Shared fixtures: ``app``, ``client``, ``db`` and ``auth`` on SQLite and PostgreSQL.

Every test that uses ``app`` (or a fixture built on it) runs once on SQLite and, when
``SERVICEKIT_TEST_POSTGRES_URL`` is set, once more on PostgreSQL in a database that the
fixture creates and drops. Under ``CI`` a missing PostgreSQL URL is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicekit import create_app
from servicekit.platform.db import get_db, normalize_url
from servicekit.platform.dbsetup import upgrade_database

IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("SERVICEKIT_TEST_POSTGRES_URL")
DATABASES = ["sqlite", "postgresql"]

_counts: dict[str, int] = {"sqlite": 0, "postgresql": 0, "browser": 0}


def _create_postgres_database() -> tuple[str, str]:
    admin_url = make_url(normalize_url(POSTGRES_URL or ""))
    name = f"sk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(make_url(normalize_url(POSTGRES_URL or "")), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, empty database URL of ``kind`` (a SQLite file in ``folder``, or a PostgreSQL
    database made for the caller and dropped afterwards); fixtures of any scope yield from it."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'test.db'}"
        return
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI is set but SERVICEKIT_TEST_POSTGRES_URL is not")
        pytest.skip("SERVICEKIT_TEST_POSTGRES_URL is not set")
    url, name = _create_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


def database_kind(url: str) -> str:
    """``"sqlite"`` or ``"postgresql"``: the kind of database ``url`` names."""
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@contextmanager
def temporary_database(kind: str, folder: Path) -> Iterator[str]:
    """:func:`fresh_database` as a ``with`` block, for fixtures and tests that must close
    their own engine or app inside it, before a PostgreSQL database is dropped."""
    yield from fresh_database(kind, folder)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL database made for the test."""
    yield from fresh_database(request.param, tmp_path)


def make_test_app(database_url: str, instance: Path, **overrides: object):  # type: ignore[no-untyped-def]
    """An app on ``database_url`` with migrations applied and local assets."""
    config = {
        "SERVICEKIT_DATABASE_URL": database_url,
        "SERVICEKIT_INSTANCE_PATH": str(instance),
        "SERVICEKIT_SECRET_KEY": "test-secret",
        "SERVICEKIT_ASSETS": "local",
        "SERVICEKIT_RUN_JOBS_INLINE": True,
        "TESTING": True,
    }
    config.update(overrides)
    app = create_app(config)
    upgrade_database(app)
    return app


@pytest.fixture
def app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A ServiceKit app on a fresh database (SQLite, then PostgreSQL)."""
    application = make_test_app(database_url, tmp_path / "instance")
    yield application
    get_db(application).dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def db(app):  # type: ignore[no-untyped-def]
    """A session on the app's database, closed after the test."""
    session = get_db(app).sessions()
    yield session
    session.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" or not report.passed:
        return
    if "[sqlite" in report.nodeid or "-sqlite" in report.nodeid:
        _counts["sqlite"] += 1
    if "[postgresql" in report.nodeid or "-postgresql" in report.nodeid:
        _counts["postgresql"] += 1
    if "browser" in report.keywords:
        _counts["browser"] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    terminalreporter.write_sep("-", "ServiceKit test counts")
    terminalreporter.write_line(
        f"passed on SQLite: {_counts['sqlite']}, on PostgreSQL: {_counts['postgresql']}, "
        f"in the browser: {_counts['browser']}"
    )


# --- Accounts and browser fixtures -------------------------------------------------------

TEST_PASSWORD = "correct-horse-42"
CHROMIUM = os.environ.get("SERVICEKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    """The CSRF token of the test client's session, read from a rendered page's meta tag."""
    import re

    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "no CSRF meta tag on the page"
    return match.group(1)


def ensure_user(app, login: str = "admin", password: str = TEST_PASSWORD, **extra):  # type: ignore[no-untyped-def]
    """Create ``login`` (an admin when the login is ``admin``) unless it exists; returns its id."""
    from servicekit.platform.accounts import create_user, get_user_by_login

    with get_db(app).transaction() as session:
        user = get_user_by_login(session, login)
        if user is None:
            extra.setdefault("platform_roles", ("admin",) if login == "admin" else ())
            extra.setdefault("display_name", login.title())
            user = create_user(
                session,
                login=login,
                password=password,
                now=app.extensions["servicekit.clock"].now(),
                **extra,
            )
        return user.id


class AuthActions:
    """Sign the test client in and out through the real login form (with its CSRF token)."""

    def __init__(self, app, client) -> None:  # type: ignore[no-untyped-def]
        self._app = app
        self._client = client

    def csrf_token(self) -> str:
        return csrf_token(self._client)

    def login(self, login: str = "admin", password: str = TEST_PASSWORD, **extra):  # type: ignore[no-untyped-def]
        """Create the user when needed (admins for ``admin``), then post the login form."""
        ensure_user(self._app, login, password, **extra)
        return self._client.post(
            "/login",
            data={"login": login, "password": password, "csrf_token": self.csrf_token()},
        )

    def logout(self):  # type: ignore[no-untyped-def]
        return self._client.post("/logout", data={"csrf_token": self.csrf_token()})


@pytest.fixture
def auth(app, client) -> AuthActions:  # type: ignore[no-untyped-def]
    return AuthActions(app, client)


class BrowserSession:
    """A Playwright page on a live ServiceKit server, with a helper to sign in."""

    def __init__(self, page, base_url: str, app) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.base_url = base_url
        self.app = app

    def url(self, path: str) -> str:
        return self.base_url + path

    def login(self, login: str = "admin", password: str = TEST_PASSWORD) -> None:
        ensure_user(self.app, login, password)
        self.page.goto(self.url("/login"))
        self.page.fill("#login", login)
        self.page.fill("#password", password)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(self.url("/"))


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserSession]:
    """Headless Debian Chromium driving the app served from a thread (SQLite, local assets).

    A missing Chromium skips the test locally and fails it under ``CI``.
    """
    import threading

    from werkzeug.serving import make_server

    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    application = make_test_app(f"sqlite:///{tmp_path / 'browser.db'}", tmp_path / "instance")
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = chromium.new_context()
            page = context.new_page()
            page.set_default_timeout(15000)
            try:
                yield BrowserSession(page, f"http://127.0.0.1:{server.server_port}", application)
            finally:
                context.close()
                chromium.close()
    finally:
        server.shutdown()
        thread.join()
        get_db(application).dispose()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations() -> None:
    """Compile the UI catalogs when a ``.mo`` is missing or older than its ``.po``.

    ``make`` compiles them too; this keeps a bare ``pytest`` run from testing English only.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "servicekit"
    for po_path in root.glob("**/translations/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)
