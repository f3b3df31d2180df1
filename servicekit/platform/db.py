"""Database engine and sessions: one engine per app, one session per request.

SQLite is opened in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3.
Other subsystems (the rule language's SQL functions, for one) add per-connection
hooks with :meth:`Database.add_connect_hook`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool

from servicekit.platform.naming import NAMING_CONVENTION

ConnectHook = Callable[[Any, str], None]


class Base(DeclarativeBase):
    """Declarative base for the platform's own tables (migrated by Alembic)."""

    from sqlalchemy import MetaData

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs unless a driver is named."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """The engine, the session factory and the connection hooks of one app."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self._hooks: list[ConnectHook] = []
        self.engine = make_engine(self.url, self._run_hooks)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def add_connect_hook(self, hook: ConnectHook) -> None:
        """Run ``hook(dbapi_connection, dialect_name)`` on every new connection."""
        self._hooks.append(hook)
        # Connections opened before the hook existed would miss it.
        self.engine.dispose()

    def _run_hooks(self, dbapi_connection: Any, dialect: str) -> None:
        for hook in self._hooks:
            hook(dbapi_connection, dialect)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self.sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str, on_connect: Callable[[Any, str], None] | None = None) -> Engine:
    """Create an engine with ServiceKit's connection settings for SQLite or PostgreSQL."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        else:
            # File databases: a fresh connection per checkout keeps WAL readers honest
            # across threads and processes (worker, CLI, server).
            kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling defers BEGIN; take control so that
            # SQLAlchemy's begin() really starts a transaction (needed for savepoints).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
            if on_connect:
                on_connect(dbapi_connection, "sqlite")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

    elif on_connect is not None:

        @event.listens_for(engine, "connect")
        def _other_connect(dbapi_connection: Any, _record: Any) -> None:
            on_connect(dbapi_connection, engine.dialect.name)

    return engine


def get_db(app: Flask | None = None) -> Database:
    """The app's :class:`Database` (``current_app`` when no app is given)."""
    return (app or current_app).extensions["servicekit.db"]


def get_session() -> Session:
    """The request's session, opened on first use and closed at teardown (views only)."""
    if "db_session" not in g:
        g.db_session = get_db().sessions()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Create the app's engine and close the request session at teardown."""
    app.extensions["servicekit.db"] = Database(app.config["SERVICEKIT_DATABASE_URL"])
    app.teardown_appcontext(_close_session)
