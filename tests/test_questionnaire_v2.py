"""The questions behind the compiled report's figures (issue 14), in dialogues on the engine: absent members
by reason in people (adding up to the absent, one reason taking them all unasked, "Lý do khác" asking what), a
grassroots committee's affiliated cells x/y, the make-up session's dates, the sessions against their dates, a
unit that studied at the bloc's conference; and a draft begun under the first questionnaire going on."""

from __future__ import annotations

from datetime import date

import yaml

from bot.engine import Engine
from bot.engine import questionnaire as qn
from storage import campaigns, submissions, units
from storage.campaign_spec import CampaignSpec, parse_campaign
from storage.database import Database
from storage.models import Campaign, Channel
from tests.conftest import ROOT, SAMPLE_UNITS, SHIPPED_CAMPAIGN
from tests.dialogue import Clock, Dialogue, answer_all, enrol, invite_code, stored, until

FIRST_QUESTIONNAIRE = ROOT / "tests" / "data" / "nq15-questionnaire-v1.yaml"
# CB-SNV's report up to the absence: 30 members, 2 exempt, 23 attended: 5 absent.
FIVE_ABSENT = [*until("members_attended"), ("say", "23"), ("say", "3")]


async def reporter(engine: Engine, database: Database, unit: str = "CB-SNV") -> Dialogue:
    dialogue = Dialogue(engine)
    await enrol(dialogue, database, unit)
    return dialogue


async def test_the_counts_by_reason_add_up_to_the_absent(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, FIVE_ABSENT)
    reply = await dialogue.say("ốm, công tác, khác")
    assert "Số đảng viên vắng: 5." in reply and "Câu 12. Số đảng viên vắng do ốm đau?" in reply
    reply = await dialogue.say("4")  # the two reasons after it need one each
    assert (
        "Số này không được lớn hơn 3: vắng do ốm đau + vắng do đi công tác + vắng do lý do khác cộng lại phải bằng 5"
        " (tổng số đảng viên − đảng viên miễn sinh hoạt − đảng viên tham gia)." in reply
    )
    assert "Câu 12. " in reply
    await dialogue.say("2")
    reply = await dialogue.say("2")
    assert "Câu 14. Số đảng viên vắng do lý do khác?" in reply
    reply = await dialogue.say("2")  # 2 + 2 + 2 is not 5
    assert (
        "Số này phải là 1: vắng do ốm đau (2) + vắng do đi công tác (2) + vắng do lý do khác cộng lại phải bằng 5"
        in reply
    )
    reply = await dialogue.say("1")
    assert "Câu 15. Lý do khác là gì" in reply  # "Lý do khác" asks what
    await dialogue.say("Việc gia đình")
    draft, _ = stored(database, loaded, "CB-SNV")
    assert (draft["absent_sick"], draft["absent_business"], draft["absent_other"]) == (2, 2, 1)
    assert draft["absent_other_what"] == "Việc gia đình"
    assert "absent_study" not in draft and "absent_maternity" not in draft


async def test_one_reason_takes_every_absent_member_without_being_asked(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, FIVE_ABSENT)
    reply = await dialogue.say("đi học")
    assert "Câu 13. Đã tổ chức học bù" in reply and "vắng do đi học?" not in reply  # Câu 12 is given
    await answer_all(dialogue, [("say", "không"), ("say", "30/9"), *until("proposals")[-9:]])
    await dialogue.press("skip:proposals")
    assert "12. Vắng do đi học: 5" in dialogue.text  # the summary shows the count it stored
    await dialogue.say("gửi")
    _, versions = stored(database, loaded, "CB-SNV")
    assert versions[-1]["absent_reasons"] == ["study"] and versions[-1]["absent_study"] == 5
    assert not {"absent_sick", "absent_other", "absent_other_what"} & versions[-1].keys()
    reply = await dialogue.say("/baocao")
    assert "Đơn vị đã gửi báo cáo (lần 1)" in reply  # the version holds the given count: nothing is pending


async def test_a_count_left_from_two_reasons_is_not_carried_into_one(
    engine: Engine, database: Database, loaded: Campaign, nq15: CampaignSpec
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, [*FIVE_ABSENT, ("say", "1, 2"), ("say", "3"), ("say", "2")])
    await dialogue.say("sửa câu 11")
    reply = await dialogue.say("1")  # sickness only now: all five
    assert "cần trả lời lại" not in reply and "Câu 13. Đã tổ chức học bù" in reply
    draft, _ = stored(database, loaded, "CB-SNV")
    assert "absent_sick" not in draft  # the old 3 is dropped: the rule gives 5
    walk = qn.Walk(nq15.questionnaire, dict(draft), qn.context(nq15, today=date(2022, 9, 15), register_members=29))
    assert walk.final()["absent_sick"] == 5 and walk.given() == {"absent_sick": 5}


async def test_no_more_reasons_than_absent_members(engine: Engine, database: Database, loaded: Campaign) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, [*until("members_attended"), ("say", "27"), ("say", "3")])  # one absent
    reply = await dialogue.say("1, 2")
    assert (
        "Đồng chí chọn nhiều nhất 1 mục (tổng số đảng viên − đảng viên miễn sinh hoạt − đảng viên tham gia)." in reply
    )
    assert "Câu 11. Lý do vắng" in reply


