"""Board staff in chat: figures pinned on a fixture campaign, one unit's detail, the chart, and who may ask."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from PIL import Image
from sqlmodel import select

from bot.engine import Engine
from storage import submissions, units
from storage.database import Database
from storage.models import Campaign, Channel, Invite, Person, PersonState, Role
from tests.dialogue import Clock, Dialogue, local, stored

STAFF_COMMANDS = [
    "/tinhhinh",
    "/chuanop",
    "/donvi Nội vụ",
    "/thongke",
    "/nhac",
    "/thongbao Họp lúc 8 giờ",
    "/moi CB-SNV",
    "/canbo",
    "/xuat",
]


def person(
    database: Database,
    user: str,
    role: Role,
    unit: str | None = None,
    state: PersonState = PersonState.active,
    name: str = "",
) -> int:
    with database.session() as session:
        found = units.get_unit(session, code=unit) if unit else None
        row = Person(
            channel=Channel.telegram,
            channel_user_id=user,
            chat_id=user,
            role=role,
            state=state,
            unit_id=found.id if found else None,
            display_name=name or f"Đ/c {user}",
        )
        session.add(row)
        session.flush()
        return row.id or 0


def report(
    database: Database,
    campaign: Campaign,
    unit: str,
    versions: list[tuple[datetime, int, int, int]],
    by: int,
    late: bool = False,
) -> None:
    """Submitted versions of a unit's report: (when, attended, total, exempt) each."""
    with database.session() as session:
        found = units.get_unit(session, code=unit)
        assert found is not None and found.id is not None and campaign.id is not None
        sub = submissions.get_or_create_submission(
            session, campaign_id=campaign.id, unit_id=found.id, questionnaire_version=1
        )
        for when, attended, total, exempt in versions:
            answers = {
                "held": "self_organised",
                "session_dates": ["2022-09-14"],
                "format": "in_person",
                "sessions": 1,
                "presenter": "Đ/c An",
                "members_total": total,
                "members_exempt": exempt,
                "members_attended": attended,
            }
            submissions.submit(
                session, submission=sub, answers=answers, questionnaire_version=1, person_id=by, late=late, now=when
            )


@pytest.fixture
def clock() -> Clock:
    return Clock(local(22, 9, 10))  # two days after the deadline (20/09/2022)


@pytest.fixture
def campaign(database: Database, loaded: Campaign) -> Campaign:
    """3 reported (one late, one amended), a draft, an unreachable reporter, an idle one, 16 with nobody."""
    noi_vu = person(database, "101", Role.reporter, "CB-SNV")
    tu_phap = person(database, "102", Role.reporter, "CB-STP")
    van_hoa = person(database, "103", Role.reporter, "CB-SVH")
    person(database, "104", Role.reporter, "CB-SCT")
    person(database, "105", Role.reporter, "CB-TTRA", PersonState.unreachable)
    person(database, "106", Role.reporter, "CB-BDT")
    report(database, loaded, "CB-SNV", [(local(15, 9, 9), 26, 30, 2)], noi_vu)
    report(database, loaded, "CB-STP", [(local(21, 9, 9), 20, 24, 0)], tu_phap, late=True)
    report(database, loaded, "CB-SVH", [(local(16, 9, 9), 25, 31, 0), (local(18, 9, 9), 29, 31, 0)], van_hoa)
    with database.session() as session:
        unit = units.get_unit(session, code="CB-SCT")
        assert unit is not None and unit.id is not None
        draft = submissions.get_or_create_submission(
            session, campaign_id=loaded.id or 0, unit_id=unit.id, questionnaire_version=1
        )
        submissions.save_draft(
            session,
            submission=draft,
            person_id=None,
            answers={
                "held": "self_organised",  # its own session: the format and sessions are on its path
                "session_dates": ["2022-09-12"],
                "format": "online",
                "video_sites": 2,
                "sessions": 1,
            },
        )
    person(database, "900", Role.staff, name="Cán bộ Hà")
    person(database, "901", Role.admin, name="Trưởng ban")
    person(database, "902", Role.staff, state=PersonState.revoked, name="Cán bộ cũ")
    return loaded


@pytest.fixture
def engine(database: Database, campaign: Campaign, clock: Clock) -> Engine:
    return Engine(database, clock=clock)


async def test_status_counts_on_time_late_drafts_and_members(engine: Engine) -> None:
    reply = await Dialogue(engine, "900").say("/tinhhinh")
    assert "Đã báo cáo: 3/22 đơn vị, đạt 13,64% (2 đúng hạn, 1 muộn)" in reply
    assert "Đang làm dở: 1 đơn vị" in reply
    assert "Đảng viên tham gia: 75/83 đồng chí, đạt 90,36%" in reply  # 26/28 + 20/24 + 29/31 (the amended version)
    assert "Hạn báo cáo: 20/09/2022 (đã quá hạn 2 ngày)" in reply
    assert "Lần nhắc tiếp theo: 08:00 ngày 23/09/2022." in reply
    assert "Còn 19 đơn vị chưa báo cáo" in reply


