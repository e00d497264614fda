"""Engine, sessions and the insert-if-absent primitive, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, Executable, Table, bindparam, create_engine, event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

from core import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from core.errors import StorageError
from core.hashing import SIMHASH_VERSION, normalised_words, words_fingerprints
from core.models import FINGERPRINTED_TEXT, Article, Meta

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
                poolclass=None if ":memory:" in url else QueuePool,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        if create:
            SQLModel.metadata.create_all(engine)
            _refresh_fingerprints(engine)
    except OperationalError as exc:
        raise StorageError(f"cannot open database {redact(url)}: {exc.orig}") from None
    except Exception as exc:  # a bad URL or a missing driver
        raise StorageError(f"cannot open database {redact(url)}: {exc}") from None
    return engine


# Articles a recomputation holds at once: their words are numpy arrays of several
# times their text's size, and a long article is thousands of words.
_FINGERPRINT_BATCH = 200


def _refresh_fingerprints(engine: Engine) -> None:
    """Recompute the stored SimHash values and sketches once, if an earlier version of the
    algorithm computed them: the story index compares them with new ones. Only derived
    columns change; a database without that mark is marked in the same transaction."""
    current = str(SIMHASH_VERSION)
    with session_scope(engine) as session:
        mark = session.get(Meta, "simhash_version")
        if mark is not None and mark.value == current:
            return
        articles = Article.__table__  # type: ignore[attr-defined]
        last = 0
        while True:
            rows = session.connection().execute(
                select(articles.c.id, FINGERPRINTED_TEXT).where(articles.c.id > last)
                .order_by(articles.c.id).limit(_FINGERPRINT_BATCH)).all()
            if not rows:
                break
            prints = words_fingerprints([normalised_words(value or "") for _, value in rows])
            session.connection().execute(
                update(articles).where(articles.c.id == bindparam("row_id"))
                .values(simhash=bindparam("value"), sketch=bindparam("words")),
                [{"row_id": row_id, "value": fingerprint.simhash,
                  "words": " ".join(sorted(fingerprint.sketch))}
                 for (row_id, _), fingerprint in zip(rows, prints, strict=True)])
            last = rows[-1][0]
        if mark is None:  # another process opening the database may be marking it too
            insert_ignore(session, Meta, {"key": "simhash_version", "value": current}, "key")
        else:
            mark.value = current
            session.add(mark)


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


def insert_ignore_many(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]], key: str
) -> dict[Any, Any]:
    """``insert_ignore`` for many rows in one statement: ``key`` → new id, for the rows
    actually inserted (a row that existed is absent). ``key`` must be unique: the rows
    that come back are matched to the given ones by it, in whatever order they come."""
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    statement = _insert_ignore_statement(table, session.get_bind().dialect.name, "id", key)
    result = session.connection().execute(statement, [dict(row) for row in rows])
    return {row[1]: row[0] for row in result}


@lru_cache(maxsize=64)
def _insert_ignore_statement(table: Table, dialect: str, *returning: str) -> Executable:
    columns = [table.c[name] for name in returning]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing().returning(*columns)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing().returning(*columns)


def ping(engine: Engine) -> None:
    """Raise StorageError unless the database answers."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise StorageError(f"database does not answer: {exc}") from None