async def test_the_make_up_session_is_not_before_the_last_session_and_a_planned_one_is_asked(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("makeup_date"))  # sessions on 13/9 and 14/9
    reply = await dialogue.say("13/9")
    assert "Ngày không được trước 14/09/2022 (ngày học)." in reply and "Câu 15. Ngày học bù?" in reply
    await dialogue.say("14/9")
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["makeup_date"] == "2022-09-14"

    await dialogue.say("sửa câu 14")
    reply = await dialogue.say("chưa")
    assert "Câu 15. Dự kiến tổ chức học bù vào ngày nào?" in reply
    reply = await dialogue.say("hôm qua")
    assert "Ngày không được trước 15/09/2022 (hôm nay)." in reply
    await dialogue.say("25/9")
    draft, _ = stored(database, loaded, "CB-SNV")
    assert draft["makeup"] is False and draft["makeup_planned_date"] == "2022-09-25"


async def test_sessions_that_do_not_fit_the_dates_are_confirmed(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, until("sessions"))  # two dates
    reply = await dialogue.say("1")
    assert "Đồng chí ghi 2 ngày học nhưng chỉ 1 buổi: mỗi ngày học có ít nhất một buổi." in reply
    assert dialogue.buttons() == ["warn:keep", "warn:retype"]
    await dialogue.press("warn:retype")
    reply = await dialogue.say("5")
    assert "5 buổi trong 2 ngày học: hơn hai buổi một ngày." in reply
    await dialogue.press("warn:retype")
    reply = await dialogue.say("4")  # two a day: no question
    assert "Câu 6. Báo cáo viên" in reply


async def test_a_unit_at_the_blocs_conference_is_not_asked_for_its_own_session(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database)
    await dialogue.press("ans:held:with_bloc")
    reply = await dialogue.say("13/9")
    assert "Câu 3. Tổng số đảng viên" in reply  # no form, video sites, sessions or presenter
    await answer_all(dialogue, [("say", "29"), ("say", "0"), ("say", "29"), ("say", "4"), ("say", "0")])
    assert "Câu 8. Số bài thu hoạch?" in dialogue.text
    draft, _ = stored(database, loaded, "CB-SNV")
    assert not {"format", "video_sites", "sessions", "presenter"} & draft.keys()


