"""Nudges with a controlled clock: the ladder from enrolment to close, quiet hours, downtime, the digest."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest
from _pytest.logging import LogCaptureFixture
from sqlmodel import select

from bot.engine import Engine, Reply
from bot.outbox.delivery import Delivered, Result
from bot.outbox.sender import Sender
from scheduler.jobs import Reminders
from scheduler.ladder import ladder
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, Nudge, NudgeStatus, Person, PersonState
from tests.dialogue import (
    DIGEST,
    FULL_REPORT,
    VN,
    Clock,
    Dialogue,
    answer_all,
    enrol,
    join_as_staff,
    local,
)


@dataclass
class Phone:
    """A delivery that records what each chat was sent; it can be told a chat has blocked the bot."""

    sent: list[tuple[str, Reply]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)

    async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
        if chat_id in self.blocked:
            return Delivered(Result.blocked, error="Forbidden: bot was blocked by the user")
        self.sent.append((chat_id, reply))
        return Delivered(Result.sent)

    def take(self) -> dict[str, str]:
        """What each chat got since the last look (one text per chat; a second one fails the test)."""
        got: dict[str, str] = {}
        for chat, reply in self.sent:
            assert chat not in got, f"chat {chat} got two messages at once"
            got[chat] = reply.text
        self.sent.clear()
        return got


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
def clock() -> Clock:
    return Clock(local(10, 9, 9))  # 10/09/2022, before the first step (d7 on 13/09 at 08:00)


@pytest.fixture
def phone() -> Phone:
    return Phone()


@pytest.fixture
def reminders(database: Database, loaded: Campaign, clock: Clock, phone: Phone) -> Reminders:
    sender = Sender(database, {"telegram": phone}, timezone=VN, clock=clock, sleep=no_sleep, rate=1000)
    return Reminders(database, sender, digest=DIGEST, timezone=VN, clock=clock)


async def reporter(engine: Engine, database: Database, unit: str, user: str) -> Dialogue:
    dialogue = Dialogue(engine, user)
    await enrol(dialogue, database, unit)
    await dialogue.say("/huy")
    return dialogue


def test_the_ladder_of_the_nq15_campaign(nq15: CampaignSpec) -> None:
    steps = ladder(nq15.reminders, nq15.report_deadline, nq15.closes_on, VN)
    assert [s.name for s in steps] == ["d7", "d3", "d1", "d0"] + [f"late{i}" for i in range(1, 16)]
    assert steps[0].due == local(13, 9, 8) and steps[3].due == local(20, 9, 8)
    assert steps[-1].due == local(5, 10, 8)  # every day overdue until the campaign closes


def test_a_step_in_quiet_hours_moves_to_their_end(nq15: CampaignSpec) -> None:
    late = nq15.reminders.model_copy(update={"at": nq15.reminders.quiet_hours.start.replace(hour=22)})
    steps = ladder(late, nq15.report_deadline, nq15.closes_on, VN)
    assert steps[0].due == local(14, 9, 7)  # 22:00 on 13/09 is quiet: 07:00 the next morning


async def test_a_campaign_from_enrolment_to_close(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders
) -> None:
    engine = Engine(database, clock=clock)
    noi_vu = await reporter(engine, database, "CB-SNV", "101")
    van_hoa = await reporter(engine, database, "CB-SVH", "102")  # 31 members: the sample answers fit
    await reporter(engine, database, "CB-SCT", "103")
    campaign_id = loaded.id or 0

    clock.now = local(13, 9, 8)
    await reminders.run_step(campaign_id, "d7")
    d7 = phone.take()
    assert set(d7) == {"101", "102", "103"}  # units without a reporter cannot be nudged
    assert "Chi bộ Sở Nội vụ chưa gửi báo cáo; hạn 20/09/2022, còn 7 ngày." in d7["101"]

    clock.now = local(15, 9, 10)  # Văn hóa reports between steps; Nội vụ starts a draft
    await van_hoa.say("/baocao")
    await answer_all(van_hoa)
    await van_hoa.say("gửi")
    await noi_vu.say("/baocao")
    await answer_all(noi_vu, FULL_REPORT[:5])
    await noi_vu.say("/huy")

    clock.now = local(17, 9, 8)
    await reminders.run_step(campaign_id, "d3")
    d3 = phone.take()
    assert set(d3) == {"101", "103"}  # the unit that reported gets nothing more
    # 25 questions are still on the path: the absence (five counts by reason among them), make-up and plan
    # questions wait on answers not given yet
    assert "Đồng chí còn 25 câu chưa trả lời." in d3["101"] and "câu chưa trả lời" not in d3["103"]

    clock.now = local(22, 9, 8)  # two days late
    await reminders.run_step(campaign_id, "late2")
    late = phone.take()
    assert "đã quá hạn 2 ngày (hạn 20/09/2022)" in late["103"]

    clock.now = local(6, 10, 8)  # closed: the ladder has no step after 05/10
    await reminders.catch_up()
    assert phone.take() == {}
    with database.session() as session:
        rows = session.exec(select(Nudge.step, Nudge.status)).all()
    assert sorted(rows) == sorted(
        [("d7", NudgeStatus.sent)] * 3 + [("d3", NudgeStatus.sent)] * 2 + [("late2", NudgeStatus.sent)] * 2
    )


async def test_nothing_is_sent_in_quiet_hours_and_it_goes_out_when_they_end(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders, caplog: LogCaptureFixture
) -> None:
    await reporter(Engine(database, clock=clock), database, "CB-SNV", "101")
    clock.now = local(13, 9, 8)
    await reminders.plan(loaded.id or 0, "manual", clock.now)
    clock.now = local(13, 9, 22)  # the drain comes at 22:00: quiet
    with caplog.at_level(logging.INFO, logger="bot.outbox.sender"):
        report = await reminders.drain()
        await reminders.drain()  # the operator is told once per quiet window, not at every drain
    assert report.sent == 0 and report.deferred_for_quiet_hours > 0 and phone.take() == {}
    held = [r.getMessage() for r in caplog.records if "held for quiet hours" in r.getMessage()]
    assert held == [f"campaign {loaded.id}: 1 reminders held for quiet hours until 07:00 14/09/2022"]
    clock.now = local(14, 9, 7)
    assert (await reminders.drain()).sent == 1
    assert set(phone.take()) == {"101"}


async def test_after_downtime_only_the_latest_step_due_is_sent_once(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders
) -> None:
    await reporter(Engine(database, clock=clock), database, "CB-SNV", "101")
    clock.now = local(19, 9, 9)  # down since before d7: d7, d3 and d1 fell due, d1 is the latest
    await reminders.catch_up()
    assert "còn 1 ngày" in phone.take()["101"]
    await reminders.catch_up()  # a second start the same day sends nothing again
    assert phone.take() == {}
    with database.session() as session:
        steps = [n.step for n in session.exec(select(Nudge)).all()]
    assert steps == ["d1"]


async def test_a_blocked_reporter_is_marked_unreachable_and_named_in_the_digest(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders
) -> None:
    engine = Engine(database, clock=clock)
    await reporter(engine, database, "CB-SNV", "101")
    await reporter(engine, database, "CB-STP", "102")
    await join_as_staff(engine, database)
    phone.blocked.add("102")
    clock.now = local(13, 9, 8)
    report = await reminders.run_step(loaded.id or 0, "d7")
    assert (report.sent, report.unreachable) == (1, 1)
    with database.session() as session:
        blocked = session.exec(select(Person).where(Person.channel_user_id == "102")).one()
        assert blocked.state is PersonState.unreachable
        assert session.exec(select(Nudge.status).where(Nudge.person_id == blocked.id)).one() is NudgeStatus.failed
    phone.take()
    clock.now = local(13, 9, 17)
    await reminders.send_digest(loaded.id or 0)
    digest = phone.take()["900"]
    assert "Đã báo cáo: 0/22 đơn vị (0 gửi muộn). Hạn 20/09/2022: còn 7 ngày." in digest
    assert "Không liên lạc được (đã chặn bot) (1): Chi bộ Sở Tư pháp" in digest
    assert "Chưa có người báo cáo (20, bot không nhắc được)" in digest
    assert "Lần nhắc tiếp theo: 08:00 ngày 17/09/2022." in digest
    await reminders.send_digest(loaded.id or 0)  # once a day
    assert phone.take() == {}


async def test_staff_remind_now_through_the_same_outbox_without_doubling_a_step(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders
) -> None:
    engine = Engine(database, clock=clock)
    noi_vu = await reporter(engine, database, "CB-SNV", "101")
    await reporter(engine, database, "CB-SCT", "103")
    staff = await join_as_staff(engine, database)
    assert "Lệnh này dành cho cán bộ Ban Tuyên giáo." in await noi_vu.say("/nhac")

    clock.now = local(12, 9, 16)
    reply = await staff.say("/nhac")
    assert "22 đơn vị chưa báo cáo. Gửi lời nhắc tới 2 người báo cáo của 2 đơn vị trong số đó" in reply
    await staff.press(f"nhac:{loaded.id}")
    assert "Đã xếp 2 lời nhắc" in (staff.last.edit.text if staff.last.edit else "")
    await reminders.drain()
    assert set(phone.take()) == {"101", "103"}
    assert "không có ai cần nhắc" in await staff.say("/nhac")  # just reminded

    clock.now = local(13, 9, 8)  # the d7 step, 16 hours later: nudged again, once
    await reminders.run_step(loaded.id or 0, "d7")
    assert set(phone.take()) == {"101", "103"}
    clock.now = local(13, 9, 9)  # one hour after d7: a new reminder (not a double), and the confirm says so
    reply = await staff.say("/nhac")
    assert "Gửi lời nhắc tới 2 người" in reply and "2 người trong số đó đã được nhắc hôm nay" in reply


async def test_staff_remind_in_quiet_hours_says_when_or_sends_now_when_chosen(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders
) -> None:
    engine = Engine(database, clock=clock)
    await reporter(engine, database, "CB-SNV", "101")
    staff = await join_as_staff(engine, database)
    clock.now = local(12, 9, 22)  # 22:00: quiet hours (21:00–07:00)
    reply = await staff.say("/nhac")
    assert "giờ yên lặng" in reply and "lời nhắc sẽ đi lúc 07:00 ngày 13/09/2022" in reply
    assert staff.buttons() == [f"nhac:{loaded.id}", f"nhac:{loaded.id}:now", "nhac:no"]
    await staff.press(f"nhac:{loaded.id}")
    assert "bot sẽ gửi lúc 07:00 ngày 13/09/2022" in (staff.last.edit.text if staff.last.edit else "")
    await reminders.drain()
    assert phone.take() == {}  # held for the morning, as the confirm said
    clock.now = local(13, 9, 7, 1)
    await reminders.drain()
    assert set(phone.take()) == {"101"}

    clock.now = local(13, 9, 23)  # quiet again; this time staff choose "send now"
    await staff.say("/nhac")
    await staff.press(f"nhac:{loaded.id}:now")
    assert "bot gửi trong vòng một phút" in (staff.last.edit.text if staff.last.edit else "")
    await reminders.drain()
    assert set(phone.take()) == {"101"}


async def test_jobs_are_built_from_the_database_and_rebuilt_when_a_campaign_changes(
    database: Database,
    loaded: Campaign,
    clock: Clock,
    reminders: Reminders,
    nq15: CampaignSpec,
    caplog: LogCaptureFixture,
) -> None:
    from storage import campaigns

    reminders.scheduler.start(paused=True)  # jobs land in the job store, nothing runs
    with caplog.at_level(logging.INFO, logger="scheduler.jobs"):
        await reminders.rebuild()
    assert "campaign nq15-2022: next reminder step d7 due at 08:00 13/09/2022" in caplog.messages
    jobs = {job.id: job for job in reminders.scheduler.get_jobs()}
    assert jobs["step:nq15-2022:d7"].trigger.run_date == local(13, 9, 8)
    assert jobs["step:nq15-2022:late15"].trigger.run_date == local(5, 10, 8)
    assert "digest:nq15-2022" in jobs
    await reminders.rebuild()  # rebuilding replaces, never duplicates
    assert len(reminders.scheduler.get_jobs()) == len(jobs)

    later = nq15.model_copy(update={"report_deadline": nq15.report_deadline.replace(day=25)})
    with database.session() as session:
        campaigns.load_campaign(session, spec=later)  # `nqbot campaign load` of an edited file
    await reminders.watch()
    moved = {job.id: job for job in reminders.scheduler.get_jobs()}
    assert moved["step:nq15-2022:d0"].trigger.run_date == local(25, 9, 8)
    assert "step:nq15-2022:late15" not in moved  # 25/09 + 15 days is after the campaign closes
    reminders.shutdown()


async def test_the_record_of_handled_updates_is_kept_a_week(
    database: Database, loaded: Campaign, clock: Clock, reminders: Reminders
) -> None:
    from datetime import timedelta

    from storage import inbound
    from storage.models import Channel, InboundEvent

    with database.session() as session:
        for event_id, age in (("old", timedelta(days=8)), ("recent", timedelta(days=1))):
            assert inbound.first_delivery(session, channel=Channel.telegram, event_id=event_id)
            event = session.exec(select(InboundEvent).where(InboundEvent.event_id == event_id)).one()
            event.received_at = clock.now - age
            session.add(event)
    await reminders.forget_old_updates()
    with database.session() as session:
        assert [e.event_id for e in session.exec(select(InboundEvent)).all()] == ["recent"]


async def test_a_channel_that_is_down_does_not_hold_up_the_others(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone
) -> None:
    from storage.models import Channel

    @dataclass
    class Down:
        tries: int = 0

        async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
            self.tries += 1
            return Delivered(Result.transient, error="ConnectError")

    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    zalo = Down()
    sender = Sender(database, {"telegram": phone, "zalo": zalo}, timezone=VN, clock=clock, sleep=sleep, rate=1000)
    reminders = Reminders(database, sender, digest=DIGEST, timezone=VN, clock=clock)
    engine = Engine(database, clock=clock)
    for unit, user in (("CB-SNV", "z1"), ("CB-STP", "z2"), ("CB-SVH", "z3")):
        dialogue = Dialogue(engine, user, Channel.zalo)
        await enrol(dialogue, database, unit)
    await reporter(engine, database, "CB-SCT", "101")
    clock.now = local(13, 9, 8)
    report = await reminders.run_step(loaded.id or 0, "d7")
    assert set(phone.take()) == {"101"}  # Telegram's reporter is nudged
    assert (report.sent, report.postponed) == (1, 3)  # Zalo's wait for the next drain
    # The first two rows (two chats: one person's failures do not rest the channel): tried, retried after 1 s
    # and 2 s; the third: not tried.
    assert zalo.tries == 6
    assert 1 in waits and 2 in waits and sum(waits) < 11  # (pacing waits aside) no per-row backoff


async def test_after_each_step_the_log_says_when_the_next_falls_due(
    database: Database, loaded: Campaign, clock: Clock, phone: Phone, reminders: Reminders, caplog: LogCaptureFixture
) -> None:
    await reporter(Engine(database, clock=clock), database, "CB-SNV", "101")
    clock.now = local(13, 9, 8)
    with caplog.at_level(logging.INFO, logger="scheduler.jobs"):
        await reminders.run_step(loaded.id or 0, "d7")
    assert "còn 7 ngày" in phone.take()["101"]
    assert caplog.messages[-1] == "campaign nq15-2022: next reminder step d3 due at 08:00 17/09/2022"
    clock.now = local(5, 10, 8)  # the last step, on the day the campaign closes: none left after it
    with caplog.at_level(logging.INFO, logger="scheduler.jobs"):
        await reminders.run_step(loaded.id or 0, "late15")
    assert caplog.messages[-1] == "campaign nq15-2022: no reminder step left"
