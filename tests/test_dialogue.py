"""The reporter's dialogue, end to end on the engine: enrol, answer, check, summary, submit, amend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine import Engine, Inbound
from storage import campaigns, submissions, units
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, Channel
from tests.dialogue import (
    FULL_REPORT,
    Clock,
    Dialogue,
    answer_all,
    enrol,
    invite_code,
    statements,
    stored,
    until,
)


async def test_an_invite_names_the_unit_and_binds_the_reporter_after_confirming(
    engine: Engine, database: Database
) -> None:
    dialogue = Dialogue(engine)
    code = invite_code(database, "CB-SNV")
    reply = await dialogue.say(f"/start {code}")
    assert "Chi bộ Sở Nội vụ" in reply and "xác nhận" in reply
    assert dialogue.buttons() == ["join:yes", "join:no"]
    reply = await dialogue.press("join:yes")
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Nội vụ" in reply
    assert "Hạn báo cáo: 20/09/2022 (còn 5 ngày)" in reply
    assert "Câu 1. Chi bộ/đảng bộ của đồng chí đã tổ chức" in reply
    assert dialogue.buttons() == ["ans:held:self_organised", "ans:held:with_bloc", "ans:held:not_yet"]


async def test_a_full_report_is_walked_checked_summarised_and_submitted(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue)
    summary = dialogue.text
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in summary
    for line in (
        "2. Ngày học: 13/09/2022, 14/09/2022",
        "3. Hình thức: Trực tuyến",
        "4. Số điểm cầu: 2",
        "9. Đảng viên tham gia: 26",
        "11. Lý do vắng: Ốm đau, Đi công tác",
        "12. Vắng do ốm đau: 1",
        "13. Vắng do đi công tác: 1",
        "14. Học bù: Có",
        "19. Số, ký hiệu CTHĐ/KH: 05-KH/CB",
        "23. Ưu điểm: Cán bộ, đảng viên tham gia đầy đủ.",
        "24. Hạn chế, khó khăn: (bỏ qua)",
        "25. Kiến nghị, đề xuất: (bỏ qua)",
    ):
        assert line in summary
    assert "Ngày dự kiến" not in summary  # the "not yet held" branch was not taken
    assert dialogue.buttons() == ["submit", "edit"]
    reply = await dialogue.say("gửi")
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1) lúc 08:00 ngày 15/09/2022" in reply
    assert "muộn" not in reply
    _, versions = stored(database, loaded, "CB-SNV")
    assert versions == [
        {
            "held": "self_organised",
            "session_dates": ["2022-09-13", "2022-09-14"],
            "format": "online",
            "video_sites": 2,
            "sessions": 2,
            "presenter": "Đồng chí Nguyễn Văn An, Bí thư Chi bộ",
            "members_total": 30,
            "members_exempt": 2,
            "members_attended": 26,
            "key_officials": 5,
            "absent_reasons": ["sick", "business"],
            "absent_sick": 1,
            "absent_business": 1,
            "makeup": True,
            "makeup_date": "2022-09-15",
            "non_members": 10,
            "essays": 30,
            "action_plan": "issued",
            "action_plan_number": "05-KH/CB",
            "action_plan_date": "2022-09-10",
            "dissemination": ["website", "social_media"],
            "dissemination_items": 4,
            "strengths": "Cán bộ, đảng viên tham gia đầy đủ.",
            "weaknesses": None,
            "proposals": None,
        }
    ]


async def test_attendance_is_shown_as_a_vietnamese_percentage(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("members_attended"))
    reply = await dialogue.say("26")
    assert "Tỷ lệ tham gia: 26/28, đạt 92,86%" in reply


async def test_a_member_total_far_from_the_register_asks_for_confirmation(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("members_total"))
    assert "Theo sổ đơn vị: 29" in dialogue.text and "ans:members_total:29" in dialogue.buttons()
    reply = await dialogue.say("40")
    assert "chênh lệch quá 10% so với sổ đơn vị (29 đảng viên)" in reply
    assert dialogue.buttons() == ["warn:keep", "warn:retype"]
    reply = await dialogue.press("warn:retype")
    assert "Câu 7. Tổng số đảng viên" in reply
    reply = await dialogue.say("41")
    assert "chênh lệch quá 10%" in reply
    reply = await dialogue.say("42")  # neither yes nor no: a fresh answer, checked again
    assert "chênh lệch quá 10%" in reply and "“42”" in reply
    reply = await dialogue.say("có")  # keep it
    assert "Câu 8." in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["members_total"] == 42


async def test_a_rule_over_other_answers_refuses_and_asks_the_same_question(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("members_attended"))
    reply = await dialogue.say("250")
    assert "Số này không được lớn hơn 28 (tổng số đảng viên − đảng viên miễn sinh hoạt)." in reply
    assert "Câu 9. Số đảng viên tham gia học tập?" in reply
    reply = await dialogue.say("ba mươi")
    assert "Đồng chí vui lòng nhập một số nguyên" in reply and "Câu 9." in reply


@pytest.mark.parametrize(
    ("question", "typed", "message"),
    [
        ("session_dates", "1/5/2022", "Ngày không được trước 05/05/2022 (ngày ban hành Nghị quyết)."),
        ("session_dates", "20/9/2022", "Ngày không được sau 15/09/2022 (hôm nay)."),
        ("session_dates", "31/2", "Ngày 31/2 không có trên lịch"),
        ("sessions", "0", "Số này phải từ 1 trở lên."),
        ("presenter", "x" * 201, "Câu trả lời dài 201 ký tự; tối đa 200 ký tự."),
        ("key_officials", "27", "Số này không được lớn hơn 26 (đảng viên tham gia)."),
        ("essays", "40", "Số này không được lớn hơn 36 (đảng viên tham gia + quần chúng tham dự)."),
        ("action_plan_number", "kế hoạch năm", "Chưa đúng dạng. Đồng chí nhập số và ký hiệu dạng 05-KH/CB."),
        ("absent_reasons", "7", "Chỉ có các lựa chọn từ 1 đến 5."),
        ("makeup", "để xem", "Đồng chí trả lời “có” hoặc “không”."),
    ],
)
async def test_each_rule_has_its_own_message(
    engine: Engine, database: Database, question: str, typed: str, message: str
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until(question))
    before = dialogue.question.text
    reply = await dialogue.say(typed)
    assert message in reply
    assert dialogue.question.text == before  # the same question again


async def test_not_held_skips_to_the_action_plan(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:not_yet")
    assert "Dự kiến tổ chức vào ngày nào?" in dialogue.text
    reply = await dialogue.say("hôm qua")
    assert "Ngày không được trước 15/09/2022 (hôm nay)." in reply
    await dialogue.say("25/9")
    await dialogue.say("Chờ hội nghị cấp Khối")
    assert "Đã ban hành chương trình hành động" in dialogue.text
    await dialogue.say("chưa ban hành")
    await dialogue.say("5")  # dissemination: none → no count asked
    assert "Ưu điểm" in dialogue.text


async def test_nobody_absent_means_no_absence_questions(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("members_attended"))
    reply = await dialogue.say("28")
    assert "Câu 10. Trong đó, số cán bộ chủ chốt" in reply
    await dialogue.say("5")
    assert "Số quần chúng tham dự" in dialogue.text  # absent_reasons and makeup skipped


async def test_multi_choice_by_buttons_toggles_then_done(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("absent_reasons"))
    outcome_before = dialogue.question
    await dialogue.press("tog:absent_reasons:sick")
    assert dialogue.last.edit is not None and dialogue.last.edit.choices[0].label == "✅ Ốm đau"
    await dialogue.press("tog:absent_reasons:study")
    await dialogue.press("tog:absent_reasons:sick")  # unticked
    reply = await dialogue.press("done:absent_reasons")
    assert "Đã tổ chức học bù" in reply
    assert dialogue.last.edit is not None and dialogue.last.edit.text.endswith("➜ Đi học")
    assert outcome_before.choices[0].label == "Ốm đau"


async def test_summary_change_one_answer_then_back_to_the_summary(engine: Engine, database: Database) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue)
    reply = await dialogue.say("sửa câu 5")
    assert "Câu 5. Số buổi" in reply and "Câu trả lời hiện tại: 2" in reply
    reply = await dialogue.say("3")
    assert "5. Số buổi: 3" in reply and dialogue.buttons() == ["submit", "edit"]
    await dialogue.press("edit")
    assert "editq:members_exempt" in dialogue.buttons()
    reply = await dialogue.press("editq:members_exempt")
    assert "Câu 8." in reply
    reply = await dialogue.say("10")  # now attended (26) > 30 − 10: that answer must be given again
    assert "Câu 9 cần trả lời lại: Số này không được lớn hơn 20" in reply
    assert "Câu 9. Số đảng viên tham gia" in reply
    await dialogue.say("20")
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in dialogue.text
    assert "9. Đảng viên tham gia: 20" in dialogue.text
    assert "Học bù" not in dialogue.text and "Lý do vắng" not in dialogue.text  # nobody is absent now
    assert "Không có câu 99; các câu từ 1 đến 20." in await dialogue.say("sửa câu 99")


async def test_stop_anywhere_and_resume_at_the_same_question_after_a_restart(
    database: Database, loaded: Campaign, clock: Clock
) -> None:
    first = Dialogue(Engine(database, clock=clock))
    await enrol(first, database, "CB-SNV")
    await answer_all(first, until("members_total"))
    # A new engine on the same database: the process restarted.
    again = Dialogue(Engine(database, clock=clock))
    reply = await again.say("/baocao")
    assert "Tiếp tục báo cáo đang làm dở" in reply and "Câu 7. Tổng số đảng viên" in reply
    reply = await again.say("/huy")
    assert "Đã tạm dừng" in reply
    reply = await again.say("/baocao")
    assert "Câu 7." in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["presenter"] == "Đồng chí Nguyễn Văn An, Bí thư Chi bộ" and "members_total" not in draft


async def test_two_reporters_of_a_unit_share_one_draft(engine: Engine, database: Database, loaded: Campaign) -> None:
    secretary, deputy = Dialogue(engine, "1001"), Dialogue(engine, "1002")
    await enrol(secretary, database, "CB-SNV")
    await enrol(deputy, database, "CB-SNV")
    await answer_all(secretary, until("sessions"))
    reply = await deputy.say("/baocao")
    assert "Câu 5. Số buổi" in reply  # the deputy sees the secretary's answers
    await deputy.say("3")
    reply = await secretary.say("2")  # the secretary was still on question 5
    assert "vừa được người báo cáo khác của đơn vị trả lời" in reply and "Câu 6." in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["sessions"] == 3


async def test_view_and_amend_after_submitting_keeps_every_version(
    engine: Engine, database: Database, loaded: Campaign, clock: Clock
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    assert "Đơn vị chưa gửi báo cáo" in await dialogue.say("/xem")
    await answer_all(dialogue)
    await dialogue.say("gửi")
    reply = await dialogue.say("/xem")
    assert "Báo cáo của Chi bộ Sở Nội vụ (lần 1, gửi lúc 08:00 ngày 15/09/2022)" in reply and "5. Số buổi: 2" in reply
    assert "Đơn vị đã gửi báo cáo (lần 1)" in await dialogue.say("/baocao")
    clock.advance(days=1)
    reply = await dialogue.say("/sua")
    assert "Đồng chí muốn sửa câu nào?" in reply
    await dialogue.say("5")
    await dialogue.say("4")
    reply = await dialogue.press("submit")
    assert "(lần 2)" in reply
    _, versions = stored(database, loaded, "CB-SNV")
    assert [v["sessions"] for v in versions] == [2, 4]
    assert "(lần 2, gửi lúc 08:00 ngày 16/09/2022)" in await dialogue.say("/xem")


async def test_a_report_after_the_deadline_is_accepted_and_marked_late(
    engine: Engine, database: Database, loaded: Campaign, clock: Clock
) -> None:
    clock.now = datetime(2022, 9, 22, 3, tzinfo=UTC)
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    assert "đã quá hạn 2 ngày" in dialogue.text
    await answer_all(dialogue)
    reply = await dialogue.say("gửi")
    assert "Báo cáo gửi sau hạn 20/09/2022 nên được ghi nhận là gửi muộn." in reply
    assert "(gửi sau hạn)" in await dialogue.say("/xem")


async def test_after_the_campaign_closes_changes_are_refused_politely(
    engine: Engine, database: Database, loaded: Campaign, clock: Clock
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue)
    await dialogue.say("gửi")
    await dialogue.say("/sua")
    clock.now = datetime(2022, 10, 6, 3, tzinfo=UTC)  # closes_on 05/10/2022
    reply = await dialogue.say("5")
    assert "Đợt báo cáo đã kết thúc ngày 05/10/2022" in reply
    assert "Đợt báo cáo đã kết thúc ngày 05/10/2022" in await dialogue.say("/sua")
    assert "Đợt báo cáo đã kết thúc" in await dialogue.say("/baocao")
    assert "(lần 1," in await dialogue.say("/xem")  # still visible
    _, versions = stored(database, loaded, "CB-SNV")
    assert len(versions) == 1


async def test_an_update_delivered_twice_is_applied_once(engine: Engine, database: Database, loaded: Campaign) -> None:
    from bot.engine import Inbound
    from storage.models import Channel

    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    await answer_all(dialogue, until("sessions"))
    update = Inbound(Channel.telegram, "1001", "1001", text="2", event_id="777")
    first = await engine.handle(update)
    again = await engine.handle(update)
    assert "Câu 6." in first.replies[-1].text
    assert again.replies == []
    reply = await dialogue.say("Đồng chí Lê Thị Bình")  # the dialogue goes on at question 6
    assert "Câu 7." in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["sessions"] == 2 and draft["presenter"] == "Đồng chí Lê Thị Bình"


async def test_a_reporter_sees_only_their_own_units_report(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    noi_vu, van_hoa = Dialogue(engine, "1001"), Dialogue(engine, "1002")
    await enrol(noi_vu, database, "CB-SNV")
    await answer_all(noi_vu)
    await noi_vu.say("gửi")
    await enrol(van_hoa, database, "CB-SVH")
    assert "Câu 1." in van_hoa.text  # a fresh report, not the other unit's answers
    assert "Đơn vị chưa gửi báo cáo" in await van_hoa.say("/xem")
    assert "Chưa có câu trả lời nào để sửa" in await van_hoa.say("/sua")
    for data in ("submit", "edit", "editq:sessions", "ans:sessions:5"):  # buttons of the other unit's chat
        reply = await van_hoa.press(data)
        assert "Nội vụ" not in reply and "Nguyễn Văn An" not in reply
    draft, versions = stored(database, loaded, "CB-SVH")
    assert draft == {} and versions == []
    _, theirs = stored(database, loaded, "CB-SNV")
    assert len(theirs) == 1 and theirs[0]["sessions"] == 2  # untouched by the other chat


# --- what one answer costs the database (bench/report_steps.py measures the time; this pins the statements) ---


def first_words(sent: list[str]) -> list[str]:
    """Each statement as its first three words, upper case ("INSERT INTO INBOUNDEVENT")."""
    return [" ".join(statement.split()[:3]).upper() for statement in sent]


async def test_an_answer_is_one_read_and_four_writes(engine: Engine, database: Database) -> None:
    """Recording the update, reading the chat with everything the turn needs, saving the draft and the
    conversation, writing the reply to the outbox: five statements (and one COMMIT) for every typed answer,
    however far into the report. On PostgreSQL, where turns run side by side, a sixth holds the unit's shared
    draft (storage.submissions.lock_draft)."""
    engine.outbox.add(Channel.telegram)  # as the Telegram channel does: the reply is written in the turn
    lock = ["SELECT SUBMISSION.ID, SUBMISSION.CAMPAIGN_ID,"] if database.engine.dialect.name == "postgresql" else []
    dialogue = Dialogue(engine, "5001")
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:self_organised")  # the first answer also creates the unit's submission
    for number, (_, typed) in enumerate(FULL_REPORT[1:6], start=1):
        inbound = Inbound(Channel.telegram, "5001", "5001", text=typed, event_id=f"answer-{number}")
        with statements(database) as sent:
            reply = "\n".join(r.text for r in (await engine.handle(inbound)).replies)
        assert f"Câu {number + 2}." in reply, reply
        assert first_words(sent) == [
            "INSERT INTO INBOUNDEVENT",
            "SELECT CONVERSATION.ID, CONVERSATION.CHANNEL,",
            *lock,
            "UPDATE SUBMISSION SET",
            "UPDATE CONVERSATION SET",
            "INSERT INTO OUTBOX",
        ], sent
    with database.session() as session:
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None and unit.id is not None
        draft = submissions.get_submission(session, campaign_id=1, unit_id=unit.id)
        assert draft is not None and draft.draft_answers["presenter"] == "Đồng chí Nguyễn Văn An, Bí thư Chi bộ"


async def test_a_wrong_answer_writes_only_the_update_and_the_reply(engine: Engine, database: Database) -> None:
    """Nothing changed but the reply: the draft, the conversation and the person are not written again."""
    engine.outbox.add(Channel.telegram)
    lock = ["SELECT SUBMISSION.ID, SUBMISSION.CAMPAIGN_ID,"] if database.engine.dialect.name == "postgresql" else []
    dialogue = Dialogue(engine, "5001")
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:self_organised")
    inbound = Inbound(Channel.telegram, "5001", "5001", text="ngày mai nữa", event_id="wrong-date")
    with statements(database) as sent:
        reply = "\n".join(r.text for r in (await engine.handle(inbound)).replies)
    assert "Câu 2." in reply, reply  # the same question, asked again
    assert first_words(sent) == [
        "INSERT INTO INBOUNDEVENT",
        "SELECT CONVERSATION.ID, CONVERSATION.CHANNEL,",
        *lock,
        "INSERT INTO OUTBOX",
    ], sent
    with statements(database) as sent:  # delivered again: recorded once, nothing else done
        assert (await engine.handle(inbound)).replies == []
    assert first_words(sent) == ["INSERT INTO INBOUNDEVENT"], sent


@pytest.mark.parametrize(
    ("typed", "at_summary", "when_picking"),
    [
        ("sửa câu 5", 5, 5),
        ("Sua 12", 12, 12),
        ("edit question 3", 3, 3),
        ("change 7", 7, 7),
        ("5", None, 5),  # a bare number at the summary is not an edit
        ("câu 5", None, 5),
        ("sửa", None, None),
        ("sửa câu năm", None, None),
    ],
)
def test_which_answer_to_change_as_typed(typed: str, at_summary: int | None, when_picking: int | None) -> None:
    from bot.engine.dialogue import typed_edit
    from storage.units import fold

    assert typed_edit(fold(typed), bare_number=False) == at_summary
    assert typed_edit(fold(typed), bare_number=True) == when_picking


async def test_a_changed_questionnaire_keeps_the_answers_that_still_fit_and_asks_the_others_again(
    engine: Engine, database: Database, loaded: Campaign, nq15: CampaignSpec
) -> None:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, "CB-SNV")
    for kind, value in FULL_REPORT[:6]:  # held … presenter; the format answered "trực tuyến" (online)
        await (dialogue.press(value) if kind == "press" else dialogue.say(value))
    edited = nq15.model_dump(mode="json", by_alias=True)
    form = next(q for q in edited["questionnaire"] if q["id"] == "format")
    form["choices"] = [c for c in form["choices"] if c["id"] != "online"]  # "online" is no longer a choice
    with database.session() as session:
        assert campaigns.load_campaign(session, spec=CampaignSpec.model_validate(edited)).questionnaire_version == 2

    reply = await dialogue.say("/baocao")
    assert "Bộ câu hỏi vừa được cập nhật; 1 câu cần trả lời lại." in reply and "Câu 3. Hình thức" in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "format" not in draft and draft["presenter"] == "Đồng chí Nguyễn Văn An, Bí thư Chi bộ"
    with database.session() as session:
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None and unit.id is not None
        submission = submissions.get_submission(session, campaign_id=loaded.id or 0, unit_id=unit.id)
        assert submission is not None and submission.draft_questionnaire_version == 2
