"""Database engines: SQLite (WAL, foreign keys, serialised writers) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

# Any constant will do: every writer takes the same transaction-scoped advisory lock.
WRITE_LOCK_KEY = 74_617_353
DEFAULT_LOCK_WAIT = 30.0  # seconds; the service passes PIPELINE_WRITE_LOCK_WAIT_SECONDS


class WriteLockTimeout(Exception):
    """The write lock stayed taken for longer than the caller would wait."""


def _json_text(value: Any) -> str:
    """JSON columns written by msgspec: several times faster than the standard library's encoder,
    which a bulk import spends seconds in (every change-log row holds a record's whole state)."""
    return msgspec.json.encode(value).decode()


def _json_value(text: str | bytes) -> Any:
    return msgspec.json.decode(text)


JSON_CODEC: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": _json_value}


def make_engine(url: str) -> Engine:
    """Create the engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **JSON_CODEC)


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the driver so that writers can BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get("pipeline_write", False):
        wait_ms = int(options.get("pipeline_lock_wait", DEFAULT_LOCK_WAIT) * 1000)
        conn.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def memory_copy(engine: Engine) -> Engine:
    """A private in-memory copy of a SQLite database, as of now (SQLite's online backup: one
    consistent snapshot, taken under a read lock only), configured like the original."""
    copy = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}, **JSON_CODEC
    )
    event.listen(copy, "connect", _configure_sqlite)
    event.listen(copy, "begin", _begin_sqlite)
    source, target = engine.raw_connection(), copy.raw_connection()
    try:
        source.driver_connection.backup(target.driver_connection)  # type: ignore[union-attr]
    finally:
        source.close()
        target.close()
    return copy


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_session(engine: Engine, lock_wait: float = DEFAULT_LOCK_WAIT) -> Iterator[Session]:
    """A transaction that holds the database's single write lock until it commits.

    Writers are serialised so that change-log sequence numbers commit in order: a reader of
    the log never sees sequence N+1 before N. The lock is taken first, waiting at most
    `lock_wait` seconds; past that WriteLockTimeout is raised and nothing was done.
    """
    bound = engine.execution_options(pipeline_write=True, pipeline_lock_wait=lock_wait)
    # No autoflush: writers flush where a later query must see their rows, and nowhere else.
    with Session(bound, expire_on_commit=False, autoflush=False) as session, session.begin():
        _take_write_lock(session, engine, lock_wait)
        yield session


def _take_write_lock(session: Session, engine: Engine, lock_wait: float) -> None:
    try:
        if is_sqlite(engine):
            session.connection()  # BEGIN IMMEDIATE, waiting up to the busy timeout
            return
        session.execute(
            text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{int(lock_wait * 1000)}ms"}
        )
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        session.execute(text("SELECT set_config('lock_timeout', '0', true)"))
    except OperationalError as exc:
        if _is_lock_timeout(exc):
            raise WriteLockTimeout(str(exc.orig)) from None
        raise


def _is_lock_timeout(exc: OperationalError) -> bool:
    """SQLite's "database is locked" or PostgreSQL's lock_not_available (55P03)."""
    return "database is locked" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "55P03"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
