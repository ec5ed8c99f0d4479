"""The outbox under real conditions: long texts, a refused message, a reminder pressed during a fan-out, a clock
that jumps, two senders, two processes on one database."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import Bot

from bot.channels.telegram import TelegramDelivery
from bot.engine import Engine, Inbound, Reply
from bot.outbox.delivery import Delivered, Result, utf16_units
from bot.outbox.pacer import Pacer
from bot.outbox.sender import Sender
from scheduler.jobs import Reminders
from storage import leader, nudges, outbox
from storage.database import Database
from storage.models import Campaign, Channel, Nudge, NudgeStatus, OutboxMessage, Person, PersonState, Role, Unit
from tests.dialogue import DIGEST, VN, Clock, Dialogue, enrol, join_as_staff, local, statements
from tests.fakes.telegram_api import FakeTelegram
from tests.test_e2e_nudges import campaign_for, populate
from tests.test_nudges import Phone, reporter

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:OUTBOX-test-token"


async def no_sleep(_: float) -> None:
    return None


def staff_person(session: object, chat: int) -> Person:
    person = Person(channel=Channel.telegram, channel_user_id=str(chat), chat_id=str(chat), role=Role.staff)
    session.add(person)  # type: ignore[attr-defined]
    session.flush()  # type: ignore[attr-defined]
    return person


def outbox_on(database: Database, clock: Clock) -> tuple[Phone, Reminders[object]]:
    """A phone that records what each chat gets, and the reminders with a sender through it (unpaced)."""
    phone = Phone()
    sender = Sender(database, {"telegram": phone}, timezone=VN, clock=clock, sleep=no_sleep, rate=1000)
    return phone, Reminders(database, sender, digest=DIGEST, timezone=VN, clock=clock)


async def test_a_digest_longer_than_telegram_allows_goes_in_pieces_and_a_refused_message_fails_alone(
    database: Database,
) -> None:
    """Telegram takes 4,096 UTF-16 units a message: a 5,000-character digest goes as two messages, in order; a
    message Telegram refuses for good (a 400) is marked failed with the reason, and the rows after it still go."""
    now = datetime.now(UTC)
    lines = [
        f"{i:03d}. Chi bộ Trường Trung học phổ thông chuyên số {i} 📊 chưa báo cáo, chưa có người" for i in range(66)
    ]
    digest = "\n".join(lines)
    assert len(digest) > 5000 and utf16_units(digest) > 4096
    with database.session() as session:
        first, second = staff_person(session, 801), staff_person(session, 802)
        outbox.add_notice(session, person=first, key="digest:1", text=digest, campaign_id=None, now=now)
        [refused] = outbox.add_replies(
            session,
            channel=Channel.telegram,
            chat_id="801",
            person_id=first.id,
            messages=[("Một nút hỏng", {"buttons": [[["Nút", "x" * 100]]]})],  # callback data over 64 bytes
            now=now,
        )
        outbox.release_all(session, ids=[refused])  # not sent by its turn: the drain takes it
        outbox.add_notice(session, person=second, key="announce:1", text="Thông báo sau", campaign_id=None, now=now)
    with FakeTelegram(token=TOKEN) as server:
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            sender = Sender(database, {"telegram": TelegramDelivery(bot)}, timezone=VN, sleep=no_sleep)
            report = await sender.drain()
        pieces = [m["text"] for m in server.sent_messages(801)]
        assert len(pieces) == 2 and all(utf16_units(p) <= 4096 for p in pieces)
        assert "\n".join(pieces).split("\n") == lines  # cut at a line break, nothing lost, in order
        assert [m["text"] for m in server.sent_messages(802)] == ["Thông báo sau"]
        assert [(r["chat_id"], r["status"]) for r in server.rejections] == [(801, 400)]
    assert (report.sent, report.failed, report.postponed) == (2, 1, 0)
    with database.session() as session:
        rows = {row.id: row for row in session.exec(select(OutboxMessage)).all()}
    assert rows[refused].status is NudgeStatus.failed and "button" in (rows[refused].last_error or "").lower()
    assert [row.status for row_id, row in sorted(rows.items()) if row_id != refused] == [NudgeStatus.sent] * 2


async def test_a_reminder_pressed_during_a_fan_out_reaches_each_reporter_once(database: Database) -> None:
    """/nhac confirmed while the ladder's step is being sent: the rows on their way out go, the others are
    replaced by the new reminder, and nobody gets two; the confirm counts what it will send."""
    now = datetime.now(UTC)
    clock = Clock(now)
    spec = campaign_for(now.astimezone(VN).date())
    with database.session() as session:
        people = populate(session, spec, units=60, reported=2)
        nudges.plan(session, campaign_id=people.campaign_id, step="d0", due_at=now, now=now)
    engine = Engine(database, clock=clock)
    staff = await join_as_staff(engine, database, now=now)
    confirm: list[str] = []

    @dataclass
    class Pressing(Phone):
        """Records sends; after the 30th, a staff member presses /nhac and confirms it."""

        pressed: bool = False
        order: list[str] = field(default_factory=list)

        async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
            self.order.append(chat_id)
            if len(self.order) == 30 and not self.pressed:
                self.pressed = True
                confirm.append(await staff.say("/nhac"))
                await staff.press(f"nhac:{people.campaign_id}")
                confirm.append(staff.last.edit.text if staff.last.edit else "")
            return await super().deliver(chat_id, reply, skip=skip)

    phone = Pressing()
    sender = Sender(database, {"telegram": phone}, timezone=VN, clock=clock, sleep=no_sleep, rate=1000)
    await sender.drain()
    await sender.drain()
    counts = Counter(int(chat) for chat, _ in phone.sent)
    assert counts == dict.fromkeys(people.targets, 1)
    reached = re.search(r"58 đơn vị chưa báo cáo\. Gửi lời nhắc tới (\d+) người", confirm[0])
    left_out = re.search(r"(\d+) người báo cáo khác vừa được nhắc hoặc lời nhắc đang được gửi", confirm[0])
    assert reached and left_out and int(reached[1]) + int(left_out[1]) == 58 and int(left_out[1]) >= 30
    assert f"Đã xếp {reached[1]} lời nhắc" in confirm[1]
    with database.session() as session:
        sent = Counter(step for step, status in session.exec(select(Nudge.step, Nudge.status)) if status == "sent")
    assert sum(sent.values()) == 58 and sent["d0"] >= 30  # those on their way out when /nhac came went as d0


async def test_a_reminder_hours_after_a_step_is_a_new_one_and_says_who_was_reminded_when(
    database: Database, loaded: Campaign
) -> None:
    clock = Clock(local(10, 9, 9))
    phone, reminders = outbox_on(database, clock)
    engine = Engine(database, clock=clock)
    await reporter(engine, database, "CB-SNV", "101")
    await reporter(engine, database, "CB-SCT", "103")
    staff = await join_as_staff(engine, database)

    clock.now = local(13, 9, 8)
    await reminders.run_step(loaded.id or 0, "d7")
    assert set(phone.take()) == {"101", "103"}
    clock.now = local(13, 9, 10)  # two hours later: a new reminder, to both
    reply = await staff.say("/nhac")
    assert "22 đơn vị chưa báo cáo. Gửi lời nhắc tới 2 người báo cáo của 2 đơn vị trong số đó" in reply
    assert "2 người trong số đó đã được nhắc hôm nay, lần gần nhất lúc 08:00" in reply
    await staff.press(f"nhac:{loaded.id}")
    await staff.press(f"nhac:{loaded.id}")  # a double press writes nothing more
    await reminders.drain()
    assert set(phone.take()) == {"101", "103"}  # once each
    assert "không có ai cần nhắc" in await staff.say("/nhac")  # just now: not again

    clock.now = local(13, 9, 22)  # quiet hours: the confirm says when they will go, not "within a minute"
    await staff.say("/nhac")
    await staff.press(f"nhac:{loaded.id}")
    assert staff.last.edit and "bot sẽ gửi lúc 07:00" in staff.last.edit.text
    assert (await reminders.drain()).sent == 0
    clock.now = local(14, 9, 7)
    await reminders.drain()
    assert set(phone.take()) == {"101", "103"}


async def test_when_the_clock_jumps_five_days_only_the_latest_step_is_sent(
    database: Database, loaded: Campaign
) -> None:
    """After a suspend or an NTP correction the scheduler runs every step it missed (d7 and d3 here): only the
    latest of them sends, once to each reporter."""
    clock = Clock(local(12, 9, 9))
    phone, reminders = outbox_on(database, clock)
    engine = Engine(database, clock=clock)
    await reporter(engine, database, "CB-SNV", "101")
    await reporter(engine, database, "CB-SCT", "103")
    clock.now += timedelta(days=5)  # 17/09 09:00: d7 (13/09) and d3 (17/09 08:00) have both fallen due
    for step in ("d7", "d3"):  # as APScheduler fires missed date jobs: each, in order
        await reminders.run_step(loaded.id or 0, step)
    assert set(phone.take()) == {"101", "103"}  # one each (take() fails on a second message to a chat)
    with database.session() as session:
        assert set(session.exec(select(Nudge.step)).all()) == {"d3"}


async def test_a_clock_that_goes_back_neither_stalls_nor_doubles_sending(database: Database, loaded: Campaign) -> None:
    """A failed send rests its channel on the monotonic clock, not the wall clock: after the wall clock went back
    four minutes, the nudge goes at the next drain once the rest is over, and once."""
    clock = Clock(local(13, 9, 8))
    ticks = [1000.0]

    @dataclass
    class Flaky(Phone):
        failing: bool = True

        async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
            if self.failing:
                return Delivered(Result.transient, error="ConnectError")
            return await super().deliver(chat_id, reply, skip=skip)

    async def sleep(seconds: float) -> None:
        ticks[0] += seconds

    phone = Flaky()
    sender = Sender(
        database, {"telegram": phone}, timezone=VN, clock=clock, sleep=sleep, rate=1000, monotonic=lambda: ticks[0]
    )
    reminders = Reminders(database, sender, digest=DIGEST, timezone=VN, clock=clock)
    await reporter(Engine(database, clock=clock), database, "CB-SNV", "101")
    report = await reminders.run_step(loaded.id or 0, "d7")
    assert (report.sent, report.postponed) == (0, 1)
    phone.failing = False
    clock.now -= timedelta(minutes=4)  # the wall clock goes back
    ticks[0] += 10  # ten seconds pass
    assert (await sender.drain()).sent == 1
    assert set(phone.take()) == {"101"}
    assert (await sender.drain()).sent == 0


async def test_the_pacer_spaces_messages_on_the_monotonic_clock_and_serves_replies_first() -> None:
    ticks = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        ticks[0] += seconds

    pacer = Pacer(rate=10, sleep=sleep, monotonic=lambda: ticks[0])
    for chat in ("a", "b", "c"):
        await pacer.wait(chat)
    assert slept == pytest.approx([0.1, 0.1])  # 10 a second in all
    slept.clear()
    starts = []
    for _ in range(5):
        await pacer.wait("d")
        starts.append(ticks[0])
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.1, 0.1, 0.8, 1.0]  # three at once to one chat (paced in all), then one a second
    pacer.pause(5)  # a 429 asked the bot to wait five seconds
    before = ticks[0]
    await pacer.wait("e", urgent=True)
    assert ticks[0] - before == pytest.approx(5.0, abs=0.01)


async def test_an_answer_on_a_channel_with_an_outbox_writes_its_reply_in_the_same_transaction(
    engine: Engine, database: Database
) -> None:
    """One statement more in the turn (a multi-row INSERT of its replies, claimed by the process that sends them);
    marking them sent is one UPDATE after the send."""
    engine.outbox.add(Channel.telegram)
    dialogue = Dialogue(engine, "5001")
    await enrol(dialogue, database, "CB-SNV")
    await dialogue.press("ans:held:self_organised")
    with statements(database) as sent:
        outcome = await engine.handle(Inbound(Channel.telegram, "5001", "5001", text="15/9", event_id="answer-1"))
    written = [s for s in sent if s.split()[:3] == ["INSERT", "INTO", "outbox"]]
    assert len(written) == 1 and sent[-1] == written[0]  # the turn's last statement, inside its transaction
    assert [reply.text for _, reply in outcome.queued] == [r.text for r in outcome.replies]
    with database.session() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert [(row.status, row.text) for row in rows][-len(outcome.queued) :] == [
        (NudgeStatus.sending, reply.text) for _, reply in outcome.queued
    ]


def test_two_senders_never_claim_the_same_message(database: Database) -> None:
    now = datetime.now(UTC)
    with database.session() as session:
        person = staff_person(session, 700)
        for i in range(30):
            outbox.add_notice(session, person=person, key=f"n{i}", text=f"{i}", campaign_id=None, now=now)
    with database.session() as one, database.session() as two:
        first = outbox.claim(one, now=now, channels=[Channel.telegram], limit=20)
        one.commit()
        second = outbox.claim(two, now=now, channels=[Channel.telegram], limit=20)
    assert len(first) == 20 and len(second) == 10 and not {m.id for m in first} & {m.id for m in second}
    with database.session() as session:
        outbox.mark_sent(session, ids=[m.id for m in first], now=now)
        outbox.mark_failed(session, message_id=first[0].id, error="late")  # settled already: left as it is
        assert outbox.claim(session, now=now + outbox.LEASE * 2, channels=[Channel.telegram]) == second
        statuses = Counter(row.status for row in session.exec(select(OutboxMessage)).all())
    assert statuses == {NudgeStatus.sent: 20, NudgeStatus.sending: 10}


def test_a_second_nqbot_run_on_the_same_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    path = tmp_path / "nqbot.db"
    holder = leader.FileLease(path.with_name("nqbot.db.lock"))
    assert holder.take()  # this test process plays the first `nqbot run`
    try:
        assert not leader.FileLease(path.with_name("nqbot.db.lock")).take()
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{path}",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",  # never reached
        }
        env.pop("ZALO_BOT_TOKEN", None)
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        holder.release()
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "Một nqbot run khác đang chạy trên cơ sở dữ liệu này" in line and f"tiến trình {os.getpid()}" in line
    assert leader.FileLease(path.with_name("nqbot.db.lock")).take()  # free again once the holder stopped


@pytest.mark.skipif("NQBOT_TEST_DATABASE_URL" not in os.environ, reason="needs a PostgreSQL server (CI's second run)")
def test_on_postgresql_one_process_leads_and_another_takes_over_when_it_dies() -> None:
    from sqlalchemy import text

    url = os.environ["NQBOT_TEST_DATABASE_URL"]
    first, second = Database(url), Database(url)
    try:
        one, two = leader.AdvisoryLease(first), leader.AdvisoryLease(second)
        assert one.take() and one.holds()
        assert not two.take()
        with second.engine.connect() as connection:  # the leader's process dies: the server ends its session
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key"),
                {"key": leader.LOCK_KEY & 0xFFFFFFFF},
            )
            connection.commit()
        assert not one.holds()
        assert two.take() and two.holds()
        two.release()
        assert one.take()
        one.release()
    finally:
        first.dispose()
        second.dispose()


async def test_staff_see_in_the_units_page_what_could_not_be_delivered_and_why(
    database: Database, loaded: Campaign
) -> None:
    clock = Clock(local(13, 9, 10))
    engine = Engine(database, clock=clock)
    await reporter(engine, database, "CB-SNV", "101")
    with database.session() as session:
        person = session.exec(select(Person).where(Person.chat_id == "101")).one()
        [refused] = outbox.add_replies(
            session,
            channel=Channel.telegram,
            chat_id="101",
            person_id=person.id,
            messages=[("…", {})],
            now=clock.now,
        )
        outbox.mark_failed(session, message_id=refused, error="Bad Request: message text is empty")
    staff = await join_as_staff(engine, database)
    page = await staff.say("/donvi CB-SNV")
    assert (
        "Tin không gửi được tới người báo cáo: 1 (gần nhất 10:00 ngày 13/09/2022; lý do: Bad Request: message" in page
    )


async def test_a_database_that_fails_a_leadership_check_is_tried_again_not_given_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PostgreSQL server out of reach for a moment (the lease's check raises) must not end leading for good:
    the next check takes the lead and starts the reminders and the drain."""
    from bot import app

    monkeypatch.setattr(app, "LEAD_CHECK", 0.0)
    started = asyncio.Event()

    class Flaky:
        tries = 0

        def take(self) -> bool:
            self.tries += 1
            if self.tries == 1:
                raise OSError("connection refused")
            return True

        def holds(self) -> bool:
            return True

        def release(self) -> None:
            return None

    class Stub:
        async def recover(self, *, only_process: bool) -> None:
            return None

        async def start(self) -> None:
            started.set()

        async def run(self) -> None:
            await asyncio.Event().wait()

        def shutdown(self) -> None:
            return None

    stub = Stub()
    task = asyncio.create_task(app.lead(Flaky(), stub, stub))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(started.wait(), 5)
    finally:
        task.cancel()


