"""Every answer means what the reporter meant (issue 12): going back from any question, changes that re-open
or re-check later answers, what is pending shown by /xem and nudges, stale buttons, two reporters of a unit."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.engine import Engine
from bot.engine import questionnaire as qn
from bot.engine.report import ahead
from bot.outbox.nudge_text import nudge_reply
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, OutboxMessage
from storage.nudges import Outgoing
from tests.dialogue import Dialogue, answer_all, enrol, stored, until


async def reporter(engine: Engine, database: Database, user_id: str = "1001") -> Dialogue:
    dialogue = Dialogue(engine, user_id)
    await enrol(dialogue, database, "CB-SNV")
    return dialogue


async def test_back_from_a_free_text_question_is_never_stored_as_its_answer(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("presenter"))
    assert "Câu 6. " in dialogue.text  # the presenter: free text
    reply = await dialogue.say("Quay lại")
    assert "Câu 5. Số buổi" in reply and "Câu trả lời hiện tại: 2" in reply
    reply = await dialogue.say("3")
    assert "Câu 6. " in reply  # back where the reporter was
    reply = await dialogue.say("sửa câu 2")
    assert "Câu 2. " in reply and "Câu trả lời hiện tại: 13/09/2022, 14/09/2022" in reply
    reply = await dialogue.say("12/9")  # 3 sessions on one date: the sessions' own check is read again
    assert "Câu 5 cần xác nhận lại" in reply and "3 buổi trong 1 ngày học: hơn hai buổi một ngày." in reply
    await dialogue.press("warn:keep")
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["sessions"] == 3 and draft["session_dates"] == ["2022-09-12"]
    assert "presenter" not in draft  # neither "Quay lại" nor "sửa câu 2" became the presenter's name
    assert "Câu 6. " in dialogue.text


async def test_back_at_the_first_question_and_at_a_choice_question(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    assert "gõ “quay lại”" in dialogue.text  # the intro says answers can be changed
    reply = await dialogue.say("back")
    assert "Đây là câu đầu tiên" in reply and "Câu 1. " in reply
    await answer_all(dialogue, until("format"))
    reply = await dialogue.say("quay lai")  # at a choice question, typed without diacritics
    assert "Câu 2. " in reply and "Chưa rõ lựa chọn" not in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "format" not in draft


async def test_edit_in_the_middle_of_a_draft_with_sua(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("presenter"))
    reply = await dialogue.say("/sua")
    assert "muốn sửa câu nào" in reply
    assert "editq:sessions" in dialogue.buttons() and "editq:presenter" not in dialogue.buttons()
    await dialogue.press("editq:sessions")
    reply = await dialogue.say("4")
    assert "Câu 6. " in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["sessions"] == 4


async def test_a_change_that_reopens_hidden_questions_asks_them_again(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue)  # 26 of 28 attended: the absence reasons and the make-up session were asked
    await dialogue.say("sửa câu 9")
    await dialogue.say("28")  # everyone attended: the absence questions no longer apply
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in dialogue.text
    await dialogue.say("sửa câu 7")
    reply = await dialogue.say("32")  # 28 of 30 now: absences again
    assert "Số này chênh lệch quá 10%" in reply  # members_total's own warning (register 29)
    reply = await dialogue.press("warn:keep")
    assert (
        "Câu 11, 12 cần trả lời lại vì số liệu trước đó đã thay đổi (trả lời cũ: câu 11: Ốm đau, Đi công tác; "
        "câu 12: Có)" in reply
    )
    assert "Câu 11. " in reply  # asked again, not carried back silently
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "absent_reasons" not in draft and "makeup" not in draft
    reply = await dialogue.say("1")  # one reason: its count is the whole absence, not asked
    assert "Câu 13. Đã tổ chức học bù" in reply and "cần trả lời lại" not in reply
    reply = await dialogue.say("không")
    assert "cần trả lời lại" not in reply  # said once, when the change was made
    assert "Câu 14. Dự kiến tổ chức học bù vào ngày nào?" in reply
    reply = await dialogue.say("30/9")
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in reply and "12. Vắng do ốm đau: 2" in reply
    await dialogue.say("gửi")
    _, versions = stored(database, loaded, "CB-SNV")
    assert versions[-1]["absent_reasons"] == ["sick"] and versions[-1]["makeup"] is False
    assert versions[-1]["absent_sick"] == 2 and "absent_business" not in versions[-1]
    assert versions[-1]["makeup_planned_date"] == "2022-09-30"
    assert "makeup_date" not in versions[-1]  # no answer to a question that does not apply


async def test_raising_the_member_total_checks_the_attendance_warning_again(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue)  # 26/28
    await dialogue.say("sửa câu 7")
    await dialogue.say("40")
    reply = await dialogue.press("warn:keep")  # 40 is far from the register's 29: kept on purpose
    assert "Câu 9 cần xác nhận lại" in reply and "Tỷ lệ tham gia chỉ đạt 68,42% (26/38), dưới 70%." in reply
    assert dialogue.buttons() == ["warn:keep", "warn:retype"]
    reply = await dialogue.press("warn:retype")
    assert "Câu 9. " in reply
    reply = await dialogue.say("35")  # 3 absent now: 1 sick, and the business trips asked again
    assert "Câu 13. Số đảng viên vắng do đi công tác?" in reply
    reply = await dialogue.say("2")
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["members_total"] == 40 and draft["members_attended"] == 35
    assert (draft["absent_sick"], draft["absent_business"]) == (1, 2)


async def test_view_before_sending_shows_the_draft_and_what_is_left(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("members_total"))
    reply = await dialogue.say("/xem")
    assert "ĐANG SOẠN, chưa gửi: đã trả lời 6/" in reply and "chưa gửi báo cáo" not in reply
    assert "Còn " in reply and "bắt đầu từ câu 7" in reply
    assert dialogue.buttons() == ["report"]
    reply = await dialogue.press("report")
    assert "Câu 7. " in reply


async def test_a_change_not_sent_is_shown_by_view_and_cancel(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue)
    await dialogue.say("gửi")
    await dialogue.say("/sua")
    await dialogue.press("editq:sessions")
    await dialogue.say("3")
    reply = await dialogue.say("/huy")
    assert "CHƯA được gửi" in reply
    reply = await dialogue.say("/xem")
    assert "(lần 1, gửi lúc" in reply and "5. Số buổi: 2" in reply
    assert "Có 1 thay đổi CHƯA GỬI" in reply and "Câu 5 (Số buổi): 2 → 3" in reply
    assert dialogue.buttons() == ["report"]
    reply = await dialogue.press("report")
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in reply
    reply = await dialogue.say("gửi")
    assert "lần 2" in reply
    assert "CHƯA GỬI" not in await dialogue.say("/xem")


async def test_sending_again_with_nothing_changed_makes_no_version(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue)
    await dialogue.say("gửi")
    await dialogue.say("/sua")
    reply = await dialogue.say("gửi")
    assert "không cần gửi lại" in reply
    _, versions = stored(database, loaded, "CB-SNV")
    assert len(versions) == 1


async def test_a_stale_button_shows_the_current_question(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("sessions"))
    reply = await dialogue.press("ans:held:not_yet")  # question 1's button, pressed again later
    assert dialogue.last.notice == "Nút này đã cũ."
    assert "Câu 5. Số buổi" in reply and "/baocao" not in reply
    await answer_all(dialogue, until("proposals")[len(until("sessions")) :])
    await dialogue.press("skip:proposals")
    reply = await dialogue.press("ans:held:self_organised")  # at the summary
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["held"] == "self_organised"


async def test_a_typed_choice_is_said_back(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("format"))
    reply = await dialogue.say("2")
    assert "Đã ghi: Trực tuyến." in reply
    await dialogue.say("2")  # video sites
    reply = await dialogue.say("1")
    assert "Đã ghi" not in reply  # a number is not said back: it is what was typed


async def test_co_reporters_are_told_what_was_kept_and_when_the_report_went(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    secretary, deputy = await reporter(engine, database, "1001"), await reporter(engine, database, "1002")
    await answer_all(secretary, until("sessions"))
    await deputy.say("/baocao")
    await deputy.say("3")
    reply = await secretary.say("2")
    assert "Câu 5 vừa được người báo cáo khác của đơn vị trả lời: “3”" in reply and "Câu 6. " in reply
    await answer_all(secretary, until("proposals")[len(until("presenter")) :])
    await secretary.press("skip:proposals")
    await secretary.say("gửi")
    with database.session() as session:
        notices = session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == "1002")).all()
    told = [n.text for n in notices if n.key and n.key.startswith("submitted:")]
    assert len(told) == 1 and "Báo cáo của đơn vị đã được" in told[0] and "(lần 1, lúc" in told[0]


def test_a_nudge_counts_every_question_still_on_the_path(nq15: CampaignSpec) -> None:
    draft = {"held": "self_organised", "session_dates": ["2022-09-13"], "format": "in_person"}
    context = qn.context(nq15, today=date(2022, 9, 15), register_members=29)
    walk = qn.Walk(nq15.questionnaire, dict(draft), context)
    left = ahead(walk)
    # Every question a full report can still ask: the absence questions depend on figures not given yet.
    assert {"absent_reasons", "makeup", "makeup_date", "action_plan_number"} <= {q.id for q in left}
    assert not {"planned_date", "not_held_reason", "video_sites"} & {q.id for q in left}  # ruled out already
    row = Outgoing(
        nudge_id=1,
        step="d3",
        person_id=1,
        channel="telegram",
        chat_id="1",
        unit_name="Chi bộ Sở Nội vụ",
        register_members=29,
        unit_kind="grassroots_cell",
        register_cells=0,
        campaign_id=1,
        campaign_title="NQ 15",
        report_deadline=date(2022, 9, 20),
        closes_on=date(2022, 10, 5),
        submitted=False,
        draft_answers=draft,
    )
    text = nudge_reply(row, nq15, today=date(2022, 9, 15), language="vi").text
    assert f"còn {len(left)} câu" in text


async def test_a_guess_is_asked_back_before_it_is_stored(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("members_total"))
    reply = await dialogue.say("khoảng 30")
    assert "ghi là 30, đúng không?" in reply and dialogue.buttons() == ["warn:keep", "warn:retype"]
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "members_total" not in draft  # nothing stored before it is confirmed
    reply = await dialogue.say("đúng rồi")
    assert "Câu 8. " in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["members_total"] == 30
    await dialogue.say("sửa câu 5")
    await dialogue.say("tầm 5")
    reply = await dialogue.say("1")  # a figure at the confirm is the answer itself, not the first button ("yes")
    assert "ghi là" not in reply and "2 ngày học nhưng chỉ 1 buổi" in reply  # 1 is checked against the dates
    await dialogue.press("warn:keep")
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["sessions"] == 1


async def test_a_question_with_its_own_example_gets_no_second_one(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    reply = await dialogue.press("ans:held:self_organised")
    assert reply.count("ví dụ") == 1  # "(ví dụ 15/9, 16/9)" once, in the question itself
    await dialogue.say("13/9")
    await dialogue.say("1")
    reply = await dialogue.say("/sua")
    assert "Gõ số câu (1–3)" in reply  # the answers there are to change, not the whole questionnaire


async def test_a_document_number_is_taken_in_any_case_and_after_so(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("action_plan_number"))
    reply = await dialogue.say("Số 05-kh/cb")
    assert "Câu " in reply and "Chưa đúng dạng" not in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["action_plan_number"] == "05-KH/CB"
    await dialogue.say("sửa câu 19")
    reply = await dialogue.say("kế hoạch năm nay")
    assert "Chưa đúng dạng" in reply  # not a number at all: still refused


async def test_a_session_not_held_then_held_again_asks_every_question_again(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue)
    await dialogue.say("sửa câu 1")
    reply = await dialogue.say("3")  # not held: the session's questions no longer apply
    assert "Câu 2. " in reply  # the planned date
    await dialogue.say("30/9")
    await dialogue.say("Chờ báo cáo viên")
    await dialogue.say("sửa câu 1")
    reply = await dialogue.say("1")
    assert "câu (2, 3, 4," in reply and "cần trả lời lại" in reply and "Câu 2. " in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "session_dates" not in draft and "members_total" not in draft  # none carried back silently
