"""Property tests: arbitrary text and button data at every question type and in every conversation mode.

Whatever arrives, the engine answers (it never raises), every message it sends has text, a question heading
("Câu N. …") always names a question that applies at that number, and a stored draft never breaks a hard rule.
A typed answer that cannot be taken leaves the unit's draft as it was and asks the same question again.

Each scene (a chat standing at one question, or in one mode) is built once: the database is set up, the
reporter enrolled and the report walked to the scene, then the in-memory SQLite database is copied aside with
SQLite's backup API. Every example copies it back first, so every example starts from the same state and a
whole test stays fast. All examples of the module run on one event loop (`asyncio.Runner`), because
hypothesis drives a sync test function and pytest fixtures are not reset between examples.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import sqlite3
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import SQLModel, select

from bot import parsing
from bot.engine import Engine, Inbound, Outcome, Reply, enrolment
from bot.engine import questionnaire as qn
from bot.engine.dialogue import SKIP_WORDS, moves
from bot.texts import say
from storage import campaigns, people, submissions, units
from storage.campaign_spec import CampaignSpec, Question, QuestionType, load_campaign_file
from storage.database import Database
from storage.models import Channel, Conversation, ConversationMode
from tests.conftest import SAMPLE_UNITS, SHIPPED_CAMPAIGN
from tests.dialogue import FULL_REPORT, FULL_REPORT_QUESTIONS, Clock, Dialogue, answer_all, enrol, invite_code

Mode = ConversationMode
T = TypeVar("T")

USER = "1001"
UNIT = "CB-SNV"  # 29 members in the register
TODAY = date(2022, 9, 15)  # the Clock's day in Hà Nội
EXAMPLES = 100  # per test: the whole module takes about 25 s on 2 cores once the engine passes
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ASKED = "{asked}"  # in generated button data: replaced by the id of the question the scene stands at

ORDER = FULL_REPORT_QUESTIONS
SPEC: CampaignSpec = load_campaign_file(SHIPPED_CAMPAIGN)
QUESTIONS: dict[str, Question] = {q.id: q for q in SPEC.questionnaire}
HEADING = re.compile(r"Câu (\d+)\. (.*)")


# --- what people type ---

VIETNAMESE_WORDS = [
    "có",
    "không",
    "chưa",
    "rồi",
    "dạ",
    "ok",
    "hôm nay",
    "hôm qua",
    "bỏ qua",
    "không có",
    "gửi",
    "nộp",
    "sửa",
    "câu",
    "số",
    "ngày",
    "tháng",
    "năm",
    "và",
    "đồng chí",
    "Trực tiếp",
    "trực tuyến",
    "kết hợp",
    "Đã tự tổ chức",
    "chưa tổ chức",
    "Ốm đau",
    "đi công tác",
    "Thai sản",
    "lý do khác",
    "Mạng xã hội",
    "Bản tin",
    "Chi bộ Sở Nội vụ",
    "Đảng bộ",
    "05-KH/CB",
    "KH/CB",
    "Bí thư",
    "Nguyễn Văn An",
]
VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐÂĂÊÔƠƯ "
SEPARATORS = [".", ",", " ", "/", "-", "−", "，", ";", " và ", "\u00a0", "\t", "\n", "+", ":"]
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000\u2007\u200b\u2028\u2029\u202f\u3000\ufeff"
COMMANDS = [
    "/start",
    "/baocao",
    "/report",
    "/xem",
    "/view",
    "/sua",
    "/edit",
    "/huy",
    "/cancel",
    "/trogiup",
    "/help",
    "/START",
    "/baocao@nqbot_bot",
    "/lenhla",
    "/",
    "//",
]
DATE_FORMATS: list[Callable[[date], str]] = [
    lambda d: f"{d.day}/{d.month}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{d.day}-{d.month}-{d.year % 100:02d}",
    lambda d: d.isoformat(),
    lambda d: f"ngày {d.day}/{d.month}",
    lambda d: f"Ngày {d.day} / {d.month} / {d.year}",
    lambda d: f"{d.day}/{d.month}/{d.year}".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
]

digit_runs = st.text(alphabet="0123456789", min_size=1, max_size=8)
digits_with_separators = st.one_of(
    st.builds(
        lambda parts, sep: sep.join(parts), st.lists(digit_runs, min_size=1, max_size=5), st.sampled_from(SEPARATORS)
    ),
    st.text(alphabet="0123456789٠١٢٣٤٥²³¹⁰０１２３.,/-−， ", min_size=1, max_size=30),
    st.integers(min_value=-(10**9), max_value=10**12).map(str),
    st.builds(
        lambda n, word: f"{n} {word}", st.integers(-5, 10**8), st.sampled_from(["đồng chí", "người", "buổi", "đ/c"])
    ),
)
day_texts = st.one_of(
    st.builds(lambda d, fmt: fmt(d), st.dates(date(1990, 1, 1), date(2035, 12, 31)), st.sampled_from(DATE_FORMATS)),
    st.builds(lambda d, m, y: f"{d}/{m}/{y}", st.integers(0, 40), st.integers(0, 15), st.integers(0, 99999)),
    st.sampled_from(["hôm nay", "Hôm Nay", "hom qua", "today", "yesterday", "31/2", "29/2/2022", "0/0", "ngày"]),
)
dates = st.one_of(
    day_texts,
    st.builds(
        lambda days, sep: sep.join(days), st.lists(day_texts, min_size=1, max_size=12), st.sampled_from(SEPARATORS)
    ),
)
vietnamese = st.one_of(
    st.lists(st.sampled_from(VIETNAMESE_WORDS), min_size=1, max_size=6).map(" ".join),
    st.text(alphabet=VIETNAMESE_LETTERS, min_size=1, max_size=60),
    st.lists(st.sampled_from(VIETNAMESE_WORDS), min_size=1, max_size=4).map(
        lambda words: unicodedata.normalize("NFD", " ".join(words)).upper()
    ),
)
emoji = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
        st.sampled_from(["\u200d", "\ufe0f", "🇻", "🇳", "❤", "✅", "➜"]),
    ),
    min_size=1,
    max_size=12,
)
long_texts = st.one_of(
    st.builds(lambda piece, times: (piece * times)[:5000], st.text(min_size=1, max_size=30), st.integers(100, 5000)),
    st.integers(4250, 5000).map(lambda n: "9" * n),
    st.builds(
        lambda n, lead: lead + "1" * n, st.integers(4250, 4990), st.sampled_from(["", "sửa ", "sửa câu ", "edit "])
    ),
)
whitespace = st.text(alphabet=WHITESPACE, max_size=20)
commands = st.builds(
    lambda command, gap, argument: f"{command}{gap}{argument}",
    st.sampled_from(COMMANDS),
    st.sampled_from(["", " ", "  ", "\n", "\t"]),
    st.text(max_size=40),
)
control = st.lists(
    st.one_of(
        st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp"]),
        st.sampled_from(["\x00", "\x00\x00", "\x1b[31m", "\u202e", "\ufffd", "a\x00b", "1\x002"]),
    ),
    min_size=1,
    max_size=12,
).map("".join)
junk_pieces = st.one_of(digits_with_separators, dates, vietnamese, emoji, whitespace, control, st.text(max_size=20))
junk = st.one_of(
    st.text(),
    digits_with_separators,
    dates,
    vietnamese,
    emoji,
    long_texts,
    whitespace,
    commands,
    control,
    st.lists(junk_pieces, min_size=2, max_size=5).map("".join),
)


def realistic(question: Question) -> st.SearchStrategy[str]:
    """What a reporter might type at this question, right or nearly right."""
    match question.type:
        case QuestionType.single_choice | QuestionType.multi_choice:
            words = [c.vi for c in question.choices] + [c.id for c in question.choices]
            words += [c.vi[: len(c.vi) // 2] for c in question.choices]
            numbers = [str(n) for n in range(0, len(question.choices) + 3)] + ["số 2", "2.", "(1)"]
            pick = st.sampled_from(words + numbers)
            return st.one_of(
                pick,
                st.builds(
                    lambda items, sep: sep.join(items),
                    st.lists(pick, min_size=1, max_size=6),
                    st.sampled_from(SEPARATORS),
                ),
            )
        case QuestionType.integer:
            return digits_with_separators
        case QuestionType.date | QuestionType.date_list:
            return dates
        case QuestionType.yes_no:
            return st.one_of(
                st.sampled_from(["có", "Có.", "không", "ko", "k", "chưa", "rồi", "dạ", "1", "2", "yes", "no", "ok!"]),
                st.lists(st.sampled_from(VIETNAMESE_WORDS), min_size=1, max_size=4).map(" ".join),
            )
        case QuestionType.text:
            return st.one_of(
                st.from_regex(r"\d{1,4}-(KH|CTr|CTHĐ|NQ)/[\wĐđ.-]{1,12}", fullmatch=True),
                st.sampled_from(["bỏ qua", "Bỏ Qua", "skip", "-", "không có", "khong co"]),
                vietnamese,
            )
    return st.text()


def typed(question_id: str) -> st.SearchStrategy[str]:
    return st.one_of(junk, realistic(QUESTIONS[question_id]))


summary_words = st.one_of(
    st.sampled_from(["gửi", "Gửi", "nộp", "gửi báo cáo", "send", "submit", "sửa", "edit", "change", "sửa câu"]),
    st.builds(
        lambda word, number: f"{word} {number}",
        st.sampled_from(["sửa", "sửa câu", "Sửa Câu", "edit", "edit question", "change", "câu", ""]),
        st.one_of(st.integers(-3, 40), st.integers(10**6, 10**30), st.sampled_from(["٣", "²", "０", "1.5", "1,2"])),
    ),
)

question_ids = [q.id for q in SPEC.questionnaire]
choice_ids = sorted({c.id for q in SPEC.questionnaire for c in q.choices})
button_kinds = ["ans", "tog", "done", "skip", "editq", "edit", "join", "camp", "warn", "submit", "report", "", "x"]
button_values = st.one_of(
    st.sampled_from([*choice_ids, "yes", "no", "keep", "retype", "", "0", "1", "29", "99999999999", "-1", " 1"]),
    st.sampled_from(["²", "³", "¹⁰", "⑤", "፩", "🄂"]),  # str.isdigit() holds, yet int() cannot read them
    st.sampled_from(["Ⅻ", "ↂ", "½"]),  # numeric, not digits
    st.sampled_from(["٣", "１", "߃", "০", "௧", "𝟠"]),  # decimal digits of other scripts: int() reads them
    st.text(max_size=20),
)
some_question = st.sampled_from([ASKED, ASKED, ASKED, *question_ids])
button_data = st.one_of(
    st.text(max_size=80),
    st.builds(lambda kind, rest: f"{kind}:{rest}"[:80], st.sampled_from(button_kinds), st.text(max_size=40)),
    st.builds(
        lambda kind, qid, value: f"{kind}:{qid}:{value}"[:80],
        st.sampled_from(["ans", "tog"]),
        some_question,
        button_values,
    ),
    st.builds(lambda kind, qid: f"{kind}:{qid}", st.sampled_from(["done", "skip", "editq"]), some_question),
    st.builds(lambda rest: f"camp:{rest}", st.one_of(st.integers(-1, 4).map(str), button_values)),
    st.builds(lambda kind, rest: f"{kind}:{rest}", st.sampled_from(["join", "warn"]), button_values),
    st.sampled_from([*button_kinds, ":", "::", "ans:", "editq:", "camp:", "join:", "report:x", "submit:now"]),
)


# --- the scenes ---


@dataclass(frozen=True)
class State:
    """What one turn may change: the unit's draft and versions, the chat's step, whether the person joined."""

    draft: dict[str, Any]
    versions: int
    mode: Mode | None
    question_id: str | None
    enrolled: bool


def read_state(database: Database, campaign_id: int, unit_id: int) -> State:
    with database.session() as session:
        query = select(Conversation).where(
            Conversation.channel == Channel.telegram, Conversation.channel_user_id == USER
        )
        conversation = session.exec(query).first()
        person = people.find_person(session, channel=Channel.telegram, user_id=USER)
        submission = submissions.get_submission(session, campaign_id=campaign_id, unit_id=unit_id)
        return State(
            draft=dict(submission.draft_answers) if submission else {},
            versions=submission.latest_version if submission else 0,
            mode=conversation.mode if conversation else None,
            question_id=conversation.question_id if conversation else None,
            enrolled=person is not None and person.unit_id is not None,
        )


@dataclass
class Scene:
    """A chat standing somewhere in the dialogue, restored to that point before every example."""

    name: str
    database: Database
    engine: Engine
    working: sqlite3.Connection  # the in-memory database's one connection
    snapshot: sqlite3.Connection
    campaign_id: int
    unit_id: int
    context: dict[str, Any]
    initial: State

    def restore(self) -> None:
        self.snapshot.backup(self.working)

    async def say(self, text: str) -> Outcome:
        """Restore the scene, then send `text`."""
        self.restore()
        return await self.send(text=text)

    async def press(self, data: str) -> Outcome:
        """Restore the scene, then press a button carrying `data`."""
        self.restore()
        return await self.send(button=data)

    async def send(self, *, text: str | None = None, button: str | None = None) -> Outcome:
        """One more event where the chat stands now (no restore)."""
        outcome = self.engine.handle(Inbound(Channel.telegram, USER, USER, text=text, button=button))
        return await outcome if inspect.isawaitable(outcome) else outcome  # handle() may be sync or async

    def state(self) -> State:
        return read_state(self.database, self.campaign_id, self.unit_id)

    def walk(self, draft: dict[str, Any]) -> qn.Walk:
        return qn.Walk(SPEC.questionnaire, dict(draft), self.context)

    def heading(self, question_id: str, draft: dict[str, Any]) -> str:
        """The first line of the question as the engine asks it: "Câu 9. Số đảng viên tham gia học tập?"."""
        return f"Câu {self.walk(draft).number(question_id)}. {QUESTIONS[question_id].text.get('vi')}"

    @property
    def asked(self) -> Question:
        assert self.initial.question_id is not None, f"{self.name} stands at no question"
        return QUESTIONS[self.initial.question_id]

    def close(self) -> None:
        self.snapshot.close()
        self.database.dispose()


async def _setup(name: str, dialogue: Dialogue, database: Database) -> None:
    """Bring the chat to the scene `name`."""
    if name in ORDER:
        await enrol(dialogue, database, UNIT)
        await answer_all(dialogue, FULL_REPORT[: ORDER.index(name)])
    elif name == "editing":
        await enrol(dialogue, database, UNIT)
        await answer_all(dialogue)
        await dialogue.say("sửa câu 5")  # sessions, an integer
    elif name == "warning":
        await enrol(dialogue, database, UNIT)
        await answer_all(dialogue, FULL_REPORT[: ORDER.index("members_total")])
        await dialogue.say("40")  # more than 10 % off the register's 29
    elif name in ("summary", "pick_edit", "idle"):
        await enrol(dialogue, database, UNIT)
        await answer_all(dialogue)
        if name == "pick_edit":
            await dialogue.press("edit")
        if name == "idle":
            await dialogue.say("gửi")  # submitted: nothing under way
    elif name == "confirm_join":
        await dialogue.say(f"/start {invite_code(database, UNIT)}")
    elif name == "pick_campaign":
        with database.session() as session:
            second = SPEC.model_copy(update={"code": "nq-test-2", "title": "Đợt báo cáo thứ hai"})
            campaigns.load_campaign(session, spec=second)
        await enrol(dialogue, database, UNIT)
    else:
        assert name == "stranger", name


EXPECTED_MODE = {
    "editing": Mode.editing,
    "warning": Mode.confirm_warning,
    "summary": Mode.summary,
    "pick_edit": Mode.pick_edit,
    "idle": Mode.idle,
    "confirm_join": Mode.confirm_join,
    "pick_campaign": Mode.pick_campaign,
    "stranger": None,
}


async def _build(name: str) -> Scene:
    database = Database("sqlite://")
    SQLModel.metadata.create_all(database.engine)
    with database.session() as session:
        loaded = campaigns.load_campaign(session, spec=SPEC)
        units.import_units(session, rows=units.read_units_csv(SAMPLE_UNITS), source="sample")
        unit = units.get_unit(session, code=UNIT)
    campaign = loaded.campaign
    assert unit is not None and unit.id is not None and campaign.id is not None
    engine = Engine(database, clock=Clock())
    await _setup(name, Dialogue(engine, USER), database)
    with database.engine.connect() as connection:
        working = connection.connection.driver_connection
    assert isinstance(working, sqlite3.Connection)
    snapshot = sqlite3.connect(":memory:", check_same_thread=False)
    working.backup(snapshot)
    context = {
        "today": TODAY,
        "report_deadline": campaign.report_deadline,
        "board_deadline": campaign.board_deadline,
        "closes_on": campaign.closes_on,
        "resolution_date": SPEC.resolution.date,
        "register_members": unit.member_count,
    }
    initial = read_state(database, campaign.id, unit.id)
    scene = Scene(name, database, engine, working, snapshot, campaign.id, unit.id, context, initial)
    expected = Mode.answering if name in ORDER else EXPECTED_MODE[name]
    assert scene.initial.mode is expected, f"scene {name}: mode {scene.initial.mode}, expected {expected}"
    if name in ORDER or name == "editing":
        assert scene.initial.question_id == (name if name in ORDER else "sessions")
    return scene


class Stage:
    """One event loop for the module's examples, and every scene built at most once."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.scenes: dict[str, Scene] = {}

    def run(self, awaitable: Awaitable[T]) -> T:
        async def main() -> T:
            return await awaitable

        return self.runner.run(main())

    def scene(self, name: str) -> Scene:
        if name not in self.scenes:
            self.scenes[name] = self.run(_build(name))
        return self.scenes[name]

    def close(self) -> None:
        for scene in self.scenes.values():
            scene.close()
        self.runner.close()


