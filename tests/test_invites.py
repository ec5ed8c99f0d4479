"""Invites: revoked by the operator or an admin (and with the reporter they enrolled), spent once each even
when many join at the same moment, and never crashed by forged button data."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select

from bot.engine import Engine
from storage import campaigns, invites, migrate, people, units
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, Channel, Invite, Person, Role, utcnow
from tests.conftest import SAMPLE_UNITS
from tests.dialogue import Clock, Dialogue, invite_code
from tests.test_staff import person

STALE = "Nút đó thuộc một câu hỏi đã qua"
TOO_BIG = "99999999999999999999"  # 20 digits: more than any database integer holds


@pytest.fixture
def engine(database: Database, loaded: Campaign, clock: Clock) -> Engine:
    person(database, "900", Role.staff, name="Cán bộ Hà")
    person(database, "901", Role.admin, name="Trưởng ban")
    return Engine(database, clock=clock)


def invite_of(database: Database, code: str) -> Invite:
    with database.session() as session:
        invite, _ = invites.find_invite(session, code=code)
        assert invite is not None
        return invite


# --- 2. one use each, even at the same moment ---


@pytest.fixture
def shared(tmp_path: Path, nq15: CampaignSpec) -> Iterator[Database]:
    """A database two threads can use at once, each on its own connection: the test server, or a SQLite file
    (in-memory SQLite is one connection shared by everyone)."""
    db = Database(os.environ.get("NQBOT_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'nqbot.db'}")
    SQLModel.metadata.drop_all(db.engine)
    SQLModel.metadata.create_all(db.engine)
    with db.session() as session:
        campaigns.load_campaign(session, spec=nq15)
        units.import_units(session, rows=units.read_units_csv(SAMPLE_UNITS), source="sample")
    yield db
    db.dispose()


def test_a_one_use_invite_confirmed_by_two_at_once_enrols_one(shared: Database) -> None:
    code = invite_code(shared, "CB-SNV", max_uses=1, now=utcnow())  # storage's own clock, like the joins below
    invite_id = invite_of(shared, code).id
    both_read = threading.Barrier(2, timeout=10)
    enrolled: dict[str, object] = {}

    def confirm(user: str) -> None:
        try:
            with shared.session() as session:
                invite = session.get(Invite, invite_id)
                assert invite is not None and invites.invite_problem(invite) is None  # both see one use left
                both_read.wait()
                joined = people.enrol(
                    session, invite=invite, channel=Channel.telegram, user_id=user, chat_id=user, display_name=user
                )
                enrolled[user] = joined is not None
        except Exception as exc:  # shown by the assertion below instead of lost with the thread
            enrolled[user] = exc

    threads = [threading.Thread(target=confirm, args=(user,)) for user in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(enrolled.values(), key=str) == [False, True]
    with shared.session() as session:
        assert len(session.exec(select(Person)).all()) == 1
        assert session.get(Invite, invite_id).use_count == 1  # type: ignore[union-attr]


async def test_ten_people_confirming_a_one_use_invite_at_once_enrol_one_and_the_others_hear_it_is_used_up(
    shared: Database,
) -> None:
    """The review's case: on PostgreSQL the turns run on the database's worker threads side by side."""
    engine = Engine(shared, clock=Clock())
    code = invite_code(shared, "CB-SNV", max_uses=1)
    people_ = [Dialogue(engine, str(2000 + n)) for n in range(10)]
    for dialogue in people_:
        await dialogue.say(f"/start {code}")
    replies = await asyncio.gather(*(dialogue.press("join:yes") for dialogue in people_))
    assert sum("Đồng chí đã là người báo cáo" in reply for reply in replies) == 1
    assert sum("Mã mời đã được dùng hết số lần cho phép" in reply for reply in replies) == 9
    with shared.session() as session:
        assert len(session.exec(select(Person)).all()) == 1
        assert session.exec(select(Invite.use_count)).one() == 1


# --- 3. forged button data ---


FORGED = [
    f"sc:status:{TOO_BIG}:",
    f"miss:{TOO_BIG}:0",
    f"miss:1:{TOO_BIG}",
    f"unit:{TOO_BIG}:1",
    f"unit:1:{TOO_BIG}",
    f"moi:{TOO_BIG}:1",
    f"moi:1:{TOO_BIG}",
    f"nhac:{TOO_BIG}",
    f"rv:{TOO_BIG}",
    f"rvy:{TOO_BIG}",
    "rv:²",  # a digit to str.isdigit, not to int()
    "unit:1:١",  # an Arabic-Indic one: no row id either
    f"camp:{TOO_BIG}",
]


@pytest.mark.parametrize("data", FORGED)
async def test_a_forged_button_with_an_id_no_row_can_have_is_a_stale_button(engine: Engine, data: str) -> None:
    admin = Dialogue(engine, "901")  # an admin: every check before the id is passed
    assert STALE in await admin.press(data)
    assert admin.last.edit is None


async def test_the_reminders_cancel_button_still_cancels(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    await staff.press("nhac:no")
    assert staff.last.edit is not None and staff.last.edit.text == "Đã hủy, không gửi lời nhắc."


def test_the_migration_records_the_invite_that_enrolled_each_person_from_the_audit_trail(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'nqbot.db'}")
    try:
        migrate.upgrade(database.engine, "0005")
        with database.engine.begin() as connection:
            for statement in (
                "INSERT INTO unit (id, code, name, kind, member_count, created_at, updated_at)"
                " VALUES (1, 'CB-A', 'A', 'grassroots_cell', 9, '2022-09-01', '2022-09-01')",
                *(
                    "INSERT INTO invite (id, code_hash, role, unit_id, expires_at, max_uses, use_count, created_by,"
                    f" created_at) VALUES ({n}, 'h{n}', 'reporter', 1, '2022-10-01', 2, 1, 'cli', '2022-09-01')"
                    for n in (1, 2)
                ),
                *(
                    "INSERT INTO person (id, channel, channel_user_id, chat_id, display_name, role, unit_id, state,"
                    f" created_at, updated_at) VALUES ({n}, 'telegram', '{n}', '{n}', '', 'reporter', 1, 'active',"
                    " '2022-09-01', '2022-09-01')"
                    for n in (1, 2, 3)
                ),
                *(
                    "INSERT INTO auditevent (at, actor, action, entity, entity_id, detail) VALUES ('2022-09-02',"
                    f" 'x', 'person.enrol', 'person', '{person_id}', '{{\"invite_id\": {invite_id}}}')"
                    for person_id, invite_id in ((1, 1), (2, 1), (1, 2), (3, 99))  # 1 moved on; 99 is no invite
                ),
            ):
                connection.exec_driver_sql(statement)
        migrate.upgrade(database.engine, "0006")
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, invite_id FROM person ORDER BY id").all()
        assert [tuple(row) for row in rows] == [(1, 2), (2, 1), (3, None)]
    finally:
        database.dispose()