async def test_a_committee_gives_how_many_of_its_cells_held_the_session(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = await reporter(engine, database, "DB-SYT")  # three cells report through it (the sample register)
    await answer_all(dialogue, until("members_total"))
    assert "Câu 7. Đảng bộ có bao nhiêu chi bộ trực thuộc?" in dialogue.text
    assert "Theo sổ đơn vị: 3" in dialogue.text and "ans:cells_total:3" in dialogue.buttons()
    reply = await dialogue.say("4")
    assert "Sổ đơn vị ghi 3 chi bộ trực thuộc báo cáo qua đảng ủy." in reply
    await dialogue.press("warn:retype")
    await dialogue.press("ans:cells_total:3")
    reply = await dialogue.say("4")
    assert "Số này không được lớn hơn 3 (chi bộ trực thuộc)." in reply
    reply = await dialogue.say("2")
    assert "Chi bộ trực thuộc đã học tập: 2/3." in reply and "Câu 9. Tổng số đảng viên" in reply
    draft, _ = stored(database, loaded, "DB-SYT")
    assert (draft["cells_held"], draft["cells_total"]) == (2, 3)


async def test_a_committee_without_cells_reporting_through_it_and_a_cell_are_not_asked(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    for unit in ("DB-VPTU", "CB-SNV"):
        dialogue = Dialogue(engine, user_id=f"1{unit}")
        await enrol(dialogue, database, unit)
        await answer_all(dialogue, until("members_total"))
        assert "Câu 7. Tổng số đảng viên" in dialogue.text, unit


def first_questionnaire() -> CampaignSpec:
    """The shipped campaign with its first questionnaire (version 1: no counts by reason, no cells, no planned
    make-up date, every question of a held session asked)."""
    data = yaml.safe_load(SHIPPED_CAMPAIGN.read_text(encoding="utf-8"))
    data["questionnaire"] = yaml.safe_load(FIRST_QUESTIONNAIRE.read_text(encoding="utf-8"))["questionnaire"]
    return parse_campaign(data, str(FIRST_QUESTIONNAIRE))


def test_the_new_questionnaire_adds_questions_and_keeps_the_first_ones(nq15: CampaignSpec) -> None:
    first = [q.id for q in first_questionnaire().questionnaire]
    now = [q.id for q in nq15.questionnaire]
    assert [q for q in now if q in first] == first  # nothing removed or moved
    assert set(now) - set(first) == {
        *(f"absent_{r}" for r in ("sick", "business", "study", "maternity", "other", "other_what")),
        "cells_total",
        "cells_held",
        "makeup_planned_date",
    }


async def test_a_draft_begun_under_the_first_questionnaire_goes_on_under_the_new_one(
    database: Database, clock: Clock, nq15: CampaignSpec
) -> None:
    with database.session() as session:
        campaign = campaigns.load_campaign(session, spec=first_questionnaire()).campaign
        units.import_units(session, rows=units.read_units_csv(SAMPLE_UNITS), source="sample")
    engine = Engine(database, clock=clock)
    dialogue = await reporter(engine, database)
    await answer_all(dialogue, [*FIVE_ABSENT, ("say", "1, 2"), ("say", "có"), ("say", "13/9")])  # v1: no counts
    await answer_all(dialogue, [("say", "0"), ("say", "20")])
    await dialogue.say("/huy")
    draft, _ = stored(database, campaign, "CB-SNV")
    assert draft["makeup_date"] == "2022-09-13" and "absent_sick" not in draft

    with database.session() as session:
        result = campaigns.load_campaign(session, spec=nq15)
    assert (result.questionnaire_changed, result.questionnaire_version) == (True, 2)
    reply = await dialogue.say("/baocao")
    # The kept answers stay; the make-up date, now before the last session, is dropped with the reason said,
    # and asked again after the counts by reason (new questions).
    assert "Câu 15 cần trả lời lại" in reply and "Ngày không được trước 14/09/2022 (ngày học)" in reply
    assert "Câu 12. Số đảng viên vắng do ốm đau?" in reply
    await answer_all(dialogue, [("say", "3"), ("say", "2")])
    assert "Câu 15. Ngày học bù?" in dialogue.text
    await dialogue.say("15/9")
    draft, _ = stored(database, campaign, "CB-SNV")
    assert (draft["absent_sick"], draft["absent_business"], draft["makeup_date"]) == (3, 2, "2022-09-15")
    assert draft["non_members"] == 0 and draft["essays"] == 20  # answered under v1, kept
    with database.session() as session:
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None and unit.id is not None
        sub = submissions.get_submission(session, campaign_id=campaign.id or 0, unit_id=unit.id)
        assert sub is not None and sub.draft_questionnaire_version == 2


async def test_on_zalo_the_new_questions_are_answered_by_typing(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    dialogue = Dialogue(engine, "z-syt", Channel.zalo)
    await dialogue.say(invite_code(database, "DB-SYT"))
    await dialogue.say("xác nhận")
    typed = [("say", "1" if kind == "press" else text) for kind, text in until("members_total")]  # no buttons
    await answer_all(dialogue, typed)
    assert "Theo sổ đơn vị: 3. Gõ “3” nếu đúng, hoặc gõ số khác." in dialogue.text
    await answer_all(dialogue, [("say", "3"), ("say", "3"), ("say", "150"), ("say", "0"), ("say", "146")])
    await dialogue.say("4")  # key officials
    reply = await dialogue.say("1, 5")  # sickness and other reasons, by number
    assert "Số đảng viên vắng: 4." in reply and "Câu 14. Số đảng viên vắng do ốm đau?" in reply
    await dialogue.say("3")
    reply = await dialogue.say("2")
    assert "Số này phải là 1" in reply
    reply = await dialogue.say("1")
    assert "Câu 16. Lý do khác là gì" in reply
    draft, _ = stored(database, loaded, "DB-SYT")
    assert (draft["cells_held"], draft["cells_total"], draft["absent_sick"], draft["absent_other"]) == (3, 3, 3, 1)


def test_the_sum_rule_over_a_walk_says_what_is_left_and_asks_again_from_the_first_count_broken(
    nq15: CampaignSpec,
) -> None:
    context = qn.context(nq15, today=date(2022, 9, 15), register_members=29)
    draft = {
        "held": "with_bloc",
        "session_dates": ["2022-09-13"],
        "members_total": 30,
        "members_exempt": 2,
        "members_attended": 24,  # 4 absent
        "key_officials": 3,
        "absent_reasons": ["sick", "business", "other"],
        "absent_sick": 2,
    }
    walk = qn.Walk(nq15.questionnaire, dict(draft), context)
    business = nq15.question("absent_business")
    assert qn.rule_problem(business, 1, walk.values(), walk, "en") is None  # 2 + 1 leaves 1 for "other"
    assert "The number cannot be more than 1: " in (qn.rule_problem(business, 2, walk.values(), walk, "en") or "")
    assert walk.next_question() == business and walk.given() == {}
    walk.set("absent_sick", 4)  # stored as if under other figures: nothing is left for the two after it
    problem = qn.rule_problem(business, 1, walk.values(), walk, "en")
    assert problem == (
        "The numbers before already add up to 4, leaving too little for this one: absent: sickness (4) + absent:"
        " business trip + absent: other reasons must add up to 4 (total members − exempt members − members"
        " attended). Type “back” to change the number before."
    )
    walk.set("absent_sick", 2)
    walk.set("absent_business", 1)
    walk.set("absent_other", 1)
    walk.set("members_attended", 25)  # 3 absent: asked again from the first count broken, the later ones wait
    broken = walk.broken("vi", after="members_attended")
    assert [(q.id, p.split(":")[0]) for q, p in broken] == [("absent_sick", "Số này không được lớn hơn 1")]