@pytest.fixture(scope="module")
def stage() -> Iterator[Stage]:
    stage = Stage()
    yield stage
    stage.close()


# --- what must hold after any event ---


def _messages(outcome: Outcome) -> list[Reply]:
    return [*outcome.replies, *([outcome.edit] if outcome.edit else [])]


def check_answered(outcome: Outcome) -> None:
    """Typed text always gets at least one message, and no message is empty."""
    assert outcome.replies, "no reply at all"
    for reply in outcome.replies:
        assert reply.text.strip(), f"an empty reply in {outcome!r}"


def check_acknowledged(outcome: Outcome) -> None:
    """A pressed button gets a notice, an edit of its message or a reply; none of them empty."""
    assert outcome.replies or outcome.edit or outcome.notice, "a button press left unacknowledged"
    for reply in _messages(outcome):
        assert reply.text.strip(), f"an empty message in {outcome!r}"
    assert outcome.notice is None or outcome.notice.strip(), "an empty notice"


def check_sane(scene: Scene, outcome: Outcome, after: State) -> None:
    """Every question heading names an applicable question at its number; the draft breaks no hard rule."""
    walk = scene.walk(after.draft)
    applicable = walk.applicable()
    for reply in _messages(outcome):
        heading = HEADING.fullmatch(reply.text.split("\n", 1)[0])
        if heading is None:
            continue
        number, text = int(heading[1]), heading[2]
        assert 1 <= number <= len(applicable), (
            f"“{reply.text.splitlines()[0]}” but only {len(applicable)} questions apply"
        )
        assert applicable[number - 1].text.get("vi") == text, (
            f"“{reply.text.splitlines()[0]}”: question {number} is “{applicable[number - 1].text.get('vi')}”"
        )
    assert walk.broken("vi") == [], f"the stored draft breaks a rule: {walk.broken('vi')}"


