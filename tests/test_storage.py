"""Storage: rows round-trip, submitted versions are kept, times stay UTC, invites are hashed."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage import invites, migrate, submissions, units
from storage.database import Database
from storage.invites import InviteProblem
from storage.models import Campaign, Channel, Invite, Nudge, Person, Role, SubmissionStatus, Unit, UnitKind


async def test_submitted_versions_are_kept_and_never_overwritten(database: Database, loaded: Campaign) -> None:
    with database.session() as session:
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None and unit.id is not None and loaded.id is not None
        person = Person(
            channel=Channel.telegram, channel_user_id="42", chat_id="42", role=Role.reporter, unit_id=unit.id
        )
        session.add(person)
        session.flush()
        sub = submissions.get_or_create_submission(
            session, campaign_id=loaded.id, unit_id=unit.id, questionnaire_version=1
        )
        submissions.save_draft(session, submission=sub, answers={"held": "self_organised"}, person_id=person.id)
        submissions.submit(
            session,
            submission=sub,
            answers={"held": "self_organised", "sessions": 1},
            questionnaire_version=1,
            person_id=person.id,
            late=False,
        )
        submissions.submit(
            session,
            submission=sub,
            answers={"held": "self_organised", "sessions": 2},
            questionnaire_version=1,
            person_id=person.id,
            late=True,
        )
        sub_id = sub.id
    with database.session() as session:
        assert sub_id is not None
        versions = submissions.list_versions(session, submission_id=sub_id)
        assert [(v.version, v.answers["sessions"], v.late) for v in versions] == [(1, 1, False), (2, 2, True)]
        reread = submissions.get_submission(session, campaign_id=loaded.id or 0, unit_id=unit.id)
        assert reread is not None
        assert reread.status == SubmissionStatus.submitted and reread.latest_version == 2
        assert reread.first_submitted_at is not None and reread.first_submitted_at.tzinfo is UTC


async def test_one_submission_per_unit_and_campaign(database: Database, loaded: Campaign) -> None:
    from storage.models import Submission

    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Submission(campaign_id=loaded.id or 0, unit_id=1))
        session.add(Submission(campaign_id=loaded.id or 0, unit_id=1))


async def test_a_nudge_is_unique_per_campaign_unit_person_and_step(database: Database, loaded: Campaign) -> None:
    with database.session() as session:
        person = Person(channel=Channel.telegram, channel_user_id="7", chat_id="7", role=Role.reporter, unit_id=1)
        session.add(person)
        session.flush()
        due = datetime(2022, 9, 13, 1, tzinfo=UTC)
        session.add(Nudge(campaign_id=loaded.id or 0, unit_id=1, person_id=person.id or 0, step="d-7", due_at=due))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Nudge(campaign_id=loaded.id or 0, unit_id=1, person_id=person.id or 0, step="d-7", due_at=due))


async def test_times_are_stored_utc_and_read_back_aware(database: Database, loaded: Campaign) -> None:
    local = datetime(2022, 9, 20, 8, 0, tzinfo=UTC) + timedelta(hours=7)
    with database.session() as session:
        new = invites.create_invite(session, role=Role.staff, now=local - timedelta(days=30))
        invite_id = new.invite.id
    with database.session() as session:
        invite = session.get(Invite, invite_id)
        assert invite is not None
        assert invite.expires_at == local and invite.expires_at.tzinfo is UTC


async def test_invite_codes_are_random_stored_hashed_and_checked(database: Database, loaded: Campaign) -> None:
    now = datetime(2022, 9, 1, tzinfo=UTC)
    with database.session() as session:
        new = invites.create_invite(session, role=Role.reporter, unit_id=1, max_uses=1, now=now)
        other = invites.create_invite(session, role=Role.reporter, unit_id=1, now=now)
        stored = (session.exec(select(Invite.code_hash))).all()
    assert new.code != other.code and re.fullmatch("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", new.code)  # 40 bits
    assert new.code not in stored and invites.hash_code(new.code) in stored
    with database.session() as session:
        assert (invites.find_invite(session, code=new.code, now=now))[1] is None
        assert (invites.find_invite(session, code="guess", now=now))[1] is InviteProblem.unknown
        late = now + timedelta(days=31)
        assert (invites.find_invite(session, code=new.code, now=late))[1] is InviteProblem.expired
        invite, _ = invites.find_invite(session, code=new.code, now=now)
        assert invite is not None
        invite.use_count = 1
        assert (invites.find_invite(session, code=new.code, now=now))[1] is InviteProblem.used_up
        invites.revoke_invite(session, invite=invite, actor="cli")
        assert (invites.find_invite(session, code=new.code, now=now))[1] is InviteProblem.revoked


async def test_a_reporter_invite_needs_a_unit(database: Database) -> None:
    with database.session() as session, pytest.raises(ValueError, match="needs a unit"):
        invites.create_invite(session, role=Role.reporter)


async def test_sqlite_work_runs_on_the_loops_own_thread_and_postgresql_work_on_a_worker(database: Database) -> None:
    """storage/database.py: one SQLite file has one writer, so a hand-off to a thread only costs; PostgreSQL's
    network waits release the GIL, so there the loop hands the work to a worker thread."""
    here = threading.get_ident()
    there = await database.run(lambda session: threading.get_ident())
    assert (there == here) is (database.engine.dialect.name == "sqlite")


async def test_sqlite_turns_share_one_kept_connection_that_a_failed_turn_leaves_clean(tmp_path: Path) -> None:
    """SQLite keeps one connection for the loop's work (no pool checkout per turn): a turn that raises is rolled
    back on it and the next one commits; `run_core` commits on it too; another thread gets its own from the pool."""
    database = Database(f"sqlite:///{tmp_path / 'held.db'}")
    try:
        migrate.upgrade(database.engine)

        def add(code: str, fail: bool = False) -> Any:
            def work(session: Session) -> Any:
                session.add(Unit(code=code, name=f"Chi bộ {code}", kind=UnitKind.grassroots_cell, member_count=9))
                session.flush()
                if fail:
                    raise RuntimeError("the turn failed")
                return session.connection().connection.dbapi_connection

            return work

        first = await database.run(add("A"))
        with pytest.raises(RuntimeError):
            await database.run(add("B", fail=True))
        assert await database.run(add("C")) is first  # the same connection, clean after the rollback
        await database.run_core(lambda c: c.execute(text("UPDATE unit SET member_count = 7 WHERE code = 'A'")))
        elsewhere = await asyncio.to_thread(lambda: asyncio.run(database.run(add("D"))))
        assert elsewhere is not first
        with database.session() as session:
            stored = {u.code: u.member_count for u in session.exec(select(Unit))}
        assert stored == {"A": 7, "C": 9, "D": 9}
    finally:
        database.dispose()


def test_the_bots_database_checkpoints_the_wal_itself_and_its_commits_never_do(tmp_path: Path) -> None:
    """`nqbot run` opens SQLite with checkpoint_every: commits only append to the WAL (no sync on the event
    loop); `checkpoint()` (what its thread runs every second) writes it back without blocking anyone."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    bot = Database(url, checkpoint_every=3600.0)  # the thread's first round is an hour away: the test calls it
    cli = Database(url)
    try:
        migrate.upgrade(bot.engine)
        with bot.session() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
            assert session.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL: commits do not sync
        with cli.session() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1000  # SQLite's own
        for n in range(1200):  # past the 1,000 pages where a commit would have checkpointed
            with bot.session() as session:
                session.add(
                    Unit(
                        code=f"U{n:04}", name=f"Chi bộ {n} {'x' * 3000}", kind=UnitKind.grassroots_cell, member_count=9
                    )
                )
        busy, in_wal, written_back = bot.checkpoint()
        assert busy == 0 and in_wal > 1000 and written_back == in_wal
        with cli.session() as session:
            assert units.count_units(session) == 1200
    finally:
        cli.dispose()
        bot.dispose()
    assert not any(t.name == "nqbot-wal-checkpoint" for t in threading.enumerate())  # stopped with dispose


def test_the_turns_conversation_value_has_every_column_of_the_conversation_table() -> None:
    """storage/chats.py reads a conversation into a plain value and writes it back: a column added to the
    table must be added there too, or a turn would read and save it as its default."""
    from dataclasses import fields

    from storage.chats import ConversationState
    from storage.models import Conversation

    assert {f.name for f in fields(ConversationState)} == set(Conversation.__table__.columns.keys())


def test_a_database_error_never_shows_the_values_of_its_statement(database: Database) -> None:
    """Answers and names are what the statements carry: they must not reach logs or error messages."""
    secret = "Nguyễn Văn Bí Mật, 0912345678"
    with pytest.raises(IntegrityError) as error, database.session() as session:
        session.add(Unit(code="DUP", name=secret, kind=UnitKind.grassroots_cell, member_count=123456))
        session.add(Unit(code="DUP", name=secret, kind=UnitKind.grassroots_cell, member_count=123456))
        session.flush()
    assert secret not in str(error.value) and "123456" not in str(error.value)
    assert "hidden" in str(error.value)
