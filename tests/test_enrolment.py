"""Enrolment: invite codes are checked, spent, slowed down when guessed; strangers and staff are told what to do."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.engine import Engine, Inbound
from storage import invites, nudges, people, units
from storage.database import Database
from storage.models import AuditEvent, Campaign, Channel, Invite, PersonState, Role, Unit, utcnow
from tests.dialogue import Clock, Dialogue, enrol, invite_code
from tests.test_staff import person


async def test_a_stranger_is_told_how_to_join_and_cannot_report(engine: Engine) -> None:
    stranger = Dialogue(engine, "9")
    assert "mở đường link mời hoặc gõ mã mời" in await stranger.say("/start")
    assert "mở đường link mời hoặc gõ mã mời" in await stranger.say("xin chào")
    assert "mở đường link mời" in await stranger.say("/baocao")


async def test_a_code_typed_without_start_works_too(engine: Engine, database: Database) -> None:
    code = invite_code(database, "CB-STP")
    dialogue = Dialogue(engine, "9", Channel.zalo)
    assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in await dialogue.say(code)
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Tư pháp" in await dialogue.say("xác nhận")


async def test_an_invite_of_a_cell_its_committee_reports_for_says_so_and_binds_nothing(
    engine: Engine, database: Database
) -> None:
    """The register changed after the invite was made: the cell now reports through its đảng ủy."""
    code = invite_code(database, "CB-SYT-VP")
    dialogue = Dialogue(engine, "9")
    said = await dialogue.say(f"/start {code}")
    assert "Chi bộ Văn phòng Sở Y tế báo cáo qua Đảng bộ Sở Y tế: đồng chí không cần báo cáo riêng" in said
    assert "xác nhận" not in said
    with database.session() as session:
        assert people.find_person(session, channel=Channel.telegram, user_id="9") is None
        stored = session.exec(select(Invite)).one()
        assert stored.use_count == 0  # nothing used: were the register put back, the code still works


async def test_declining_binds_nothing(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine, "9")
    await dialogue.say(f"/start {invite_code(database, 'CB-STP')}")
    assert "Đã hủy" in await dialogue.press("join:no")
    with database.session() as session:
        assert people.find_person(session, channel=Channel.telegram, user_id="9") is None


async def test_expired_revoked_and_used_up_codes_each_get_their_answer(
    engine: Engine, database: Database, clock: Clock
) -> None:
    expired = invite_code(database, "CB-STP", now=clock.now - timedelta(days=31))
    assert "Mã mời đã hết hạn" in await Dialogue(engine, "1").say(f"/start {expired}")

    once = invite_code(database, "CB-STP", max_uses=1)
    await enrol_with(engine, once, "2")
    assert "đã được dùng hết số lần" in await Dialogue(engine, "3").say(f"/start {once}")

    revoked = invite_code(database, "CB-STP")
    with database.session() as session:
        invite, _ = invites.find_invite(session, code=revoked)
        assert invite is not None
        invites.revoke_invite(session, invite=invite, actor="test")
    assert "Mã mời đã bị thu hồi" in await Dialogue(engine, "4").say(f"/start {revoked}")


async def test_a_code_that_expires_before_the_confirmation_is_refused(
    engine: Engine, database: Database, clock: Clock
) -> None:
    code = invite_code(database, "CB-STP", now=clock.now - timedelta(days=30) + timedelta(minutes=5))
    dialogue = Dialogue(engine, "5")
    assert "xác nhận" in await dialogue.say(f"/start {code}")
    clock.advance(minutes=10)
    assert "Mã mời đã hết hạn" in await dialogue.press("join:yes")


async def test_repeated_wrong_codes_lock_the_chat_until_a_time_it_is_told(
    engine: Engine, database: Database, clock: Clock
) -> None:
    guesser = Dialogue(engine, "66")
    for left in (4, 3, 2, 1):
        reply = await guesser.say("/start AAAA-BBBB")
        assert "Mã mời không đúng. Đồng chí kiểm tra lại mã Ban đã gửi" in reply and f"sai {left} lần" in reply
    locked = (
        "Đồng chí đã nhập sai mã mời 5 lần. Bot tạm ngừng nhận mã mời từ tài khoản này đến lúc 08:15 ngày 15/09/2022"
    )
    assert locked in await guesser.say("dk CCCC-DDDD")  # the fifth locks the chat for 15 minutes from the first
    assert [(e.actor, e.detail["until"]) for e in audited(database, "invite.chat_locked")] == [
        ("telegram:66", "2022-09-15T01:15:00+00:00")
    ]
    good = invite_code(database, "CB-STP")
    clock.advance(minutes=14)
    assert locked in await guesser.say(f"/start {good}")  # even a right code waits
    clock.advance(minutes=2)
    assert "Chi bộ Sở Tư pháp" in await guesser.say(f"/start {good}")
    assert "sai 4 lần" in await Dialogue(engine, "67").say("/start AAAA-BBBB")  # per chat
    assert len(audited(database, "invite.chat_locked")) == 1


async def test_wrong_codes_from_all_chats_together_pause_checking_codes_for_an_hour(
    engine: Engine, database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    good = invite_code(database, "CB-STP")
    for guess in range(invites.GUESSES_PER_HOUR - 1):  # many chats, each below its own limit
        assert "Mã mời không đúng" in await Dialogue(engine, f"g{guess // 4}").say(f"/start {WRONG_LONG}")
    clock.advance(minutes=30)
    paused = "Bot đang tạm ngừng nhận mã mời vì có quá nhiều mã sai được gửi tới, đến lúc 09:30 ngày 15/09/2022"
    with caplog.at_level(logging.WARNING, logger="storage.invites"):
        assert paused in await Dialogue(engine, "last").say("/start AAAA-BBBB")
    assert "100 wrong invite codes in the last hour (the last from telegram:last)" in caplog.text
    assert [e.detail["until"] for e in audited(database, "invite.guessing_paused")] == ["2022-09-15T02:30:00+00:00"]
    assert paused in await Dialogue(engine, "honest").say(f"/start {good}")  # nobody's code is checked
    clock.advance(minutes=59)
    assert paused in await Dialogue(engine, "honest").say(f"/start {good}")
    clock.advance(minutes=2)
    assert "Chi bộ Sở Tư pháp" in await Dialogue(engine, "honest").say(f"/start {good}")
    assert "Mã mời không đúng" in await Dialogue(engine, "next").say("/start AAAA-BBBB")  # counting starts again


async def test_wrong_codes_spread_over_more_than_an_hour_pause_nothing(engine: Engine, clock: Clock) -> None:
    for guess in range(invites.GUESSES_PER_HOUR - 1):
        await Dialogue(engine, f"g{guess // 4}").say(f"/start {WRONG_LONG}")
    clock.advance(minutes=61)
    assert "Mã mời không đúng" in await Dialogue(engine, "later").say("/start AAAA-BBBB")


WRONG_LONG = "A" * 22  # a wrong code of the old shape: cheaper to check than a short one (SHA-256, not scrypt)


def audited(database: Database, action: str) -> list[AuditEvent]:
    with database.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
        return list(session.exec(query).all())


async def test_an_invite_typed_in_lower_case_with_spaces_dashes_and_look_alikes_works(
    engine: Engine, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(invites, "new_code", lambda: "K10Q-M2XR")
    code = invite_code(database, "CB-STP", max_uses=5)
    assert code == "K10Q-M2XR"
    for typed in ("dk k10q m2xr", "ĐK: k1oq-m2xr", "đăng ký  KlOQ M2XR", "Mã k10qm2xr", "k 1 0 q - m 2 x r"):
        zalo = Dialogue(engine, f"z-{typed}", Channel.zalo)
        assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in await zalo.say(typed), typed
    telegram = Dialogue(engine, "t")
    assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in await telegram.say("/start K10Q-M2XR")  # a deep link
    assert "Chi bộ Sở Tư pháp" in await Dialogue(engine, "t2").say("/start k10q m2xr")


async def test_an_old_long_code_still_works_exactly_as_made_until_it_expires(
    engine: Engine, database: Database, clock: Clock
) -> None:
    old = "iUmMnqVHsv1VbCzJlV2cDw"  # secrets.token_urlsafe(16), stored as its SHA-256 before the short codes
    with database.session() as session:
        unit = units.get_unit(session, code="CB-STP")
        assert unit is not None
        session.add(
            Invite(
                code_hash=hashlib.sha256(old.encode()).hexdigest(),
                role=Role.reporter,
                unit_id=unit.id,
                expires_at=clock.now + timedelta(days=3),
                max_uses=5,
            )
        )
    assert "Chi bộ Sở Tư pháp" in await Dialogue(engine, "z1", Channel.zalo).say(f"dk {old}")
    assert "Chi bộ Sở Tư pháp" in await Dialogue(engine, "t1").say(f"/start {old}")
    assert "Mã mời không đúng" in await Dialogue(engine, "z2", Channel.zalo).say(f"dk {old.lower()}")
    clock.advance(days=3)
    assert "Mã mời đã hết hạn" in await Dialogue(engine, "t2").say(f"/start {old}")


async def test_a_reporter_can_move_to_another_unit_and_sees_only_that_units_report(
    engine: Engine, database: Database
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:with_bloc")
    reply = await dialogue.say(f"/start {invite_code(database, 'CB-STP')}")
    assert "Đồng chí đang là người báo cáo của Chi bộ Sở Nội vụ; chuyển sang Chi bộ Sở Tư pháp?" in reply
    reply = await dialogue.press("join:yes")
    assert "Chi bộ Sở Tư pháp" in reply and "Câu 1." in reply  # a fresh report: not the other unit's draft


async def test_declining_a_move_keeps_the_unit_and_the_same_unit_is_not_joined_twice(
    engine: Engine, database: Database
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.say(f"/start {invite_code(database, 'CB-STP')}")
    assert "Đã hủy" in await dialogue.press("join:no")
    assert unit_of(database, "1001") == "CB-SNV"
    same = invite_code(database, "CB-SNV", max_uses=1)
    reply = await dialogue.say(f"/start {same}")
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Nội vụ; không cần dùng mã mời này." in reply
    assert "Chi bộ Sở Nội vụ" in await Dialogue(engine, "2002").say(f"/start {same}")  # its one use is left


def unit_of(database: Database, user_id: str) -> str | None:
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id=user_id)
        assert person is not None
        unit = session.get(Unit, person.unit_id) if person.unit_id is not None else None
        return unit.code if unit else None


async def test_staff_join_with_a_staff_invite_and_report_only_once_they_join_a_unit(
    engine: Engine, database: Database
) -> None:
    code = invite_code(database, "", role=Role.staff)
    staff = Dialogue(engine, "77")
    assert "cán bộ Ban Tuyên giáo" in await staff.say(f"/start {code}")
    assert "Đồng chí đã được thêm là cán bộ của Ban" in await staff.press("join:yes")
    assert staff.last.menu == "staff"
    assert "Lệnh này dành cho người báo cáo" in await staff.say("/baocao")
    assert "/baocao" not in await staff.say("/trogiup")
    reply = await staff.say(f"/start {invite_code(database, 'CB-STP')}")
    assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in reply and "(Đồng chí vẫn là cán bộ Ban.)" in reply
    reply = await staff.press("join:yes")
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Tư pháp" in reply and "Câu 1." in reply
    assert staff.last.menu == "both"
    await both_roles_work(staff, "Chi bộ Sở Tư pháp")


async def test_a_reporter_who_joins_the_board_stays_the_units_reporter(engine: Engine, database: Database) -> None:
    secretary = Dialogue(engine, "78")
    await enrol(secretary, database, "CB-SNV")
    await secretary.press("ans:held:with_bloc")
    reply = await secretary.say(f"/start {invite_code(database, '', role=Role.staff)}")
    assert "Mã mời dành cho cán bộ Ban Tuyên giáo" in reply
    assert "(Đồng chí vẫn là người báo cáo của Chi bộ Sở Nội vụ.)" in reply
    assert "Đồng chí đã được thêm là cán bộ của Ban" in await secretary.press("join:yes")
    assert secretary.last.menu == "both"
    assert "Tiếp tục báo cáo đang làm dở" in await secretary.say("/baocao")  # the unit's draft is still theirs
    await both_roles_work(secretary, "Chi bộ Sở Nội vụ")
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id="78")
        assert person is not None and person.unit_id is not None
        assert person in people.unit_reporters(session, unit_id=person.unit_id)
        assert person in people.active_reporters(session)
        assert person in people.staff_members(session)
        campaign = session.exec(select(Campaign)).one()
        assert (person.unit_id, person.id) in nudges.targets(session, campaign_id=campaign.id or 0)


async def both_roles_work(dialogue: Dialogue, unit: str) -> None:
    """Each command works by what the person is; /trogiup shows both menus, "/trogiup" once."""
    assert "Câu" in await dialogue.say("/baocao")
    assert "Tình hình báo cáo: " in await dialogue.say("/tinhhinh")
    help_text = await dialogue.say("/trogiup")
    assert f"Là người báo cáo của {unit}, đồng chí dùng:" in help_text and "Là cán bộ Ban, đồng chí dùng:" in help_text
    assert "/baocao" in help_text and "/tinhhinh" in help_text and help_text.count("/trogiup") == 1


async def test_on_zalo_a_staff_member_types_a_units_code_after_dk(engine: Engine, database: Database) -> None:
    zalo = Dialogue(engine, "z77", Channel.zalo)
    await zalo.say(f"dk {invite_code(database, '', role=Role.staff)}")
    await zalo.say("Xác nhận")
    code = invite_code(database, "CB-STP")
    assert "Mã mời" not in await zalo.say(code)  # a joined person's bare text is not taken for a code
    assert "(Đồng chí vẫn là cán bộ Ban.)" in await zalo.say(f"ĐK {code.lower()}")
    assert "Câu 1." in await zalo.say("Xác nhận")


async def test_a_board_role_change_is_confirmed_and_a_revoked_person_starts_afresh(
    engine: Engine, database: Database
) -> None:
    staff = Dialogue(engine, "79")
    await staff.say(f"/start {invite_code(database, '', role=Role.staff)}")
    await staff.press("join:yes")
    await enrol(staff, database, "CB-SNV")
    again = invite_code(database, "", role=Role.staff)
    assert "đã được ghi nhận là cán bộ của Ban" in await staff.say(f"/start {again}")
    reply = await staff.say(f"/start {invite_code(database, '', role=Role.admin)}")
    assert "(Đồng chí đang là cán bộ của Ban; xác nhận sẽ chuyển thành quản trị viên.)" in reply
    await staff.press("join:yes")
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id="79")
        assert person is not None and (person.role, unit_of(database, "79")) == (Role.admin, "CB-SNV")
        people.revoke(session, person=person, actor="test", now=utcnow())
    await enrol(staff, database, "CB-STP")  # let in again by a unit's invite: a reporter, nothing more
    assert "Lệnh này dành cho cán bộ Ban" in await staff.say("/tinhhinh")
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id="79")
        assert person is not None and (person.role, unit_of(database, "79")) == (Role.reporter, "CB-STP")


async def test_in_a_group_the_bot_asks_to_write_privately(engine: Engine) -> None:
    from bot.engine import Inbound

    outcome = await engine.handle(Inbound(Channel.telegram, "1", "-100", text="/baocao", private=False))
    assert "nhắn riêng cho bot" in outcome.replies[0].text


async def test_english_texts_when_the_language_is_english(database: Database, loaded: Campaign, clock: Clock) -> None:
    dialogue = Dialogue(Engine(database, clock=clock, language="en"))
    await dialogue.say(f"/start {invite_code(database, 'CB-SNV')}")
    reply = await dialogue.press("join:yes")
    assert "You now report for Chi bộ Sở Nội vụ" in reply
    assert "Question 1. Has your unit held the study session on the resolution?" in reply
    assert dialogue.question.choices[0].label == "Yes, organised ourselves"


async def enrol_with(engine: Engine, code: str, user_id: str) -> None:
    dialogue = Dialogue(engine, user_id)
    await dialogue.say(f"/start {code}")
    await dialogue.press("join:yes")


async def test_on_a_channel_without_buttons_everything_can_be_typed(engine: Engine, database: Database) -> None:
    zalo = Dialogue(engine, "z1", Channel.zalo)
    code = invite_code(database, "CB-SNV")
    assert "Chi bộ Sở Nội vụ" in await zalo.say(f"DK {code}")
    assert "Câu 1." in await zalo.say("Xác nhận")
    await zalo.say("/huy")
    assert "Câu 1." in await zalo.say("làm báo cáo")  # the nudge's words open the report


async def test_the_nudges_words_resume_the_report_at_any_step(engine: Engine, database: Database) -> None:
    zalo = Dialogue(engine, "z2", Channel.zalo)
    await zalo.say(f"/start {invite_code(database, 'CB-SNV')}")
    await zalo.say("Xác nhận")
    await zalo.say("1")
    reply = await zalo.say("Làm báo cáo")  # while question 2 waits for a date
    assert "Tiếp tục báo cáo đang làm dở" in reply and "Câu 2." in reply


async def test_a_reporter_who_blocked_the_bot_is_reachable_again_once_they_write_from_their_new_chat(
    engine: Engine, database: Database
) -> None:
    dialogue = Dialogue(engine, "5001")
    await enrol(dialogue, database, "CB-SNV")
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id="5001")
        assert person is not None and person.id is not None
        nudges.mark_unreachable(session, person_id=person.id)  # the sender got "bot was blocked by the user"
    reply = await engine.handle(Inbound(Channel.telegram, "5001", "777", text="/baocao"))  # from another chat
    assert "Câu 1." in "\n".join(r.text for r in reply.replies)
    with database.session() as session:
        person = people.find_person(session, channel=Channel.telegram, user_id="5001")
        assert person is not None and (person.state, person.chat_id) == (PersonState.active, "777")


async def test_the_staff_list_names_a_unit_staff_report_for_and_revoking_them_says_both_roles_go(
    engine: Engine, database: Database
) -> None:
    secretary = person(database, "81", Role.staff, unit="CB-SNV", name="Đ/c Lan")
    plain = person(database, "82", Role.reporter, unit="CB-SNV", name="Đ/c Minh")
    admin = Dialogue(engine, "80")
    await admin.say(f"/start {invite_code(database, '', role=Role.admin)}")
    await admin.press("join:yes")
    listed = await admin.say("/canbo")
    assert "- Đ/c Lan (cán bộ, người báo cáo của Chi bộ Sở Nội vụ)" in listed and "Đ/c Minh" not in listed
    both = "Đồng chí ấy vừa là cán bộ Ban vừa là người báo cáo của Chi bộ Sở Nội vụ: cả hai quyền đều bị thu hồi."
    assert both in await admin.press(f"rv:{secretary}")
    assert "Thu hồi quyền của Đ/c Minh?" in await admin.press(f"rv:{plain}") and both not in admin.text