def changed_answers(before: State, after: State) -> set[str]:
    return {k for k in before.draft.keys() | after.draft.keys() if before.draft.get(k, ...) != after.draft.get(k, ...)}


def first_line(reply: Reply) -> str:
    return reply.text.split("\n", 1)[0]


async def typed_answer(scene: Scene, text: str) -> None:
    """Text sent while a question is asked (answering or editing): taken and the next step shown, or refused
    with a reason and the same question asked again, the draft untouched."""
    question, before = scene.asked, scene.initial
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert after.versions == before.versions
    stripped = text.strip()
    if stripped.startswith("/"):  # a command, not an answer
        assert after.draft == before.draft
        return
    if not stripped:
        assert after.draft == before.draft and after.mode is before.mode
        assert [r.text for r in outcome.replies] == [say("input.type_text")]
        return
    if moves(units.fold(stripped)):  # "quay lại", "sửa câu 3": moving, never an answer
        assert after.draft == before.draft
        return
    skipped = question.optional and units.fold(stripped) in SKIP_WORDS
    try:
        value = None if skipped else qn.read(question, stripped, TODAY, "vi")
    except qn.Unsure:  # "khoảng 30": asked back, nothing stored yet
        assert after.mode is Mode.confirm_warning and after.draft == before.draft
        return
    except qn.AnswerError as exc:
        unreadable: str | None = str(exc)
    else:
        unreadable = None
    asked_again = first_line(outcome.replies[-1]) == scene.heading(question.id, before.draft)
    if unreadable is not None:
        assert asked_again, f"unreadable ({unreadable}) yet not asked again: {outcome.replies[-1].text[:300]!r}"
        assert outcome.replies[0].text == unreadable
    if asked_again:
        assert after.draft == before.draft, "refused, yet the draft changed"
        assert after.mode is before.mode and after.question_id == question.id
        assert len(outcome.replies) >= 2 and outcome.replies[0].text.strip(), "asked again without saying why"
    elif after.mode is Mode.confirm_warning:
        assert after.draft == before.draft, "a warned answer was stored before it was confirmed"
        assert [b.data for row in outcome.replies[-1].buttons for b in row] == ["warn:keep", "warn:retype"]
    else:
        assert after.draft == {**before.draft, question.id: question.encode(value)}
        last = outcome.replies[-1]
        moved_on = HEADING.fullmatch(first_line(last)) or last.text.startswith("Báo cáo của Chi bộ Sở Nội vụ:")
        assert moved_on, f"answer taken, but then: {last.text[:300]!r}"
        assert first_line(last) != scene.heading(question.id, after.draft)


