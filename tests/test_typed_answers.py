"""What a unit secretary types at each question of the shipped campaign, and what the bot makes of it: the
answer stored, the question asked again (with the exact message), or a reading to confirm ("khoảng 30").

Each reply goes through qn.read and then the question's hard rules (qn.rule_problem), as the dialogue does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from bot import formatting
from bot.engine import questionnaire as qn
from bot.texts import say
from storage.campaign_spec import CampaignSpec, Question, QuestionType, load_campaign_file, name_key
from tests.conftest import SHIPPED_CAMPAIGN

TODAY = date(2022, 9, 16)  # a Friday
SPEC: CampaignSpec = load_campaign_file(SHIPPED_CAMPAIGN)
# Answers under which every question applies (a unit that held the session online, with absentees, …).
EARLIER = {
    "held": "self_organised",
    "format": "hybrid",
    "members_total": 40,
    "members_exempt": 2,
    "members_attended": 30,
    "non_members": 5,
    "makeup": True,
    "action_plan": "issued",
    "dissemination": ["website"],
}


@dataclass(frozen=True)
class Stored:
    value: Any  # as stored (JSON: dates as ISO strings)


@dataclass(frozen=True)
class Asked:
    message: str  # the question is asked again after it


@dataclass(frozen=True)
class Confirm:
    value: Any
    message: str


def typed(question_id: str, text: str) -> Stored | Asked | Confirm:
    question = SPEC.question(question_id)
    walk = qn.Walk(SPEC.questionnaire, dict(EARLIER), qn.context(SPEC, today=TODAY, register_members=40))
    try:
        value = qn.read(question, text, TODAY, "vi")
    except qn.AnswerError as exc:
        return Asked(str(exc))
    except qn.Unsure as exc:
        return Confirm(question.encode(exc.value), exc.message)
    problem = qn.rule_problem(question, value, {**walk.values(), question_id: value}, walk, "vi")
    return Asked(problem) if problem else Stored(question.encode(value))


def t(key: str, **params: object) -> str:
    return say(key, "vi", **params)


def pick(text: str, *numbered: str) -> Asked:
    """Asked to pick among these choices (as "2. Trực tuyến")."""
    return Asked(t("parse.choice.ambiguous", text=text, matches="\n".join(numbered)))


def unknown(text: str, count: int) -> Asked:
    return Asked(t("parse.choice.unknown", text=text, count=count))


def confirm(text: str, value: Any) -> Confirm:
    shown = formatting.value([date.fromisoformat(d) for d in value] if isinstance(value, list) else value)
    return Confirm(value, t("parse.approximate", text=text, value=shown))


def not_after_today() -> Asked:
    why = t("rule.because", source=t("context.today"))
    return Asked(t("rule.not_after", date="16/09/2022", why=why))


HELD = ("1. Đã tự tổ chức", "2. Đã học cùng hội nghị cấp Khối", "3. Chưa tổ chức")
FORMAT = ("1. Trực tiếp", "2. Trực tuyến", "3. Kết hợp trực tiếp và trực tuyến")
NOT_YET_NONE = t("rule.exclusive", choice="Chưa tuyên truyền", others="Bản tin")
YES_NO = Asked(t("parse.yes_no.unclear"))
LONG = "Chi bộ chúng tôi đã tổ chức học tập nghiêm túc theo đúng kế hoạch của Đảng ủy Khối ạ"

CASES = [
    # --- a pick-one question: Câu 1, held ---
    pytest.param("held", "đã học", pick("đã học", *HELD[:2]), id="held: 'đã học' is a fragment of two labels"),
    pytest.param("held", "đã", pick("đã", *HELD[:2]), id="held: 'đã' leads two labels"),
    pytest.param("held", "Đã học cùng", pick("Đã học cùng", *HELD[:2]), id="held: a longer fragment too"),
    pytest.param("held", "hội nghị", pick("hội nghị", HELD[1]), id="held: a middle fragment is never taken"),
    pytest.param("held", "tổ chức", pick("tổ chức", HELD[0], HELD[2]), id="held: 'tổ chức' fits two"),
    pytest.param("held", "có", unknown("có", 3), id="held: 'có' names no choice"),
    pytest.param("held", "đã tổ chức", Stored("self_organised"), id="held: alias 'đã tổ chức'"),
    pytest.param("held", "da to chuc", Stored("self_organised"), id="held: alias without diacritics"),
    pytest.param("held", "Rồi ạ", Stored("self_organised"), id="held: 'rồi' is the unit's own session"),
    pytest.param("held", "chưa", Stored("not_yet"), id="held: 'chưa' is not yet held"),
    pytest.param("held", "Dạ, chưa tổ chức ạ.", Stored("not_yet"), id="held: label with courtesy words"),
    pytest.param("held", "học cùng khối", Stored("with_bloc"), id="held: alias for the bloc's conference"),
    pytest.param("held", "ĐÃ HỌC CÙNG HỘI NGHỊ CẤP KHỐI", Stored("with_bloc"), id="held: the whole label"),
    pytest.param("held", "số 2", Stored("with_bloc"), id="held: by number"),
    pytest.param("held", "not yet", Stored("not_yet"), id="held: the English label"),
    pytest.param("held", "4", Asked(t("parse.choice.out_of_range", count=3)), id="held: a number out of range"),
    pytest.param("held", "trực tiếp", unknown("trực tiếp", 3), id="held: another question's choice"),
    pytest.param("held", LONG, pick(formatting.quote(LONG), *HELD), id="held: a long reply is quoted short"),
    # --- a pick-one question: format ---
    pytest.param("format", "trực", pick("trực", *FORMAT), id="format: 'trực' leads two, sits in three"),
    pytest.param("format", "tuyến", pick("tuyến", *FORMAT[1:]), id="format: 'tuyến' is in two labels"),
    pytest.param("format", "kết hợp", Stored("hybrid"), id="format: 'kết hợp' leads one label only"),
    pytest.param("format", "Kết", Stored("hybrid"), id="format: its unique first word"),
    pytest.param("format", "qua mạng", Stored("online"), id="format: alias 'qua mạng'"),
    pytest.param("format", "online", Stored("online"), id="format: the id"),
    pytest.param("format", "trực tiếp và trực tuyến", Stored("hybrid"), id="format: both, as an alias"),
    pytest.param("format", "cả 2", Stored("hybrid"), id="format: 'cả 2' is words, not the number 2"),
    # --- a pick-several question: absent_reasons ---
    pytest.param("absent_reasons", "ốm", Stored(["sick"]), id="absent: 'ốm' for 'Ốm đau'"),
    pytest.param("absent_reasons", "ốm, công tác", Stored(["sick", "business"]), id="absent: two by alias"),
    pytest.param("absent_reasons", "Ốm đau và đi học", Stored(["sick", "study"]), id="absent: joined by 'và'"),
    pytest.param("absent_reasons", "1 3", Stored(["sick", "study"]), id="absent: numbers with a space"),
    pytest.param("absent_reasons", "5; việc riêng", Stored(["other"]), id="absent: one choice twice"),
    pytest.param("absent_reasons", "đi", pick("đi", "2. Đi công tác", "3. Đi học"), id="absent: 'đi' leads two"),
    pytest.param("absent_reasons", "ốm, đi", pick("đi", "2. Đi công tác", "3. Đi học"), id="absent: a bad item"),
    pytest.param("absent_reasons", "6", Asked(t("parse.choice.out_of_range", count=5)), id="absent: out of range"),
    # --- a pick-several question with an exclusive choice: dissemination ---
    pytest.param("dissemination", "chưa", Stored(["none"]), id="dissemination: 'chưa' is none yet"),
    pytest.param("dissemination", "Không có", Stored(["none"]), id="dissemination: 'không có'"),
    pytest.param("dissemination", "chưa tuyên truyền, bản tin", Asked(NOT_YET_NONE), id="dissemination: none+1"),
    pytest.param("dissemination", "5 2", Asked(NOT_YET_NONE), id="dissemination: none with others by number"),
    pytest.param("dissemination", "trang web, facebook", Stored(["website", "social_media"]), id="diss: aliases"),
    pytest.param("dissemination", "1,2, 3", Stored(["website", "bulletin", "social_media"]), id="diss: numbers"),
    pytest.param("dissemination", "tin", pick("tin", "1. Trang thông tin điện tử", "2. Bản tin"), id="diss: 'tin'"),
    pytest.param("dissemination", "lồng ghép", Stored(["meetings"]), id="dissemination: leading words"),
    # --- action_plan: here 'đã' leads one label only ---
    pytest.param("action_plan", "đã", Stored("issued"), id="action_plan: 'đã' names one choice here"),
    pytest.param("action_plan", "đang", Stored("drafting"), id="action_plan: 'đang'"),
    pytest.param("action_plan", "có rồi", Stored("issued"), id="action_plan: 'có rồi'"),
    pytest.param("action_plan", "chưa", Stored("not_yet"), id="action_plan: 'chưa'"),
    pytest.param("action_plan", "ban hành", pick("ban hành", "1. Đã ban hành", "3. Chưa ban hành"), id="plan: part"),
    # --- yes / no: makeup ---
    pytest.param("makeup", "vâng", Stored(True), id="yes_no: vâng"),
    pytest.param("makeup", "Dạ vâng", Stored(True), id="yes_no: dạ vâng"),
    pytest.param("makeup", "đồng ý", Stored(True), id="yes_no: đồng ý"),
    pytest.param("makeup", "ừ", Stored(True), id="yes_no: ừ"),
    pytest.param("makeup", "ừ đúng rồi", Stored(True), id="yes_no: ừ đúng rồi"),
    pytest.param("makeup", "đúng rồi", Stored(True), id="yes_no: đúng rồi"),
    pytest.param("makeup", "có ạ", Stored(True), id="yes_no: có ạ"),
    pytest.param("makeup", "đã tổ chức học bù rồi", Stored(True), id="yes_no: the question's own words"),
    pytest.param("makeup", "chưa", Stored(False), id="yes_no: chưa"),
    pytest.param("makeup", "không", Stored(False), id="yes_no: không"),
    pytest.param("makeup", "không có", Stored(False), id="yes_no: không có"),
    pytest.param("makeup", "không đồng ý", Stored(False), id="yes_no: không đồng ý is no"),
    pytest.param("makeup", "chưa học bù", Stored(False), id="yes_no: chưa + the question's words"),
    pytest.param("makeup", "chưa rõ", YES_NO, id="yes_no: chưa rõ is unclear, not no"),
    pytest.param("makeup", "có lẽ", YES_NO, id="yes_no: có lẽ is unclear, not yes"),
    pytest.param("makeup", "không biết", YES_NO, id="yes_no: không biết is unclear"),
    # --- integers ---
    pytest.param("members_total", "28 đ/c", Stored(28), id="integer: 28 đ/c"),
    pytest.param("members_total", "30 đ.c", Stored(30), id="integer: 30 đ.c"),
    pytest.param("members_total", "30 đv", Stored(30), id="integer: 30 đv"),
    pytest.param("members_total", "30 người", Stored(30), id="integer: 30 người"),
    pytest.param("members_total", "30 đồng chí", Stored(30), id="integer: 30 đồng chí"),
    pytest.param("members_total", "khoảng 30", confirm("khoảng 30", 30), id="integer: khoảng 30 is confirmed"),
    pytest.param("members_total", "tầm 30 đ/c", confirm("tầm 30 đ/c", 30), id="integer: tầm 30"),
    pytest.param("members_total", "hơn 30", confirm("hơn 30", 30), id="integer: hơn 30"),
    pytest.param("members_total", "30-35", Asked(t("parse.integer.range", text="30-35")), id="integer: a range"),
    pytest.param("members_total", "không", Asked(t("rule.min", min="1", why="")), id="integer: 0 where not allowed"),
    pytest.param("members_exempt", "không", Stored(0), id="integer: không for 0"),
    pytest.param("members_exempt", "không có", Stored(0), id="integer: không có for 0"),
    pytest.param("members_exempt", "ko", Stored(0), id="integer: ko for 0"),
    pytest.param("members_exempt", "-3", Asked(t("parse.integer.negative")), id="integer: negative"),
    pytest.param("video_sites", "2 điểm cầu", Stored(2), id="integer: with the question's unit"),
    # --- a list of dates: session_dates ---
    pytest.param("session_dates", "15-16/9", Stored(["2022-09-15", "2022-09-16"]), id="dates: 15-16/9"),
    pytest.param("session_dates", "15, 16/9", Stored(["2022-09-15", "2022-09-16"]), id="dates: 15, 16/9"),
    pytest.param("session_dates", "15/9 - 16/9", Stored(["2022-09-15", "2022-09-16"]), id="dates: 15/9 - 16/9"),
    pytest.param("session_dates", "15 và 16/9", Stored(["2022-09-15", "2022-09-16"]), id="dates: 15 và 16/9"),
    pytest.param("session_dates", "hôm kia", Stored(["2022-09-14"]), id="dates: hôm kia"),
    pytest.param("session_dates", "thứ 2 tuần trước", Stored(["2022-09-05"]), id="dates: thứ 2 tuần trước"),
    pytest.param("session_dates", "thứ hai tuần này", Stored(["2022-09-12"]), id="dates: thứ hai tuần này"),
    pytest.param("session_dates", "chủ nhật vừa rồi", Stored(["2022-09-11"]), id="dates: chủ nhật vừa rồi"),
    pytest.param("session_dates", "thứ 6", Stored(["2022-09-16"]), id="dates: a bare weekday, today"),
    pytest.param("session_dates", "thứ 7", Stored(["2022-09-10"]), id="dates: a bare weekday, last one"),
    pytest.param(
        "session_dates", "thứ 2, thứ 3 tuần trước", Stored(["2022-09-05", "2022-09-06"]), id="dates: two weekdays"
    ),
    pytest.param("session_dates", "khoảng 15/9", confirm("khoảng 15/9", ["2022-09-15"]), id="dates: khoảng 15/9"),
    pytest.param("session_dates", "ngày mai", not_after_today(), id="dates: tomorrow is after today"),
    pytest.param("session_dates", "17-18/9", not_after_today(), id="dates: a range ending after today"),
    pytest.param("session_dates", "15/9 và", Stored(["2022-09-15"]), id="dates: a trailing 'và'"),
    pytest.param("session_dates", "15-16", Asked(t("parse.date.invalid_day", text="15-16")), id="dates: no month"),
    # --- one date ---
    pytest.param("makeup_date", "hôm qua", Stored("2022-09-15"), id="date: hôm qua"),
    pytest.param("makeup_date", "15-16/9", Asked(t("parse.date.one_only", count=2)), id="date: two days for one"),
    pytest.param("planned_date", "thứ 6 tuần sau", Stored("2022-09-23"), id="date: thứ 6 tuần sau"),
    pytest.param("planned_date", "ngày mai", Stored("2022-09-17"), id="date: ngày mai"),
    pytest.param(
        "planned_date",
        "thứ 2",
        Asked(t("rule.not_before", date="16/09/2022", why=t("rule.because", source=t("context.today")))),
        id="date: a bare weekday is never ahead",
    ),
    # --- free text ---
    pytest.param("presenter", "  Nguyễn Văn A,   Bí thư ", Stored("Nguyễn Văn A, Bí thư"), id="text: trimmed"),
    pytest.param("presenter", "   ", Asked(t("parse.text.empty")), id="text: empty"),
]


@pytest.mark.parametrize(("question_id", "text", "expected"), CASES)
def test_what_a_typed_reply_becomes(question_id: str, text: str, expected: Stored | Asked | Confirm) -> None:
    assert typed(question_id, text) == expected


def test_the_table_covers_every_question_type_and_enough_cases() -> None:
    types = {SPEC.question(case.values[0]).type for case in CASES}  # type: ignore[arg-type]
    assert types == set(QuestionType) and len(CASES) >= 60


def _fragments(label: str) -> set[str]:
    """Every run of a label's words but the whole label."""
    words = label.split()
    return {" ".join(words[i:j]) for i, j in itertools.combinations(range(len(words) + 1), 2)} - {label}


CHOICE_QUESTIONS = [q for q in SPEC.questionnaire if q.choices]


@pytest.mark.parametrize("question", CHOICE_QUESTIONS, ids=[q.id for q in CHOICE_QUESTIONS])
def test_no_fragment_of_a_label_is_stored_as_a_choice_it_does_not_name(question: Question) -> None:
    """A fragment is stored only when it is an alias of that very choice, or the first words of its label
    whose first word no other choice uses; otherwise it is asked again."""
    for choice, fragment in ((c, f) for c in question.choices for f in _fragments(c.vi)):
        outcome = typed(question.id, fragment)
        if not isinstance(outcome, Stored):
            continue
        (stored,) = outcome.value if isinstance(outcome.value, list) else [outcome.value]
        named = next(c for c in question.choices if c.id == stored)
        key = name_key(fragment)
        others = [c for c in question.choices if c is not named]
        leads = name_key(named.vi).startswith(key + " ") and not any(
            key.split()[0] in name.split() for c in others for name in c.names()
        )
        assert key in named.names() or leads, f"{fragment!r} of {choice.vi!r} stored as {named.vi!r}"
