"""Two reporters of one unit (secretary and deputy) share one draft, even at the same moment.

On PostgreSQL turns run side by side (four worker threads, and several webhook processes may share the
database): each test makes both reporters' turns read the draft before either writes (`interleaved`), the
moment a lost update or a duplicate version would happen. On SQLite turns run one at a time
(storage.database.Database.run): the same tests then check the same outcome in the serial order.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.engine import Engine, Inbound
from storage import chats
from storage.database import Database
from storage.models import Campaign, Channel
from tests.dialogue import FULL_REPORT, Clock, Dialogue, answer_all, invite_code, stored

ANSWERED_ELSEWHERE = "vừa được người báo cáo khác của đơn vị trả lời"
ROUNDS = 10


@contextmanager
def interleaved(database: Database, turns: int = 2) -> Iterator[None]:
    """Each turn, once it has read its chat (and the unit's draft with it), waits for the others to have
    read theirs: then they all go on at once. On SQLite turns cannot overlap, so nothing waits."""
    if database.engine.dialect.name == "sqlite":
        yield
        return
    all_read = threading.Barrier(turns, timeout=20)
    chat_of, met = chats.chat_of, []

    def read_then_wait(*args: Any, **kwargs: Any) -> chats.Chat:
        chat = chat_of(*args, **kwargs)
        all_read.wait()
        met.append(True)
        return chat

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chats, "chat_of", read_then_wait)
        yield
    assert len(met) == turns, "every turn read its chat before any went on"


async def at_once(database: Database, *steps: Awaitable[str]) -> list[str]:
    """The replies to steps sent at the same moment (on PostgreSQL, each read before any writes)."""
    with interleaved(database, len(steps)):
        return list(await asyncio.gather(*steps))


async def reporter(engine: Engine, database: Database, user_id: str, name: str) -> Dialogue:
    """A reporter of CB-SNV called `name`, enrolled with an invite of their own."""
    dialogue = Dialogue(engine, user_id)
    code = invite_code(database, "CB-SNV")
    for inbound in (
        Inbound(Channel.telegram, user_id, user_id, text=f"/start {code}", display_name=name),
        Inbound(Channel.telegram, user_id, user_id, button="join:yes", display_name=name),
    ):
        dialogue.last = await engine.handle(inbound)
    assert "Đồng chí đã được ghi nhận là người báo cáo của Chi bộ Sở Nội vụ" in dialogue.text
    return dialogue


async def test_two_reporters_joining_at_once_both_start_the_units_one_report(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    """The first to open the report makes the unit's draft; the other, a moment later, opens the same one."""
    codes = [invite_code(database, "CB-SNV") for _ in range(2)]
    secretary, deputy = Dialogue(engine, "1001"), Dialogue(engine, "1002")
    await secretary.say(f"/start {codes[0]}")
    await deputy.say(f"/start {codes[1]}")
    replies = await at_once(database, secretary.press("join:yes"), deputy.press("join:yes"))
    assert all("Câu 1." in reply for reply in replies), replies
    await secretary.press("ans:held:self_organised")
    assert "Câu 2." in await deputy.say("/baocao")  # one draft: the deputy sees the secretary's answer


async def both_at_the_summary(engine: Engine, database: Database) -> tuple[Dialogue, Dialogue]:
    """The secretary, who has answered every question, and the deputy, who joins and sees the summary."""
    secretary = await reporter(engine, database, "1001", "Nguyễn Văn An")
    await answer_all(secretary)
    deputy = await reporter(engine, database, "1002", "Lê Thị Bình")
    assert "Báo cáo của Chi bộ Sở Nội vụ:" in deputy.text
    return secretary, deputy


async def test_two_reporters_changing_different_answers_at_once_both_land(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    secretary, deputy = await both_at_the_summary(engine, database)
    for round_ in range(ROUNDS):
        assert "Câu 5." in await secretary.say("sửa câu 5")  # sessions
        assert "Câu 6." in await deputy.say("sửa câu 6")  # presenter
        sessions, presenter = 3 + round_ % 2, f"Đồng chí Lê Thị Bình, lần {round_}"  # 3 or 4 on 2 dates
        mine, theirs = await at_once(database, secretary.say(str(sessions)), deputy.say(presenter))
        assert f"5. Số buổi: {sessions}" in mine and f"6. Báo cáo viên: {presenter}" in theirs
        draft, _ = stored(database, loaded, "CB-SNV")
        assert (draft["sessions"], draft["presenter"]) == (sessions, presenter), f"round {round_}: {draft}"


# The same question answered by both at once: (how each answers, the answer stored if theirs is kept).
SAME_QUESTION = [
    # Either answer of each pair leads to the same next question with no warning to confirm, whichever lands
    # first (the bloc's conference would skip the form, and one date would make 3 sessions a warning).
    ("held", ("press", "ans:held:self_organised"), "self_organised", ("say", "đã tự tổ chức"), "self_organised"),
    (
        "session_dates",
        ("say", "13/9, 14/9"),
        ["2022-09-13", "2022-09-14"],
        ("say", "12/9, 13/9"),
        ["2022-09-12", "2022-09-13"],
    ),
    ("format", FULL_REPORT[2], "online", FULL_REPORT[2], "online"),
    ("video_sites", ("say", "2"), 2, ("say", "3 điểm cầu"), 3),
    ("sessions", ("say", "2"), 2, ("say", "3"), 3),
    ("presenter", ("say", "Đồng chí An"), "Đồng chí An", ("say", "Đồng chí Bình"), "Đồng chí Bình"),
    ("members_total", ("say", "30"), 30, ("press", "ans:members_total:29"), 29),
    ("members_exempt", ("say", "2"), 2, ("say", "1"), 1),
    ("members_attended", ("say", "26"), 26, ("say", "25 đồng chí"), 25),
    ("key_officials", ("say", "5"), 5, ("say", "4"), 4),
]


async def step(dialogue: Dialogue, kind: str, value: str) -> str:
    return await (dialogue.press(value) if kind == "press" else dialogue.say(value))


async def test_two_reporters_answering_the_same_question_at_once_keep_one_answer_and_the_other_hears_it(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    secretary = await reporter(engine, database, "1001", "Nguyễn Văn An")
    deputy = await reporter(engine, database, "1002", "Lê Thị Bình")
    for number, (qid, (kind, value), kept, (their_kind, their_value), their_kept) in enumerate(SAME_QUESTION, 1):
        assert f"Câu {number}." in secretary.question.text and f"Câu {number}." in deputy.question.text
        mine, theirs = await at_once(database, step(secretary, kind, value), step(deputy, their_kind, their_value))
        told = [ANSWERED_ELSEWHERE in reply for reply in (mine, theirs)]
        assert sorted(told) == [False, True], f"{qid}: {mine!r} / {theirs!r}"
        assert f"Câu {number + 1}." in mine and f"Câu {number + 1}." in theirs
        draft, _ = stored(database, loaded, "CB-SNV")
        assert draft[qid] == (their_kept if told[0] else kept), f"{qid}: the answer of the one not told is kept"
    assert list(draft) == [qid for qid, *_ in SAME_QUESTION]


async def test_two_reporters_submitting_at_once_make_one_version_and_the_other_hears_who_sent_it(
    engine: Engine, database: Database, loaded: Campaign
) -> None:
    secretary, deputy = await both_at_the_summary(engine, database)
    for round_ in range(ROUNDS // 2):
        version, sessions = round_ + 1, 3 + round_ % 2 if round_ else 2  # 2 (as sent first), then 4, 3, 4, …
        if round_:  # a change to send again: the secretary changes an answer, both look at the summary
            await secretary.say("/sua")
            await secretary.say("5")
            assert f"5. Số buổi: {sessions}" in await secretary.say(str(sessions))
            await deputy.say("/sua")
        mine, theirs = await at_once(database, secretary.say("gửi"), deputy.say("gửi"))
        sent = [f"Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần {version})" in reply for reply in (mine, theirs)]
        assert sorted(sent) == [False, True], f"round {round_}: {mine!r} / {theirs!r}"
        other, sender = (theirs, "Nguyễn Văn An") if sent[0] else (mine, "Lê Thị Bình")
        assert f"Báo cáo đã được đồng chí {sender} gửi (lần {version}, lúc 08:00 ngày 15/09/2022)" in other, other
        _, versions = stored(database, loaded, "CB-SNV")
        assert len(versions) == version and versions[-1]["sessions"] == sessions


async def test_sending_the_same_answers_again_makes_no_copy(
    engine: Engine, database: Database, loaded: Campaign, clock: Clock
) -> None:
    secretary, deputy = await both_at_the_summary(engine, database)
    await secretary.say("gửi")
    clock.advance(hours=2)
    await deputy.say("/sua")
    reply = await deputy.say("gửi")  # nothing changed since the secretary sent it
    assert "Báo cáo đã được đồng chí Nguyễn Văn An gửi (lần 1, lúc 08:00 ngày 15/09/2022)" in reply, reply
    await secretary.say("/sua")
    assert "Báo cáo đã được chính đồng chí gửi (lần 1," in await secretary.say("gửi")
    _, versions = stored(database, loaded, "CB-SNV")
    assert len(versions) == 1
    await deputy.say("/sua")
    await deputy.say("5")
    await deputy.say("4")
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 2) lúc 10:00 ngày 15/09/2022" in await deputy.say("gửi")
