"""The database: one async engine per process, chosen by DATABASE_URL.

SQLite (the default) runs with WAL, foreign keys and a busy timeout so the bot, the scheduler and a CLI
command can share one file. PostgreSQL works through the same models; only the driver differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 5000

# Sync driver names people write in DATABASE_URL, and the async driver nqbot uses for each.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_url(database_url: str) -> URL:
    """DATABASE_URL with its async driver (sqlite:// → sqlite+aiosqlite://)."""
    try:
        url = make_url(database_url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with the URL in it; keep secrets out
        raise ConfigError("DATABASE_URL is not a valid database URL") from exc
    driver = _ASYNC_DRIVERS.get(url.drivername, url.drivername)
    if not driver.startswith(("sqlite", "postgresql")):
        raise ConfigError(f"DATABASE_URL: unsupported database {url.drivername!r} (use sqlite or postgresql)")
    return url.set(drivername=driver)


def sqlite_file(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    url = async_url(database_url)
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


def make_engine(database_url: str) -> AsyncEngine:
    """An async engine for DATABASE_URL; creates the SQLite file's folder when needed."""
    url = async_url(database_url)
    kwargs: dict[str, Any] = {}
    if url.drivername.startswith("sqlite"):
        path = sqlite_file(database_url)
        if path is None:
            # In-memory: one shared connection, or each session would see its own empty database.
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, **kwargs)
    if url.drivername.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


class Database:
    """The engine and a factory of sessions: one session per update or command."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits when the block ends cleanly and rolls back when it raises."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