async def pressed_at_question(scene: Scene, data: str) -> None:
    """Any button data while a question is asked: acknowledged; at most that question's answer changes."""
    before = scene.initial
    outcome = await scene.press(data)
    after = scene.state()
    check_acknowledged(outcome)
    check_sane(scene, outcome, after)
    assert changed_answers(before, after) <= {scene.asked.id}
    if changed_answers(before, after):
        assert data.partition(":")[0] in ("ans", "skip", "done"), f"{data!r} changed the answer"
    assert after.versions == before.versions and after.enrolled


# --- typed answers, one test per question type ---


@FUZZ
@given(text=typed("format"))
def test_arbitrary_text_at_a_single_choice_question_is_taken_or_the_question_asked_again(
    stage: Stage, text: str
) -> None:
    scene = stage.scene("format")
    assert scene.asked.type is QuestionType.single_choice
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("absent_reasons"))
def test_arbitrary_text_at_a_multi_choice_question_is_taken_or_the_question_asked_again(
    stage: Stage, text: str
) -> None:
    scene = stage.scene("absent_reasons")
    assert scene.asked.type is QuestionType.multi_choice
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("members_attended"))
def test_arbitrary_text_at_an_integer_question_is_taken_or_the_question_asked_again(stage: Stage, text: str) -> None:
    scene = stage.scene("members_attended")
    assert scene.asked.type is QuestionType.integer
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("makeup_date"))
def test_arbitrary_text_at_a_date_question_is_taken_or_the_question_asked_again(stage: Stage, text: str) -> None:
    scene = stage.scene("makeup_date")
    assert scene.asked.type is QuestionType.date
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("session_dates"))
def test_arbitrary_text_at_a_date_list_question_is_taken_or_the_question_asked_again(stage: Stage, text: str) -> None:
    scene = stage.scene("session_dates")
    assert scene.asked.type is QuestionType.date_list
    stage.run(typed_answer(scene, text))


