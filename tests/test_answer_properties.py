"""Properties of typed answers over the shipped campaign: a choice is stored only when the reply names it
unambiguously (its number, id, label, alias, or the first words of a label whose first word no other choice
uses), and an exclusive choice never stands with others, typed or pressed.

The naming rule is written here again, from the issue's words, as the oracle `named`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import questionnaire as qn
from storage.campaign_spec import Choice, Question, QuestionType, load_campaign_file, name_key
from storage.models import Campaign
from storage.models import ConversationMode as Mode
from storage.units import fold
from tests.conftest import SHIPPED_CAMPAIGN
from tests.dialogue import stored
from tests.test_engine_fuzz import Scene, Stage
from tests.test_typed_answers import TODAY

SPEC = load_campaign_file(SHIPPED_CAMPAIGN)
CHOICE_QUESTIONS = [q for q in SPEC.questionnaire if q.choices]
COURTESY = re.compile(r"^(?:(?:dạ|thưa) )+|(?: (?:ạ|nhé|nha|nhe|à))+$")  # on the reply's words, lower case
SEPARATOR = re.compile(r"[,;+\n]|\s+(?:và|va|and|với|voi)\s+", re.IGNORECASE)


def named(question: Question, text: str) -> set[str]:
    """The ids of the choices a whole reply names."""
    key = name_key(COURTESY.sub("", " ".join(re.findall(r"[^\W_]+", text.lower()))))
    number_typed = re.fullmatch(r"(?:so )?([0-9]+)", key)
    found = set()
    for number, choice in enumerate(question.choices, 1):
        if key in choice.names() or (number_typed and int(number_typed[1]) == number):
            found.add(choice.id)
        label = name_key(choice.vi).split()
        others = {word for c in question.choices if c is not choice for name in c.names() for word in name.split()}
        if label[0] not in others and key and label[: len(key.split())] == key.split():
            found.add(choice.id)
    return found


def items(text: str) -> list[str]:
    """The reply and its parts: split at commas, "và", …, and numbers at spaces ("1 3")."""
    parts = [p.strip() for p in SEPARATOR.split(text) if p.strip()]
    return [text, *parts, *(n for p in parts if re.fullmatch(r"[\d\s.]+", p) for n in p.split())]


def _reply_pieces(question: Question) -> st.SearchStrategy[str]:
    names = [n for c in question.choices for n in (c.id, c.vi, c.en or c.vi, *c.aliases)]
    words = sorted({w for c in question.choices for w in c.vi.split()})
    numbers = [str(i) for i in range(0, len(question.choices) + 2)]
    fragment = st.lists(st.sampled_from(words), min_size=1, max_size=3).map(" ".join)
    piece = st.one_of(
        st.sampled_from(names),
        st.sampled_from(numbers),
        st.sampled_from(numbers).map("số {}".format),
        fragment,
        st.sampled_from(["có", "không", "chưa", "rồi", "đã", "ạ", "dạ", "tin", "học", "khác"]),
        st.text(max_size=8),
    )
    styled = st.tuples(piece, st.sampled_from([str, str.upper, str.lower, fold])).map(lambda p: p[1](p[0]))
    return st.tuples(st.sampled_from(["", "Dạ, ", " "]), styled, st.sampled_from(["", " ạ", ".", "!", " "])).map(
        "".join
    )


def replies(question: Question) -> st.SearchStrategy[str]:
    return st.lists(_reply_pieces(question), min_size=1, max_size=3).flatmap(
        lambda pieces: st.sampled_from([", ", " và ", "; ", " ", "\n"]).map(lambda sep: sep.join(pieces))
    )


def read(question: Question, text: str) -> Any:
    try:
        return qn.read(question, text, TODAY, "vi")
    except (qn.AnswerError, qn.Unsure):
        return None


@pytest.mark.parametrize("question", CHOICE_QUESTIONS, ids=[q.id for q in CHOICE_QUESTIONS])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_stored_choice_is_one_the_reply_names_unambiguously(question: Question, data: st.DataObject) -> None:
    text = data.draw(replies(question))
    value = read(question, text)
    if value is None:
        return
    if question.type is QuestionType.single_choice:
        assert named(question, text) == {value}, f"{text!r} stored as {value!r}"
        return
    assert value, f"{text!r} stored as no choice"
    for choice_id in value:  # each by the whole reply or one of its parts, naming it and nothing else
        assert any(named(question, part) == {choice_id} for part in items(text)), f"{text!r}: {choice_id!r}?"
    assert not (len(value) > 1 and any(c.exclusive for c in question.choices if c.id in value))


@pytest.mark.parametrize("question", CHOICE_QUESTIONS, ids=[q.id for q in CHOICE_QUESTIONS])
def test_every_name_of_a_choice_picks_that_choice(question: Question) -> None:
    for number, choice in enumerate(question.choices, 1):
        for name in (str(number), f"số {number}", choice.id, choice.vi, choice.en or choice.vi, *choice.aliases):
            expected = choice.id if question.type is QuestionType.single_choice else [choice.id]
            assert qn.read(question, name, TODAY, "vi") == expected, name


MULTI = [q for q in CHOICE_QUESTIONS if q.type is QuestionType.multi_choice]


def _exclusive_with_others(question: Question, value: list[str]) -> bool:
    exclusive = {c.id for c in question.choices if c.exclusive}
    return len(value) > 1 and bool(exclusive & set(value))


@pytest.mark.parametrize("question", MULTI, ids=[q.id for q in MULTI])
@given(data=st.data())
def test_an_exclusive_choice_never_stands_with_others_typed_or_pressed(question: Question, data: st.DataObject) -> None:
    ids = [c.id for c in question.choices]
    picked = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    value = [i for i in ids if i in picked]  # as the buttons' Xong gives it, in choice order
    walk = qn.Walk(SPEC.questionnaire, {}, qn.context(SPEC, today=TODAY, register_members=40))
    pressed = qn.rule_problem(question, value, walk.values(), walk, "vi")
    assert (pressed is not None) == _exclusive_with_others(question, value)
    typed = ", ".join(str(ids.index(i) + 1) for i in data.draw(st.permutations(picked)))
    if _exclusive_with_others(question, value):
        with pytest.raises(qn.AnswerError):
            qn.read(question, typed, TODAY, "vi")
    else:
        assert qn.read(question, typed, TODAY, "vi") == value


def test_the_shipped_campaign_has_an_exclusive_choice_to_test() -> None:
    exclusive: list[Choice] = [c for q in MULTI for c in q.choices if c.exclusive]
    assert [c.id for c in exclusive] == ["none"]


# --- the dialogue: what a submitted version holds ---
# From a unit that has sent its report, a reporter types a few edits and answers (some changing which
# questions apply: "chưa" at Câu 1, fewer members, no make-up, no propaganda), then finishes the report the
# plain way and sends it. Every version sent holds answers to questions that apply to it, and nothing else.

FINISH = {  # an answer each question always takes, whatever came before
    "held": "1",
    "planned_date": "hôm nay",
    "not_held_reason": "Chưa sắp xếp được lịch",
    "session_dates": "13/9",
    "format": "1",
    "video_sites": "2",
    "sessions": "2",
    "presenter": "Nguyễn Văn An, Bí thư",
    "cells_total": "3",
    "cells_held": "2",
    "members_total": "30",
    "members_exempt": "0",
    "members_attended": "0",
    "key_officials": "0",
    "absent_reasons": "1",
    "absent_sick": "1",  # a count by reason: 1, but the last of those asked takes what is left (remaining())
    "absent_business": "1",
    "absent_study": "1",
    "absent_maternity": "1",
    "absent_other": "1",
    "absent_other_what": "Việc gia đình",
    "makeup": "không",
    "makeup_date": "hôm nay",
    "makeup_planned_date": "30/9",
    "non_members": "0",
    "essays": "0",
    "action_plan": "1",
    "action_plan_number": "05-KH/CB",
    "action_plan_date": "10/9/2022",
    "dissemination": "1",
    "dissemination_items": "0",
    "strengths": "bỏ qua",
    "weaknesses": "bỏ qua",
    "proposals": "bỏ qua",
}
assert FINISH.keys() == {q.id for q in SPEC.questionnaire}
edits = st.lists(
    st.one_of(
        st.sampled_from(["/sua", "/baocao", "/xem", "gửi", "quay lại", "/huy"]),
        st.integers(1, 25).map("sửa câu {}".format),
        st.sampled_from(["chưa", "đã tổ chức", "3", "2", "1", "0", "28", "40", "không", "có", "ko", "hôm nay"]),
        st.sampled_from(["chưa tuyên truyền", "1, 5", "ốm, đi", "khoảng 20", "15-16/9", "thứ 2 tuần trước"]),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    stage = Stage()
    yield stage
    stage.close()


def remaining(scene: Scene, question_id: str) -> str:
    """FINISH's answer, but for the last question of a sum group: what the group's total leaves for it."""
    question = SPEC.question(question_id)
    with scene.database.session() as session:
        campaign = session.get(Campaign, scene.campaign_id)
    assert campaign is not None
    draft, _ = stored(scene.database, campaign, "CB-SNV")
    walk = qn.Walk(SPEC.questionnaire, dict(draft), scene.context)
    group = qn.sum_group(walk.applicable(), question)
    if not group or group[-1].id != question_id:
        return FINISH[question_id]
    values = walk.values()
    total = qn.expression(str(group[-1].sum.equals)).evaluate(values) if group[-1].sum else None
    assert isinstance(total, int), f"{question_id}: the group's total is {total!r}"
    return str(total - sum(values.get(q.id) or 0 for q in group[:-1]))


async def _edit_then_send(scene: Scene, events: list[str]) -> list[dict[str, Any]]:
    """The events, then every question asked answered from FINISH, warnings kept, and the report sent."""
    scene.restore()
    for text in events:
        await scene.send(text=text)
    for _ in range(60):
        state = scene.state()
        if state.mode in (Mode.answering, Mode.editing) and state.question_id in FINISH:
            await scene.send(text=remaining(scene, state.question_id))
        elif state.mode is Mode.confirm_warning:
            await scene.send(button="warn:keep")
        elif state.mode is Mode.summary:
            await scene.send(button="submit")
        elif state.mode is Mode.pick_edit:
            await scene.send(text="/baocao")
        else:
            break
    with scene.database.session() as session:
        campaign = session.get(Campaign, scene.campaign_id)
    assert campaign is not None
    _, versions = stored(scene.database, campaign, "CB-SNV")
    return versions


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=edits)
def test_a_sent_version_holds_only_answers_to_questions_that_apply(stage: Stage, events: list[str]) -> None:
    scene = stage.scene("idle")  # the full report sent once (version 1)
    versions = stage.run(_edit_then_send(scene, events))
    assert versions, "the unit's sent report is gone"
    for number, answers in enumerate(versions, 1):
        walk = qn.Walk(SPEC.questionnaire, dict(answers), scene.context)
        applying = {q.id for q in walk.applicable()}
        assert answers.keys() <= applying, f"version {number} answers {sorted(answers.keys() - applying)}"
        for question in (SPEC.question(qid) for qid in answers if SPEC.question(qid).choices):
            value = answers[question.id]
            chosen = value if isinstance(value, list) else [value]
            assert set(chosen) <= {c.id for c in question.choices}
            assert not (question.type is QuestionType.multi_choice and qn.exclusive_problem(question, value, "vi"))
