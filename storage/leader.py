"""Which process sends: exactly one `nqbot run` per database holds the scheduler and the outbox's drain.

Usage:
    lease = leader.lease_for(database)
    if lease.take():      # SQLite: False means another nqbot run has the file (refuse to start)
        ...               # PostgreSQL: False means follow, and try again later
    lease.holds()         # still ours? (PostgreSQL: the session holding the lock is alive)
    lease.release()

SQLite: an exclusive lock (flock) on `<database file>.lock`, held for the process's life; the operating
system drops it when the process ends, however it ends. One file has one writer: a second `nqbot run` on
it refuses to start. PostgreSQL: a session-level advisory lock on a connection of its own; any number of
workers handle updates, one holds the lock, and when its process dies the server ends its session and
frees the lock for a follower to take.
"""

from __future__ import annotations

import fcntl
import logging
import os
from contextlib import suppress
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, text

from storage.database import Database, sqlite_file

logger = logging.getLogger(__name__)

LOCK_KEY = 0x6E71626F74  # "nqbot": the advisory lock's key on PostgreSQL


class Lease(Protocol):
    def take(self) -> bool: ...

    def holds(self) -> bool: ...

    def release(self) -> None: ...


class FileLease:
    """SQLite's: a lock file beside the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def take(self) -> bool:
        if self._file is not None:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115 (kept open for the process's life)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def holds(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def holder(self) -> str:
        """The pid written by the process holding the lock, if it wrote one."""
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""


class AdvisoryLease:
    """PostgreSQL's: pg_try_advisory_lock on a connection kept for as long as the lease is held."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: Connection | None = None

    def take(self) -> bool:
        if self._connection is not None:
            return self.holds()
        connection = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar())
        except Exception:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def holds(self) -> bool:
        """True while the session holding the lock answers; a lost session has lost the lock."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception as exc:
            logger.warning("the leader's database session was lost: %s", type(exc).__name__)
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with suppress(Exception):  # the session is gone: so is its lock
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()  # never back into the pool with a lock held
                self._connection.close()
            finally:
                self._connection = None


class MemoryLease:
    """An in-memory SQLite database has one process by definition."""

    def take(self) -> bool:
        return True

    def holds(self) -> bool:
        return True

    def release(self) -> None:
        return None


def lease_for(database: Database) -> FileLease | AdvisoryLease | MemoryLease:
    if database.engine.dialect.name == "postgresql":
        return AdvisoryLease(database)
    path = sqlite_file(database.url)
    if path is None:
        return MemoryLease()
    return FileLease(path.with_name(path.name + ".lock"))