@pytest.mark.parametrize("question_id", ["action_plan_number", "presenter", "weaknesses"])
@FUZZ
@given(text=typed("presenter"))  # the strategy depends on the type only
def test_arbitrary_text_at_a_text_question_is_taken_or_the_question_asked_again(
    stage: Stage, question_id: str, text: str
) -> None:
    """A pattern (05-KH/CB), a plain length limit, and an optional question that "bỏ qua" skips."""
    scene = stage.scene(question_id)
    assert scene.asked.type is QuestionType.text
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("makeup"))
def test_arbitrary_text_at_a_yes_no_question_is_taken_or_the_question_asked_again(stage: Stage, text: str) -> None:
    scene = stage.scene("makeup")
    assert scene.asked.type is QuestionType.yes_no
    stage.run(typed_answer(scene, text))


@FUZZ
@given(text=typed("sessions"))
def test_arbitrary_text_while_changing_an_answer_is_taken_or_the_question_asked_again(stage: Stage, text: str) -> None:
    scene = stage.scene("editing")
    assert scene.initial.mode is Mode.editing
    stage.run(typed_answer(scene, text))


# --- typed text in the other modes ---


async def typed_at_warning(scene: Scene, text: str) -> None:
    """Keep, retype, or a fresh answer: at most members_total changes, and then only to a valid answer."""
    before = scene.initial
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert changed_answers(before, after) <= {"members_total"}
    if after.mode in (Mode.answering, Mode.confirm_warning) and after.question_id == "members_total":
        assert after.draft == before.draft
    if after.mode is Mode.answering and after.question_id == "members_total":
        assert first_line(outcome.replies[-1]) == scene.heading("members_total", before.draft)


