"""Engine, metadata naming convention, and the session factory."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from annotated_types import Ge, Le
from sqlalchemy import Connection, Engine, MetaData, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

# Stable constraint names so Alembic can alter and drop them on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The largest id a row can have (PostgreSQL's INTEGER). An id above it, in a path, a query
# or a JSON body, names no row: refused as a 404 or a 400 naming the field, before any query
# (SQLite cannot even bind an integer above 2**63).
MAX_ID = 2**31 - 1
RowId = Annotated[int, Ge(1), Le(MAX_ID)]


# The demo loader writes a history through the real write path: inside `clock_at(t)`
# utcnow() is t, so the rows it writes carry the lesson's times rather than the load's.
_CLOCK: ContextVar[datetime | None] = ContextVar("cadence_clock", default=None)


def utcnow() -> datetime:
    """Aware UTC now (SQLModel's datetime columns refuse naive values); see clock_at."""
    return _CLOCK.get() or datetime.now(UTC)


@contextmanager
def clock_at(at: datetime) -> Iterator[None]:
    """Within the block, utcnow() is `at` (aware). For the demo loader only: the server
    never pretends a write happened at another time."""
    token = _CLOCK.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _CLOCK.reset(token)


# How long a SQLite writer waits for the write lock before "database is locked" (ms). The
# write path takes the lock at its first write (BEGIN IMMEDIATE, observations.service) and
# holds it to the commit; writers queue for it. 5 s was outwaited by 50 coaches autosaving at
# once when the pool let 50 connections write (bench/load.py); a user waits rather than fails.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Requests run in anyio's thread pool (40 threads by default), each holding one connection, and
# the background worker reads on its own: with SQLAlchemy's default pool (5 + 10) a burst of
# requests waited 30 s for a connection and got a 500 (bench/load.py, 50 coaches on
# PostgreSQL). With room for every thread, a request waits for a thread instead, unhurried.
# Not on SQLite: one writer at a time, and 50 connections writing at once outwait its busy
# timeout ("database is locked", bench/load.py); its default pool queues them instead.
POOL = {"pool_size": 10, "max_overflow": 40}


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **POOL)


def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def begin_writing(session: Session) -> Connection:
    """The session's connection, in a transaction that may write what it reads next. SQLite
    ignores FOR UPDATE, so its write lock is taken now (BEGIN IMMEDIATE) unless this
    transaction holds it already: else another writer could commit between the reads and
    this transaction's first write (a lost update). PostgreSQL locks the rows read FOR
    UPDATE, or what `advisory_lock` names."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        sqlite = connection.connection.driver_connection
        if sqlite is not None and not sqlite.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


def advisory_lock(session: Session, space: int, name: str) -> None:
    """On PostgreSQL, hold a lock on `name` within key space `space` until commit (a no-op on
    SQLite, whose writers `begin_writing` serializes already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
            {"space": space, "name": name},
        )


def str_enum(enum: type[StrEnum]) -> sa.Enum:
    """Store a StrEnum as VARCHAR: no native enum type to migrate on PostgreSQL."""
    return sa.Enum(
        enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )
