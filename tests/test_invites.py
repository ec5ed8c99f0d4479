"""Invites: revoked by the operator or an admin (and with the reporter they enrolled), spent once each even
when many join at the same moment, and never crashed by forged button data."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select

from bot.channels.typed_actions import TypedActions
from bot.channels.zalo import render
from bot.engine import Engine, Inbound
from storage import campaigns, invites, migrate, people, units
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import AuditEvent, Campaign, Channel, Invite, Person, PersonState, Role, utcnow
from tests.conftest import SAMPLE_UNITS
from tests.dialogue import Clock, Dialogue, invite_code
from tests.test_cli import nqbot
from tests.test_staff import person

STALE = "Nút đó thuộc một bước đã qua"
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


def revocations(database: Database) -> list[AuditEvent]:
    with database.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "invite.revoke")).all())


def invite_problem(database: Database, code: str) -> invites.InviteProblem | None:
    """Why the code cannot be used (revocation is checked before expiry: the operator's test made its codes today)."""
    with database.session() as session:
        return invites.find_invite(session, code=code, now=Clock().now)[1]


def reporter_state(database: Database, user: str) -> PersonState:
    with database.session() as session:
        found = people.find_person(session, channel=Channel.telegram, user_id=user)
        assert found is not None
        return found.state


# --- 1. revoking invites ---


def test_the_operator_revokes_a_units_live_invites_or_one_invite_by_its_code(tmp_path: Path) -> None:
    assert nqbot(tmp_path, "init", "--sample-units").returncode == 0
    made = [nqbot(tmp_path, "invite", unit).stdout.split()[-1] for unit in ("CB-SNV", "CB-SNV", "DB-SYT")]

    by_unit = nqbot(tmp_path, "invite", "--revoke", "CB-SNV")
    assert by_unit.returncode == 0, by_unit.stderr
    lines = by_unit.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all(
        re.fullmatch(r"Đã thu hồi mã mời của CB-SNV \(Chi bộ Sở Nội vụ\): tạo .+, đã dùng 0/2", x) for x in lines
    )
    assert nqbot(tmp_path, "invite", "--revoke", "CB-SNV").stdout.strip() == (
        "CB-SNV: không có mã mời nào còn hiệu lực."
    )

    by_code = nqbot(tmp_path, "invite", "--revoke", made[2])
    assert by_code.returncode == 0 and by_code.stdout.startswith("Đã thu hồi mã mời của DB-SYT (Đảng bộ Sở Y tế): tạo ")
    assert len(by_code.stdout.strip().splitlines()) == 1

    unknown = nqbot(tmp_path, "invite", "--revoke", "NOPE")
    assert unknown.returncode == 2 and unknown.stderr.strip() == "Lỗi: không có đơn vị hay mã mời nào là “NOPE”"
    both = nqbot(tmp_path, "invite", "CB-SNV", "--revoke", "CB-SNV")
    assert both.returncode == 2
    assert both.stderr.strip() == "Lỗi: --revoke dùng riêng: không kèm mã đơn vị, --all hay --qr"
    english = nqbot(tmp_path, "invite", "--revoke", "DB-SYT", env={"NQBOT_LANGUAGE": "en"})
    assert english.stdout.strip() == "DB-SYT: no live invites."

    database = Database(f"sqlite:///{tmp_path / 'data' / 'nqbot.db'}")
    try:
        for code in made:
            assert invites.InviteProblem.revoked is invite_problem(database, code)
        assert [(e.actor, e.entity) for e in revocations(database)] == [("cli", "invite")] * 3
    finally:
        database.dispose()


async def test_a_reporter_revoked_by_an_admin_cannot_join_again_with_the_same_link(
    engine: Engine, database: Database
) -> None:
    code = invite_code(database, "CB-SNV")  # two uses: the secretary and the deputy
    reporter = Dialogue(engine, "101")
    await reporter.say(f"/start {code}")
    await reporter.press("join:yes")
    admin = Dialogue(engine, "901")
    await admin.say("/donvi CB-SNV")
    revoke = next(data for data in admin.buttons() if data.startswith("rv:"))
    assert "mã mời" in await admin.press(revoke)  # the confirmation says the invite goes too
    await admin.press("rvy:" + revoke.split(":")[1])
    assert admin.last.edit is not None and "Mã mời đồng chí ấy đã dùng cũng bị thu hồi." in admin.last.edit.text

    assert "Mã mời đã bị thu hồi" in await reporter.say(f"/start {code}")
    assert "Mã mời đã bị thu hồi" in await Dialogue(engine, "102").say(f"/start {code}")  # nobody else either
    [audit] = revocations(database)
    assert audit.entity_id == str(invite_of(database, code).id) and audit.actor.startswith("person:")
    assert audit.detail["because"] == "person.revoke"


async def test_an_admin_sees_a_units_live_invites_and_revokes_one_with_its_button(
    engine: Engine, database: Database, clock: Clock
) -> None:
    used = invite_code(database, "CB-SNV")
    reporter = Dialogue(engine, "101")
    await reporter.say(f"/start {used}")
    await reporter.press("join:yes")
    invite_code(database, "CB-SNV", now=clock.now - invites.DEFAULT_TTL)  # expired: not listed
    invite_code(database, "CB-STP")  # another unit's: not listed

    admin = Dialogue(engine, "901")
    await admin.say("/moi CB-SNV")
    listing = admin.question
    assert listing.text.splitlines()[:3] == [
        "Mã mời còn hiệu lực của Chi bộ Sở Nội vụ (2):",
        "1. tạo 07:00 ngày 01/09/2022 bởi dòng lệnh, hết hạn 01/10/2022, đã dùng 1/2",
        "2. tạo 08:00 ngày 15/09/2022 bởi Trưởng ban, hết hạn 15/10/2022, đã dùng 0/2",
    ]
    first = invite_of(database, used)
    assert len(admin.buttons()) == 2 and admin.buttons()[0] == f"rvi:{first.id}"
    assert [b.label for row in listing.buttons for b in row] == ["Thu hồi mã 1", "Thu hồi mã 2"]

    reply = await admin.press(f"rvi:{first.id}")
    assert "Thu hồi mã mời của Chi bộ Sở Nội vụ (tạo 07:00 ngày 01/09/2022" in reply
    assert invite_problem(database, used) is None  # asked, not yet done
    assert admin.buttons() == [f"rviy:{first.id}"]
    await admin.press(f"rviy:{first.id}")
    assert admin.last.edit is not None and "Đã thu hồi mã mời của Chi bộ Sở Nội vụ" in admin.last.edit.text
    assert "Mã mời đã bị thu hồi" in await Dialogue(engine, "103").say(f"/start {used}")
    assert reporter_state(database, "101") is PersonState.active  # who joined with it stays
    assert STALE in await admin.press(f"rviy:{first.id}")  # pressed again: nothing more to do
    assert len(revocations(database)) == 1


@pytest.mark.parametrize("data", ["rvi:{id}", "rviy:{id}"])
async def test_invite_revoke_buttons_do_nothing_for_staff_who_are_not_admins(
    engine: Engine, database: Database, data: str
) -> None:
    code = invite_code(database, "CB-SNV")
    staff = Dialogue(engine, "900")
    await staff.say("/moi CB-SNV")
    assert not [d for d in staff.buttons() if d.startswith("rvi")]  # no revoke buttons for them
    reply = await staff.press(data.format(id=invite_of(database, code).id))
    assert STALE in reply and staff.last.edit is None
    assert invite_problem(database, code) is None and revocations(database) == []


async def test_on_zalo_an_admin_revokes_an_invite_by_typing_the_labels(engine: Engine, database: Database) -> None:
    with database.session() as session:
        session.add(Person(channel=Channel.zalo, channel_user_id="z9", chat_id="z9", role=Role.admin))
    code = invite_code(database, "CB-SNV")
    actions = TypedActions()

    async def type_(text: str) -> str:
        pressed = actions.pressed("z9", text)
        event = Inbound(Channel.zalo, "z9", "z9", text=None if pressed else text, button=pressed)
        outcome = await engine.handle(event)
        replies = outcome.replies or ([outcome.edit] if outcome.edit else [])
        actions.remember("z9", replies)
        return "\n".join(render(r) for r in replies)

    shown = await type_("/moi CB-SNV")
    assert "Bấm hoặc gõ “Thu hồi mã N” để thu hồi mã số N." in shown
    assert "Bấm hoặc gõ “Đúng, thu hồi”" in await type_("thu hồi mã 1")
    assert "Đã thu hồi mã mời của Chi bộ Sở Nội vụ" in await type_("Đúng, thu hồi")
    assert invite_problem(database, code) is invites.InviteProblem.revoked


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
    assert sum("Đồng chí đã được ghi nhận là người báo cáo" in reply for reply in replies) == 1
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
    f"rvi:{TOO_BIG}",
    f"rviy:{TOO_BIG}",
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


# --- 4. codes a person can type ---


def test_a_new_code_is_eight_crockford_characters_in_two_groups_and_stored_only_as_a_slow_hash(
    database: Database, loaded: Campaign
) -> None:
    shown = {invite_code(database, "CB-SNV") for _ in range(20)}
    assert len(shown) == 20 and all(re.fullmatch("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", c) for c in shown)
    code = shown.pop()
    with database.session() as session:
        stored = session.exec(select(Invite.code_hash)).all()
    assert invites.hash_code(code) in stored
    assert all(hashlib.sha256(form.encode()).hexdigest() not in stored for form in (code, code.replace("-", "")))


@pytest.mark.parametrize(
    ("typed", "bare", "found"),
    [
        ("K7QF-M2XR", True, "K7QF-M2XR"),  # as shown
        ("k7qf m2xr", True, "k7qf m2xr"),  # lower case, a space
        ("dk k7qf-m2xr", False, "k7qf-m2xr"),  # Zalo's "DK CODE" as the bot prints it, in lower case
        ("ĐK: K7QF M2XR", False, "K7QF M2XR"),
        ("đăng ký k7qfm2xr", False, "k7qfm2xr"),
        ("Đăng kí  K7QF-M2XR ", False, "K7QF-M2XR"),
        ("dang ky K7QF-M2XR", False, "K7QF-M2XR"),
        ("mã: k7qf-m2xr", False, "k7qf-m2xr"),
        ("Mã mời K7QF-M2XR", False, "K7QF-M2XR"),
        ("ma k7qf m2xr", False, "k7qf m2xr"),
        ("DK iUmMnqVHsv1VbCzJlV2cDw", False, "iUmMnqVHsv1VbCzJlV2cDw"),  # an old code, as made
        ("K7QF-M2XR", False, None),  # a joined person's bare text is an answer, not a code
        ("mã K7QF-M2X", False, None),  # seven characters
        ("mã K7QF-M2XRU", False, None),  # U is not in the alphabet
        ("xin chào", True, None),
        ("dk", True, None),
        ("MAXK-7QF2", True, "MAXK-7QF2"),  # a code that starts with "MA" is not "mã" and a code
        ("đăng ký học tập trực tuyến", True, None),
    ],
)
def test_an_invite_code_is_found_in_what_people_type(typed: str, bare: bool, found: str | None) -> None:
    assert invites.typed_code(typed, bare=bare) == found


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("K7QF-M2XR", "K7QFM2XR"),
        (" k7qf m2xr ", "K7QFM2XR"),
        ("k-7-q-f-m-2-x-r", "K7QFM2XR"),
        ("KIOL-0000", "K1010000"),  # I and L read as 1, O as 0 (Crockford)
        ("kiol 0000", "K1010000"),
        ("K7QF-M2X", None),
        ("K7QF-M2XR-A", None),
        ("K7QF-M2XU", None),
        ("K7QF_M2XR", None),
    ],
)
def test_a_typed_short_code_is_normalised_as_crockford_says(typed: str, stored: str | None) -> None:
    assert invites.normalised(typed) == stored
    if stored is not None:
        assert invites.hash_code(typed) == invites.hash_code(stored)