@FUZZ
@given(text=typed("members_total"))
def test_arbitrary_text_at_a_soft_warning_keeps_retypes_or_asks_again(stage: Stage, text: str) -> None:
    stage.run(typed_at_warning(stage.scene("warning"), text))


async def typed_at_summary(scene: Scene, text: str) -> None:
    """The summary: submit, change one answer, or the summary again; the draft itself never changes."""
    before = scene.initial
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert after.draft == before.draft
    last = outcome.replies[-1]
    if text.strip().startswith("/"):
        return
    no_such = last.text.startswith("Không có câu")  # "sửa câu 99": the mode stays
    if not text.strip():
        assert [r.text for r in outcome.replies] == [say("input.type_text")] and after.mode is before.mode
    elif after.mode is Mode.summary:
        shown_again = last.text.startswith("Báo cáo của Chi bộ Sở Nội vụ:")
        assert shown_again or no_such, f"summary mode, but then: {last.text[:300]!r}"
    elif after.mode is Mode.editing:
        assert after.question_id is not None and HEADING.fullmatch(first_line(last))
    elif after.mode is Mode.pick_edit:
        assert last.text.startswith("Đồng chí muốn sửa câu nào?") or no_such, f"then: {last.text[:300]!r}"
    else:
        assert after.mode is Mode.idle and after.versions == before.versions + 1, f"then {after} after {text!r}"
        assert units.fold(text) in {"gui", "nop", "gui bao cao", "send", "submit"}