async def test_missing_lists_every_unit_with_its_reporter_state(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    reply = await staff.say("/chuanop")
    assert "Chưa báo cáo – Học tập, quán triệt Nghị quyết số 15-NQ/TW: 19 đơn vị (trang 1/1)" in reply
    assert "Chi bộ Sở Công Thương (CB-SCT) – đang làm dở (5 câu)" in reply
    assert "Chi bộ Thanh tra tỉnh (CB-TTRA) – không liên lạc được" in reply
    assert "Chi bộ Ban Dân tộc tỉnh (CB-BDT) – đã có người báo cáo, chưa làm" in reply
    assert "Đảng bộ Sở Y tế (DB-SYT) – chưa có người báo cáo" in reply
    assert "CB-SNV" not in reply and "CB-STP" not in reply and "CB-SVH" not in reply
    assert staff.buttons() == []  # one page: no paging buttons


async def test_long_lists_are_paged_with_buttons(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.engine import staff as staff_module

    monkeypatch.setattr(staff_module, "PAGE", 5)
    staff = Dialogue(engine, "900")
    assert "(trang 1/4)" in await staff.say("/chuanop")
    assert staff.buttons() == ["miss:1:1"]
    await staff.press("miss:1:3")
    assert staff.last.edit is not None and "(trang 4/4)" in staff.last.edit.text
    assert [b.data for row in staff.last.edit.buttons for b in row] == ["miss:1:2"]


async def test_one_units_detail_has_reporters_every_version_and_nudges(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    reply = await staff.say("/donvi văn hóa")
    assert "Chi bộ Sở Văn hóa, Thể thao và Du lịch (CB-SVH) – chi bộ cơ sở, 31 đảng viên" in reply
    assert "Người báo cáo: Đ/c 103 (qua Telegram, đang hoạt động)" in reply
    assert "lần 1 lúc 09:00 ngày 16/09/2022, lần 2 lúc 09:00 ngày 18/09/2022" in reply
    assert "Đảng viên tham gia: 29" in reply  # the latest version's answers
    assert "Chưa gửi lời nhắc nào." in reply
    assert "rv:" not in str(staff.buttons())  # only admins get revoke buttons
    several = await staff.say("/donvi sở")
    assert "đơn vị khớp" in several and len(staff.question.choices) == 8


async def test_stats_sends_a_real_png_that_carries_its_figures(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    await staff.say("/thongke")
    picture = staff.last.replies[0].attachment
    assert picture is not None and picture.picture and picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(picture.content))
    assert image.size == (1000, 550)
    assert image.text["nqbot:reported"] == "3/22" and image.text["nqbot:attendance"] == "75/83"


async def test_remind_announce_and_invite(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    reply = await staff.say("/nhac")  # active reporters of units not reported; how many units are missing
    assert "19 đơn vị chưa báo cáo. Gửi lời nhắc tới 2 người báo cáo của 2 đơn vị trong số đó" in reply
    assert "Gửi thông báo sau tới 5 người báo cáo?" in await staff.say("/thongbao Họp lúc 8 giờ")
    await staff.press("ann:yes")
    assert staff.last.edit is not None and "Đã xếp 5 tin" in staff.last.edit.text
    reply = await staff.say("/moi CB-SNV")
    assert "Mã mời của Chi bộ Sở Nội vụ (hết hạn 22/10/2022, dùng được cho 2 người)" in reply
    assert "/start " in reply and "Zalo" not in reply
    assert staff.last.replies[0].attachment is not None and staff.last.replies[0].attachment.picture

    # Serving Zalo too: the t.me link does not open Zalo, so the invite says what to type there.
    engine.channels, engine.bot_username = {Channel.telegram, Channel.zalo}, "nqbot_test_bot"
    reply = await staff.say("/moi CB-SNV")
    link = re.search(r"https://t\.me/nqbot_test_bot\?start=(\S+)", reply)
    assert link is not None and f"Trên Zalo: người báo cáo nhắn cho bot dòng “DK {link.group(1)}”." in reply


async def test_an_admin_revokes_a_reporter_at_once_and_the_report_stays(engine: Engine) -> None:
    admin, reporter = Dialogue(engine, "901"), Dialogue(engine, "101")
    await admin.say("/donvi CB-SNV")
    revoke = next(data for data in admin.buttons() if data.startswith("rv:"))
    assert "Thu hồi quyền của Đ/c 101?" in await admin.press(revoke)
    await admin.press("rvy:" + revoke.split(":")[1])
    assert admin.last.edit is not None and "Đã thu hồi quyền của Đ/c 101." in admin.last.edit.text
    assert "mở đường link mời" in await reporter.say("/xem")  # unbound: a stranger now
    assert "Đã báo cáo: 3/22" in await admin.say("/tinhhinh")  # the unit's report stays
    assert "Lệnh này dành cho quản trị viên." in await Dialogue(engine, "900").say("/canbo")


async def test_a_revoked_reporter_cannot_touch_their_units_draft(
    engine: Engine, database: Database, campaign: Campaign
) -> None:
    admin, revoked = Dialogue(engine, "901"), Dialogue(engine, "104")  # 104: CB-SCT, a draft of 5 answers
    assert "Câu 6." in await revoked.say("/baocao")  # at question 6 when the revocation comes
    await admin.say("/donvi CB-SCT")
    revoke = next(data for data in admin.buttons() if data.startswith("rv:"))
    await admin.press("rvy:" + revoke.split(":")[1])
    before = stored(database, campaign, "CB-SCT")
    for act in ("Đ/c Bình", "/baocao", "gửi", "sửa câu 1"):
        assert "mở đường link mời" in await revoked.say(act)
    for data in ("ans:held:self_organised", "submit", "edit"):
        await revoked.press(data)
    assert stored(database, campaign, "CB-SCT") == before and len(before[0]) == 5 and before[1] == []


@pytest.mark.parametrize("command", STAFF_COMMANDS)
@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("555", "Lệnh này dành cho cán bộ Ban Tuyên giáo."),  # a stranger
        ("101", "Lệnh này dành cho cán bộ Ban Tuyên giáo."),  # a reporter
        ("902", "Lệnh này dành cho cán bộ Ban Tuyên giáo."),  # a revoked staff member
    ],
)
async def test_staff_commands_refuse_everyone_else_with_no_data(
    engine: Engine, command: str, who: str, refusal: str
) -> None:
    reply = await Dialogue(engine, who).say(command)
    assert refusal in reply
    for secret in ("3/22", "75/83", "Nội vụ", "Văn hóa", "CB-", "/start "):
        assert secret not in reply


@pytest.mark.parametrize(
    "data", ["miss:1:0", "unit:1:1", "moi:1:1", "nhac:1", "ann:yes", "rv:1", "rvy:1", "inv:admin", "sc:status:1:"]
)
async def test_staff_buttons_do_nothing_for_a_reporter(engine: Engine, data: str) -> None:
    reporter = Dialogue(engine, "102")
    reply = await reporter.press(data)
    assert "Nút đó thuộc một bước đã qua" in reply and "3/22" not in reply
    assert reporter.last.edit is None


@pytest.mark.parametrize("data", ["rv:{id}", "rvy:{id}", "inv:admin", "inv:staff"])
async def test_admin_buttons_do_nothing_for_staff_who_are_not_admins(
    engine: Engine, database: Database, data: str
) -> None:
    with database.session() as session:
        reporter = session.exec(select(Person).where(Person.channel_user_id == "101")).one()
        invites_before = len(session.exec(select(Invite)).all())
    staff = Dialogue(engine, "900")
    reply = await staff.press(data.format(id=reporter.id))
    assert "Nút đó thuộc một bước đã qua" in reply and staff.last.edit is None
    with database.session() as session:
        assert session.get(Person, reporter.id).state is PersonState.active  # not revoked
        assert len(session.exec(select(Invite)).all()) == invites_before  # no invite made


async def test_export_sends_the_docx_and_the_xlsx(engine: Engine) -> None:
    staff = Dialogue(engine, "900")
    assert "tính đến ngày 22/09/2022" in await staff.say("/xuat")
    files = [r.attachment for r in staff.last.replies if r.attachment is not None]
    assert [f.filename for f in files] == ["nq15-2022_bao-cao_2022-09-22.docx", "nq15-2022_phu-luc_2022-09-22.xlsx"]
    assert all(f.content[:2] == b"PK" and not f.picture for f in files)  # zip containers: real Office files


async def test_an_admin_invites_staff_in_chat_and_the_invite_works(engine: Engine) -> None:
    admin = Dialogue(engine, "901")
    reply = await admin.say("/canbo")
    assert "Cán bộ Ban (2):" in reply and "inv:staff" in admin.buttons()
    link = (await admin.press("inv:staff")).split("\n")[-1]
    assert link.startswith("/start ")
    newcomer = Dialogue(engine, "950")
    assert "cán bộ Ban Tuyên giáo" in await newcomer.say(link)
    await newcomer.press("join:yes")
    assert newcomer.last.menu == "staff"
    assert "Đã báo cáo: 3/22" in await newcomer.say("/tinhhinh")
    assert "đã được dùng hết" in await Dialogue(engine, "951").say(link)  # one use only
