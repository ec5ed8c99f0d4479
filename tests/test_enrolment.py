"""Enrolment: invite codes are checked, spent, slowed down when guessed; strangers and staff are told what to do."""

from __future__ import annotations

from datetime import timedelta

from bot.engine import Engine, Inbound
from storage import invites, nudges, people
from storage.database import Database
from storage.models import Campaign, Channel, PersonState, Role
from tests.dialogue import Clock, Dialogue, enrol, invite_code


async def test_a_stranger_is_told_how_to_join_and_cannot_report(engine: Engine) -> None:
    stranger = Dialogue(engine, "9")
    assert "mở đường link mời hoặc gõ mã mời" in await stranger.say("/start")
    assert "mở đường link mời hoặc gõ mã mời" in await stranger.say("xin chào")
    assert "mở đường link mời" in await stranger.say("/baocao")


async def test_a_code_typed_without_start_works_too(engine: Engine, database: Database) -> None:
    code = invite_code(database, "CB-STP")
    dialogue = Dialogue(engine, "9", Channel.zalo)
    assert "Mã mời dành cho đơn vị: Chi bộ Sở Tư pháp." in await dialogue.say(code)
    assert "Đồng chí đã là người báo cáo của Chi bộ Sở Tư pháp" in await dialogue.say("xác nhận")


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


async def test_repeated_wrong_codes_are_slowed_down(engine: Engine, database: Database, clock: Clock) -> None:
    guesser = Dialogue(engine, "66")
    for _ in range(5):
        assert "Mã mời không đúng" in await guesser.say("/start AAAAAAAAAAAAAAAAAAAAAA")
    good = invite_code(database, "CB-STP")
    reply = await guesser.say(f"/start {good}")
    assert "Đồng chí đã nhập sai mã nhiều lần. Vui lòng thử lại sau 15 phút." in reply  # even a right code waits
    clock.advance(minutes=16)
    assert "Chi bộ Sở Tư pháp" in await guesser.say(f"/start {good}")
    assert "Mã mời không đúng" in await Dialogue(engine, "67").say("/start AAAAAAAAAAAAAAAAAAAAAA")  # per chat


async def test_a_reporter_can_move_to_another_unit_and_sees_only_that_units_report(
    engine: Engine, database: Database
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:with_bloc")
    reply = await dialogue.say(f"/start {invite_code(database, 'CB-STP')}")
    assert "Đồng chí đang báo cáo cho Chi bộ Sở Nội vụ; xác nhận sẽ chuyển sang đơn vị mới." in reply
    reply = await dialogue.press("join:yes")
    assert "Chi bộ Sở Tư pháp" in reply and "Câu 1." in reply  # a fresh report: not the other unit's draft


async def test_staff_join_with_a_staff_invite_and_cannot_report(engine: Engine, database: Database) -> None:
    code = invite_code(database, "", role=Role.staff)
    staff = Dialogue(engine, "77")
    assert "cán bộ Ban Tuyên giáo" in await staff.say(f"/start {code}")
    assert "Đồng chí đã được thêm là cán bộ của Ban" in await staff.press("join:yes")
    assert "Lệnh này dành cho người báo cáo" in await staff.say("/baocao")
    reporter_code = invite_code(database, "CB-STP")
    assert "dùng một tài khoản khác" in await staff.say(f"/start {reporter_code}")


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
