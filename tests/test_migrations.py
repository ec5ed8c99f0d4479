"""The schema belongs to Alembic: the migrations build exactly the models' tables, on a file database."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from storage import inbound, migrate
from storage.database import Database
from storage.models import Channel, InboundEvent, utcnow


def test_migrations_produce_the_models_schema(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
            tables = set(inspect(connection).get_table_names())
        assert diff == []
        assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
        assert migrate.current_revision(database.engine) == migrate.head_revision()
    finally:
        database.dispose()


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        migrate.upgrade(database.engine)
        migrate.downgrade(database.engine, "base")
        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert tables <= {"alembic_version"}
        migrate.upgrade(database.engine)
        assert migrate.current_revision(database.engine) == migrate.head_revision()
    finally:
        database.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        with database.engine.connect() as connection:
            mode = connection.execute(text("PRAGMA journal_mode")).scalar()
            keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
            timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
        assert (mode, keys, timeout) == ("wal", 1, 5000)
    finally:
        database.dispose()


@pytest.mark.skipif("NQBOT_TEST_DATABASE_URL" not in os.environ, reason="needs a PostgreSQL server (CI's second run)")
def test_migrations_produce_the_models_schema_on_the_test_server() -> None:
    database = Database(os.environ["NQBOT_TEST_DATABASE_URL"])
    try:
        SQLModel.metadata.drop_all(database.engine)
        with database.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        migrate.upgrade(database.engine)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        database.dispose()


def test_the_inbox_migration_takes_every_update_recorded_before_it_for_handled(tmp_path: Path) -> None:
    """0008: the rows written by turns before the inbox are handled ones, never replayed or handled again."""
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        migrate.upgrade(database.engine, "0007")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO inboundevent (channel, event_id, received_at) "
                    "VALUES ('zalo', 'bot:m1', '2026-12-01 08:00:00')"
                )
            )
        migrate.upgrade(database.engine)
        with database.session() as session:
            [event] = session.exec(select(InboundEvent)).all()
            assert (event.payload, event.attempts) == (None, 0)
            assert event.handled_at == event.received_at == datetime(2026, 12, 1, 8, tzinfo=UTC)
            assert not inbound.first_delivery(session, channel=Channel.zalo, event_id="bot:m1")
            assert inbound.claim_unhandled(session, channel=Channel.zalo, now=utcnow(), stale_before=None) == []
            later = event.received_at + timedelta(days=30)
            again = {"payload": {}, "chat_id": None, "now": later, "stale_before": later}
            assert not inbound.store(session, channel=Channel.zalo, event_id="bot:m1", **again)
        migrate.downgrade(database.engine, "0007")
        with database.engine.connect() as connection:
            assert connection.execute(text("SELECT event_id FROM inboundevent")).scalars().all() == ["bot:m1"]
    finally:
        database.dispose()