@dataclass
class Failing:
    """A channel like Zalo, which never says "blocked": sends to the chats in `failing` fail (403, "Internal
    server error"), the others go."""

    failing: set[str]
    sent: list[str] = field(default_factory=list)

    async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
        if chat_id in self.failing:
            return Delivered(Result.transient, error="sendMessage: 403 Internal server error")
        self.sent.append(chat_id)
        return Delivered(Result.sent, parts_sent=1)


async def test_three_days_of_failing_sends_to_one_person_mark_them_unreachable_and_staff_see_why(
    database: Database, loaded: Campaign
) -> None:
    """Zalo documents no "blocked" error: a person is given up on only after three days of failing sends,
    counted from the first failure after the last success, and only while others on the channel are reached
    (a channel down for days marks nobody). /donvi says since when and why; writing again makes them active."""
    clock = Clock(local(13, 9, 10))
    ticks, steps = Clock(datetime(2022, 1, 1, tzinfo=UTC)), itertools.count(0, 0.002)  # the monotonic clock:
    # moves with the days (a failure's rest of the channel is over at the next drain), a little at every look
    zalo = Failing({"z1"})
    sender = Sender(
        database,
        {"zalo": zalo},
        timezone=VN,
        clock=clock,
        sleep=no_sleep,
        rate=1000,
        monotonic=lambda: ticks.now.timestamp() + next(steps),
    )
    with database.session() as session:
        unit = session.exec(select(Unit).where(Unit.code == "CB-SNV")).one()
        for chat in ("z2", "z1"):  # z2 first: its message goes before z1's failure rests the channel
            person = Person(channel=Channel.zalo, channel_user_id=chat, chat_id=chat, role=Role.reporter)
            person.unit_id, person.display_name = unit.id, f"Đ/c {chat}"
            session.add(person)
    people = {chat: person_id(database, chat) for chat in ("z1", "z2")}

    async def day(key: str) -> int:
        ticks.now = clock.now
        with database.session() as session:
            for chat in ("z2", "z1"):
                person = session.get(Person, people[chat])
                assert person is not None
                outbox.add_notice(session, person=person, key=key, text=key, campaign_id=None, now=clock.now)
        return (await sender.drain()).unreachable

    with database.session() as session:  # z1 was reached once, two days before the failures began
        [earlier] = outbox.add_replies(
            session, channel=Channel.zalo, chat_id="z1", person_id=people["z1"], messages=[("…", {})], now=clock.now
        )
        outbox.mark_sent(session, ids=[earlier], now=clock.now)
    clock.advance(days=2)
    assert await day("d0") == 0  # the first failure: 15/09 10:00
    clock.advance(days=2, hours=23)
    assert await day("d2") == 0  # 2 days 23 hours of failures: not yet
    assert state(database, people["z1"]) is PersonState.active
    clock.advance(hours=1)
    assert await day("d3") == 1
    assert state(database, people["z1"]) is PersonState.unreachable
    assert state(database, people["z2"]) is PersonState.active and zalo.sent == ["z2"] * 3
    with database.session() as session:  # what waited for z1 will not go
        waiting = session.exec(select(OutboxMessage).where(OutboxMessage.person_id == people["z1"])).all()
        assert {row.status for row in waiting} == {NudgeStatus.sent, NudgeStatus.failed}

    staff = await join_as_staff(Engine(database, clock=clock), database)
    page = await staff.say("/donvi CB-SNV")
    assert "Đ/c z1 (qua Zalo, không liên lạc được)" in page
    assert (
        "Bot ngừng gửi tin cho Đ/c z1: tin gửi không được từ 10:00 ngày 15/09/2022 "
        "(lỗi gần nhất: sendMessage: 403 Internal server error)" in page
    )

    # z1 writes again (active, and gets the reply); then Zalo fails for everyone for days: nobody is marked.
    with database.session() as session:
        z1 = session.get(Person, people["z1"])
        assert z1 is not None
        z1.state = PersonState.active
        session.add(z1)
        [reply] = outbox.add_replies(
            session, channel=Channel.zalo, chat_id="z1", person_id=z1.id, messages=[("…", {})], now=clock.now
        )
        outbox.mark_sent(session, ids=[reply], now=clock.now)
    zalo.failing = {"z1", "z2"}
    for n in range(5):
        clock.advance(days=1)
        assert await day(f"down{n}") == 0
    assert state(database, people["z1"]) is state(database, people["z2"]) is PersonState.active


