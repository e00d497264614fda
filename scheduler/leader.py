"""Leadership between replicas: exactly one `monitor run` against a PostgreSQL database
schedules the crawls. It holds a session-level advisory lock on a dedicated
connection; when that process dies, PostgreSQL drops the connection and the lock, and
a waiting replica takes it on its next try. Delivery needs no leader: every replica
claims alerts from the outbox with ``FOR UPDATE SKIP LOCKED``.

On SQLite (one machine, one file) the single process is always the leader.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# An arbitrary constant naming the monitor's lock among the database's advisory locks.
LOCK_KEY = 0x6D6F6E69746F72  # "monitor"


class Leadership:
    def __init__(self, engine: Engine) -> None:
        self.shared = engine.dialect.name == "postgresql"
        # A connection of its own that really closes (a pooled one would keep the lock).
        self.engine = create_engine(engine.url, poolclass=NullPool) if self.shared else engine
        self.connection: Connection | None = None

    @property
    def held(self) -> bool:
        return not self.shared or self.connection is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; also a heartbeat that notices a lost connection."""
        if not self.shared:
            return True
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT 1"))
                return True
            except Exception as exc:  # the connection (and with it the lock) is gone
                log.error("lost the leader connection: %s", exc)
                self.release()
        connection = self.engine.connect()
        try:
            got = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": LOCK_KEY}).scalar())
            connection.commit()  # the lock is session-level: it outlives this transaction
        except Exception:
            connection.close()
            raise
        if got:
            self.connection = connection
            log.info("this replica is the leader: it schedules the crawls")
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()  # closing the session releases the lock
            self.connection = None