@FUZZ
@given(text=st.one_of(junk, summary_words))
@example(text="sửa " + "9" * 4301)  # edit_number(int(…)): int() refuses over 4300 digits, ValueError escapes
def test_arbitrary_text_at_the_summary_is_answered_and_never_changes_the_draft(stage: Stage, text: str) -> None:
    stage.run(typed_at_summary(stage.scene("summary"), text))


@FUZZ
@given(text=st.one_of(junk, summary_words))
@example(text="9" * 4301)  # edit_number(int(…)): int() refuses over 4300 digits, ValueError escapes
def test_arbitrary_text_when_picking_an_answer_to_change_is_answered_and_never_changes_the_draft(
    stage: Stage, text: str
) -> None:
    stage.run(typed_at_summary(stage.scene("pick_edit"), text))


async def typed_when_idle(scene: Scene, text: str) -> None:
    before = scene.initial
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert after.draft == before.draft and after.versions == before.versions
    if not text.strip().startswith("/"):
        assert after.mode is Mode.idle
        expected = say("input.type_text") if not text.strip() else say("idle.hint")
        assert [r.text for r in outcome.replies] == [expected]


@FUZZ
@given(text=junk)
def test_arbitrary_text_with_nothing_under_way_gets_a_hint(stage: Stage, text: str) -> None:
    stage.run(typed_when_idle(stage.scene("idle"), text))


async def typed_at_join(scene: Scene, text: str) -> None:
    """Confirming an invite: yes joins, no declines, anything else asks the yes/no question again."""
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert after.draft == {} and after.versions == 0
    if text.strip().startswith("/"):
        return
    try:
        yes: bool | None = parsing.parse_yes_no(text.strip())
    except parsing.ParseError:
        yes = None
    assert after.enrolled is (yes is True)
    if yes is None:
        assert after.mode is Mode.confirm_join
        last = outcome.replies[-1]
        assert last.text == say("join.yes_or_no")
        assert [b.data for row in last.buttons for b in row] == ["join:yes", "join:no"]
    else:
        assert after.mode in (Mode.idle, Mode.answering)


@FUZZ
@given(text=st.one_of(junk, typed("makeup")))
def test_arbitrary_text_while_confirming_an_invite_joins_declines_or_asks_again(stage: Stage, text: str) -> None:
    stage.run(typed_at_join(stage.scene("confirm_join"), text))


async def typed_by_stranger(scene: Scene, text: str) -> None:
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert not after.enrolled and after.draft == {}
    assert after.mode in (None, Mode.idle)
    if not text.strip().startswith("/"):
        greeting = say("start.stranger")
        unknown_code = say("join.unknown", left=enrolment.WRONG_CODES_ALLOWED - 1)  # the chat's first wrong code
        assert [r.text for r in outcome.replies] in ([greeting], [unknown_code])


@FUZZ
@given(
    text=st.one_of(
        junk,
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=16),
        st.from_regex(r"(?:dk |ĐK: |mã )?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}", fullmatch=True),  # short codes, typed
    )
)
def test_arbitrary_text_from_a_stranger_gets_a_greeting_and_enrols_nobody(stage: Stage, text: str) -> None:
    stage.run(typed_by_stranger(stage.scene("stranger"), text))


async def typed_when_picking_a_campaign(scene: Scene, text: str) -> None:
    before = scene.initial
    outcome = await scene.say(text)
    after = scene.state()
    check_answered(outcome)
    check_sane(scene, outcome, after)
    assert after.draft == before.draft and after.versions == 0
    if not text.strip():
        assert [r.text for r in outcome.replies] == [say("input.type_text")]
    elif after.mode is Mode.pick_campaign and not text.strip().startswith("/"):
        assert outcome.replies[-1].text == say("campaign.pick")
        assert len(outcome.replies[-1].choices) == 2


@FUZZ
@given(text=st.one_of(junk, st.sampled_from(["1", "2", "3", "0", "Đợt báo cáo thứ hai", "thứ hai", "Nghị quyết"])))
def test_arbitrary_text_when_two_campaigns_are_open_picks_one_or_asks_again(stage: Stage, text: str) -> None:
    stage.run(typed_when_picking_a_campaign(stage.scene("pick_campaign"), text))


