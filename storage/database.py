"""The database: one engine per process, chosen by DATABASE_URL.

`Database.run(work)` runs a whole unit of work (one update's turn, one sender batch) in one session and
commits it. Where it runs depends on the database:

- SQLite (the default) runs it right on the event loop's thread. One file has one writer and CPython one
  GIL, so a database thread could not run turns side by side; it only added two thread hand-offs a turn,
  a fifth of the throughput (bench/report_steps.py). A turn holds the loop about a millisecond; the
  longest work, an export of 10,000 units, under a second. Heavy rendering (charts, DOCX, XLSX) still
  runs off the loop (bot.engine.messages.rendered). The loop's thread keeps one connection open for its
  work (a checkout from the pool and its return cost more than a report step's statements); the sender's
  "sent" after each message runs on it without a session (`run_core`).
- PostgreSQL runs it on a small pool of worker threads: its statements wait on the network, and those
  waits release the GIL, so turns of different chats overlap and the loop never waits for the server.

SQLite runs with WAL, foreign keys and a busy timeout so the bot and a CLI command can share one file.
Commits append to the WAL without syncing; the syncs come when a checkpoint writes the WAL back into the
database, which SQLite does inside whichever commit crosses 1,000 pages: such a commit took 3–6 ms here
instead of under 0.5, on the event loop, and longer on a slow disk. So `nqbot run` opens the database
with `checkpoint_every`, and a thread of its own checkpoints the WAL (sqlite3 releases the GIL there).
PostgreSQL works through the same models; only the driver differs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from storage.errors import ConfigError, Text
from storage.prepared import CONNECTION
from storage.private_files import private_file

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")

# Driver names people write in DATABASE_URL, and the driver nqbot uses for each.
_DRIVERS = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg2",
}
# How to install a driver that is missing (pyproject.toml's extras).
_INSTALL = {"psycopg": "pip install 'nqbot[postgres]'", "psycopg2": "pip install psycopg2-binary"}


def database_url(raw: str) -> URL:
    """DATABASE_URL with the driver nqbot uses (sqlite:// → sqlite+pysqlite://)."""
    try:
        url = make_url(raw)
    except Exception as exc:  # SQLAlchemy's message repeats the URL; keep any password out of it
        raise ConfigError(Text("database.url_invalid")) from exc
    if url.drivername not in _DRIVERS:
        raise ConfigError(Text("database.url_unsupported", kind=url.drivername))
    return url.set(drivername=_DRIVERS[url.drivername])


def sqlite_file(raw: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    url = database_url(raw)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any, *, autocheckpoint: bool = True) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if not autocheckpoint:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def dialect_insert(session: Session) -> Any:
    """The INSERT of the session's database, with its ON CONFLICT clauses (SQLite and PostgreSQL both have
    them, each in its own dialect module)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def make_engine(raw: str, *, autocheckpoint: bool = True) -> Engine:
    """An engine for DATABASE_URL; creates the SQLite file (0600) and its folder (0700) when needed.
    `autocheckpoint=False`: SQLite commits never checkpoint the WAL (someone else must, see `Database`).

    Statements' parameters (answers, names) are hidden from SQLAlchemy's errors and logs."""
    url = database_url(raw)
    kwargs: dict[str, Any] = {}
    if url.drivername.startswith("sqlite"):
        # Connections are used from the event loop, and at start-up from a thread (migrations).
        kwargs["connect_args"] = {"check_same_thread": False}
        path = sqlite_file(raw)
        if path is None:
            kwargs["poolclass"] = StaticPool  # in-memory: one shared connection, or each sees an empty database
        else:
            private_file(path)  # SQLite gives the WAL and SHM files the database file's mode
    try:
        engine = create_engine(url, hide_parameters=True, **kwargs)
    except ImportError:  # the driver (psycopg) comes with an extra, not with nqbot itself
        driver = url.get_driver_name()
        raise ConfigError(
            Text("database.driver_missing", driver=driver, install=_INSTALL.get(driver, f"pip install {driver}"))
        ) from None
    if url.drivername.startswith("sqlite"):
        event.listen(engine, "connect", partial(_set_sqlite_pragmas, autocheckpoint=autocheckpoint))
    return engine


class Database:
    """The engine, sessions (one per unit of work), and for PostgreSQL the threads the event loop hands work to."""

    def __init__(self, raw_url: str, *, checkpoint_every: float | None = None) -> None:
        """`checkpoint_every`: for a SQLite file, checkpoint the WAL from a thread every so many seconds instead
        of in the commits (the bot's process; see the module's docstring). Elsewhere it changes nothing."""
        self.url = raw_url
        background = checkpoint_every is not None and sqlite_file(raw_url) is not None
        self.engine = make_engine(raw_url, autocheckpoint=not background)
        # SQLite: no workers, work runs on the caller's thread (see the module's docstring).
        is_sqlite = self.engine.dialect.name == "sqlite"
        self._workers = None if is_sqlite else ThreadPoolExecutor(max_workers=4, thread_name_prefix="nqbot-db")
        # SQLite: the connection turns use on the event loop's thread, kept open (see `run`).
        self._held: Connection | None = None
        self._held_by: int | None = None
        self._stop = threading.Event()
        self._checkpoints: threading.Thread | None = None
        if background and checkpoint_every is not None:
            self._checkpoints = threading.Thread(
                target=self._checkpoint_every, args=(checkpoint_every,), name="nqbot-wal-checkpoint", daemon=True
            )
            self._checkpoints.start()

    @contextmanager
    def session(self, *, autoflush: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back when it raises."""
        with Session(self.engine, expire_on_commit=False, autoflush=autoflush) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def transaction(self, work: Callable[[Session], T], autoflush: bool = True) -> T:
        """Run `work` in one session and commit (in the calling thread)."""
        with self.session(autoflush=autoflush) as session:
            return work(session)

    async def run(self, work: Callable[[Session], T], *, autoflush: bool = True) -> T:
        """Run `work` in one session and commit: on a worker thread for PostgreSQL, right here for SQLite.

        `autoflush=False` suits work that flushes where it needs ids: it saves a flush before every query."""
        if self._workers is None:
            return self._on_held(work, autoflush)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self.transaction, work, autoflush)

    async def run_core(self, work: Callable[[Connection], T]) -> T:
        """Run Core-only `work` (no ORM objects: storage.prepared statements, say) in one transaction on a
        connection, without a session: the sender's "sent" after each message is one statement."""
        if self._workers is None:
            connection = self._connection_here()
            if connection is None:
                return self._core(work)
            with connection.begin():
                return work(connection)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self._core, work)

    def _core(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as connection:
            return work(connection)

    def _connection_here(self) -> Connection | None:
        """SQLite: the connection this thread keeps open, made at the first call, out of any transaction; None on
        another thread than the one that made it (it takes one from the pool)."""
        me = threading.get_ident()
        if self._held_by is not None and self._held_by != me:
            return None
        if self._held is None or self._held.closed:
            self._held = self.engine.connect()
            self._held_by = me
        if self._held.in_transaction():  # left open by an error that could not roll back
            self._held.rollback()
        return self._held

    def _on_held(self, work: Callable[[Session], T], autoflush: bool) -> T:
        """SQLite: `work` in a session on the connection the loop's thread keeps open. Checking a connection out of
        the pool and back (a rollback on return) costs more than a report step's statements; the turns of one
        thread run one at a time, so one connection serves them all. Another thread gets one from the pool."""
        connection = self._connection_here()
        if connection is None:
            return self.transaction(work, autoflush)
        with Session(bind=connection, expire_on_commit=False, autoflush=autoflush) as session:
            session.info[CONNECTION] = connection
            try:
                result = work(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        return result

    def checkpoint(self) -> tuple[int, int, int]:
        """Write the WAL back into the SQLite file as far as readers allow, without blocking anyone:
        (1 if it could not start, pages in the WAL, pages written back)."""
        with self.engine.connect() as connection:
            busy, wal, done = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        return int(busy), int(wal), int(done)

    def _checkpoint_every(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.checkpoint()
            except Exception as exc:  # a locked or vanished file: the next round tries again
                logger.warning("WAL checkpoint failed: %s: %s", type(exc).__name__, exc)

    def dispose(self) -> None:
        self._stop.set()
        if self._checkpoints is not None:
            self._checkpoints.join(timeout=30)
        if self._workers is not None:
            self._workers.shutdown(wait=True)
        if self._held is not None:
            self._held.close()
            self._held = self._held_by = None
        self.engine.dispose()
