"""Engine, sessions and the insert-if-absent primitive, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, Executable, Table, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

from core import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from core.errors import StorageError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so that BEGIN IMMEDIATE
    # (below) is ours to issue; WAL lets readers run beside the one writer.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching to WAL itself waits for another writer.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Every transaction takes the write lock up front: read-then-write transactions
    # (dedupe, outbox claims) cannot deadlock on a lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, create: bool = True) -> Engine:
    """Open the database at ``url`` and create missing tables."""
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                poolclass=NullPool if ":memory:" not in url else None,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        if create:
            SQLModel.metadata.create_all(engine)
    except OperationalError as exc:
        raise StorageError(f"cannot open database {redact(url)}: {exc.orig}") from None
    except Exception as exc:  # a bad URL or a missing driver
        raise StorageError(f"cannot open database {redact(url)}: {exc}") from None
    return engine


def redact(url: str) -> str:
    """The URL with its password hidden, for logs and errors."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    user = creds.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


def database_failure(exc: BaseException) -> str:
    """One line naming what the database refused (the driver's own message, e.g.
    "database or disk is full", without SQL, parameters or connection secrets)."""
    cause = getattr(exc, "orig", None) or exc
    return f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else 'no detail'}"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def insert_ignore(
    session: Session, model: type[SQLModel], values: Mapping[str, Any], returning: str = "id"
) -> Any | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING``: the new key, or None if the row existed.

    Both SQLite (3.35+) and PostgreSQL support this form, so callers act only on
    rows that were actually inserted, whatever another writer did concurrently. The
    statement is built once per table and the values are bound parameters: ingest
    runs this for every item, and building a statement per row costs more than the
    insert itself.
    """
    table = model.__table__  # type: ignore[attr-defined]
    statement = _insert_ignore_statement(table, session.get_bind().dialect.name, returning)
    row = session.connection().execute(statement, dict(values)).first()
    return None if row is None else row[0]


@lru_cache(maxsize=64)
def _insert_ignore_statement(table: Table, dialect: str, returning: str) -> Executable:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing().returning(table.c[returning])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing().returning(table.c[returning])


def ping(engine: Engine) -> None:
    """Raise StorageError unless the database answers."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise StorageError(f"database does not answer: {exc}") from None
