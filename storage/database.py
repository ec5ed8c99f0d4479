"""The database: one engine per process, chosen by DATABASE_URL.

`Database.run(work)` runs a whole unit of work (one update's turn, one sender batch) in one session and
commits it. Where it runs depends on the database:

- SQLite (the default) runs it right on the event loop's thread. One file has one writer and CPython one
  GIL, so a database thread could not run turns side by side; it only added two thread hand-offs a turn,
  a fifth of the throughput (bench/report_steps.py). A turn holds the loop about a millisecond; the
  longest work, an export of 10,000 units, under a second. Heavy rendering (charts, DOCX, XLSX) still
  runs off the loop (bot.engine.messages.rendered).
- PostgreSQL runs it on a small pool of worker threads: its statements wait on the network, and those
  waits release the GIL, so turns of different chats overlap and the loop never waits for the server.

SQLite runs with WAL, foreign keys and a busy timeout so the bot and a CLI command can share one file.
PostgreSQL works through the same models; only the driver differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from storage.errors import ConfigError

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


def database_url(raw: str) -> URL:
    """DATABASE_URL with the driver nqbot uses (sqlite:// → sqlite+pysqlite://)."""
    try:
        url = make_url(raw)
    except Exception as exc:  # SQLAlchemy's message repeats the URL; keep any password out of it
        raise ConfigError("DATABASE_URL is not a valid database URL") from exc
    if url.drivername not in _DRIVERS:
        raise ConfigError(f"DATABASE_URL: unsupported database {url.drivername!r} (use sqlite or postgresql)")
    return url.set(drivername=_DRIVERS[url.drivername])


def sqlite_file(raw: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    url = database_url(raw)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(raw: str) -> Engine:
    """An engine for DATABASE_URL; creates the SQLite file's folder when needed."""
    url = database_url(raw)
    kwargs: dict[str, Any] = {}
    if url.drivername.startswith("sqlite"):
        # Connections are used from the event loop, and at start-up from a thread (migrations).
        kwargs["connect_args"] = {"check_same_thread": False}
        path = sqlite_file(raw)
        if path is None:
            kwargs["poolclass"] = StaticPool  # in-memory: one shared connection, or each sees an empty database
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)
    if url.drivername.startswith("sqlite"):
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


class Database:
    """The engine, sessions (one per unit of work), and for PostgreSQL the threads the event loop hands work to."""

    def __init__(self, raw_url: str) -> None:
        self.url = raw_url
        self.engine = make_engine(raw_url)
        # SQLite: no workers, work runs on the caller's thread (see the module's docstring).
        is_sqlite = self.engine.dialect.name == "sqlite"
        self._workers = None if is_sqlite else ThreadPoolExecutor(max_workers=4, thread_name_prefix="nqbot-db")

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
            return self.transaction(work, autoflush)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers, self.transaction, work, autoflush)

    def dispose(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=True)
        self.engine.dispose()