# --- button data in every mode ---


@pytest.mark.parametrize("question_id", ["format", "absent_reasons", "members_attended", "makeup_date", "makeup"])
@FUZZ
@given(data=button_data)
@example(data=f"ans:{ASKED}:²")  # integer questions: "²".isdigit() holds, int("²") raises ValueError
def test_arbitrary_button_data_at_a_question_is_acknowledged_and_changes_only_that_answer(
    stage: Stage, question_id: str, data: str
) -> None:
    scene = stage.scene(question_id)
    stage.run(pressed_at_question(scene, data.replace(ASKED, scene.asked.id)))


@FUZZ
@given(data=button_data)
@example(data=f"ans:{ASKED}:²")
def test_arbitrary_button_data_while_changing_an_answer_is_acknowledged_and_changes_only_that_answer(
    stage: Stage, data: str
) -> None:
    scene = stage.scene("editing")
    stage.run(pressed_at_question(scene, data.replace(ASKED, scene.asked.id)))


async def pressed_in_mode(scene: Scene, data: str) -> None:
    """Any button data outside a question: acknowledged, the draft untouched (a warning's "keep" aside)."""
    before = scene.initial
    outcome = await scene.press(data)
    after = scene.state()
    check_acknowledged(outcome)
    check_sane(scene, outcome, after)
    if scene.name == "warning":
        assert changed_answers(before, after) <= {"members_total"}
    else:
        assert after.draft == before.draft
    if scene.name in ("stranger", "confirm_join"):
        assert after.enrolled is (scene.name == "confirm_join" and data == "join:yes")
    if after.versions != before.versions:
        assert scene.name == "summary" and data.partition(":")[0] == "submit"
        assert after.versions == before.versions + 1


@pytest.mark.parametrize(
    "name", ["warning", "summary", "pick_edit", "idle", "confirm_join", "stranger", "pick_campaign"]
)
@FUZZ
@given(data=button_data)
@example(data="editq:planned_date")  # a question that does not apply is asked, as "Câu 24." of 23
@example(data="camp:²")  # two campaigns open: "²".isdigit() holds, int("²") raises ValueError
def test_arbitrary_button_data_in_any_mode_is_acknowledged_and_leaves_the_draft(
    stage: Stage, name: str, data: str
) -> None:
    scene = stage.scene(name)
    asked = scene.initial.question_id or "held"
    stage.run(pressed_in_mode(scene, data.replace(ASKED, asked)))


# --- a few events in a row ---

ATTENDANCE = re.compile(r"Tỷ lệ tham gia: [\d.]+/[\d.]+, đạt [\d.]+,\d\d%")
steps = st.lists(
    st.one_of(
        st.tuples(st.just("say"), st.one_of(typed("members_exempt"), st.integers(0, 35).map(str))),
        st.tuples(st.just("press"), button_data),
    ),
    min_size=1,
    max_size=4,
)


async def in_a_row(scene: Scene, events: list[tuple[str, str]]) -> None:
    """After every event: answered, sane, and the attendance line a real percentage."""
    scene.restore()
    for kind, content in events:
        asked = scene.state().question_id or "held"
        if kind == "say":
            outcome = await scene.send(text=content)
            check_answered(outcome)
        else:
            outcome = await scene.send(button=content.replace(ASKED, asked))
            check_acknowledged(outcome)
        after = scene.state()
        check_sane(scene, outcome, after)
        for line in (line for reply in _messages(outcome) for line in reply.text.splitlines()):
            if line.startswith("Tỷ lệ tham gia:"):
                assert ATTENDANCE.fullmatch(line), f"the attendance line reads “{line}”"


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(events=steps)
@example(events=[("say", "30"), ("say", "0")])  # every member exempt: "Tỷ lệ tham gia: 0/0, đạt —%"
def test_a_few_arbitrary_messages_in_a_row_keep_the_dialogue_sane(stage: Stage, events: list[tuple[str, str]]) -> None:
    stage.run(in_a_row(stage.scene("members_exempt"), events))


def test_the_scenes_restore_to_the_same_state_after_any_example(stage: Stage) -> None:
    """The harness itself: an accepted answer is undone by the next example's restore."""
    scene = stage.scene("members_attended")
    stage.run(scene.say("26"))
    assert "members_attended" in scene.state().draft
    scene.restore()
    assert scene.state() == scene.initial
    assert scene.initial.draft.keys() == set(ORDER[: ORDER.index("members_attended")])