def person_id(database: Database, chat: str) -> int:
    with database.session() as session:
        return session.exec(select(Person.id).where(Person.chat_id == chat)).one() or 0


def state(database: Database, person: int) -> PersonState:
    with database.session() as session:
        found = session.get(Person, person)
        assert found is not None
        return found.state


async def test_zalos_quota_exceeded_rests_the_channel_without_spending_an_attempt(database: Database) -> None:
    """A 429 "Quota exceeded" (Zalo gives no wait): the drain is not held for it, the message waits pending
    with its attempts as they were, and the channel is not tried again before the pause is over."""
    now = datetime.now(UTC)
    calls: list[str] = []

    class OverQuota:
        async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
            calls.append(chat_id)
            return Delivered(Result.retry_after, wait=300.0, error="sendMessage: 200 Quota exceeded")

    ticks = itertools.count(0.0, 0.01)
    seconds = [0.0]
    sender = Sender(
        database,
        {"zalo": OverQuota()},
        timezone=VN,
        sleep=no_sleep,
        rate=1000,
        monotonic=lambda: seconds[0] + next(ticks),
    )
    with database.session() as session:
        person = Person(channel=Channel.zalo, channel_user_id="z1", chat_id="z1", role=Role.staff)
        session.add(person)
        session.flush()
        outbox.add_notice(session, person=person, key="quota", text="…", campaign_id=None, now=now)
    report = await sender.drain()
    assert (report.postponed, calls) == (1, ["z1"])
    with database.session() as session:
        row = session.exec(select(OutboxMessage)).one()
        assert (row.status, row.attempts, row.last_error) == (NudgeStatus.pending, 0, "sendMessage: 200 Quota exceeded")
    seconds[0] = 200.0
    assert (await sender.drain()).postponed == 0 and calls == ["z1"]  # resting: not tried
    seconds[0] = 400.0
    await sender.drain()
    assert calls == ["z1", "z1"]
