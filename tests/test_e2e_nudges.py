"""Nudges over HTTP against the fake Telegram Bot API: exactly once across a SIGKILL, waits, blocked chats.

(a) The real `nqbot run` process fans a due ladder step out to ~60 reporters; the fake holds the 26th
    sendMessage (as if the bot crashed with it in flight and Telegram never took it), the bot is killed with
    SIGKILL, and after a restart every reporter of a unit that has not reported has exactly one nudge, the
    reporters of units that reported have none, and every nudge row is marked sent.
(b) In process: the Sender through TelegramDelivery (a real python-telegram-bot Bot) waits as a 429 asks
    (the injected sleep only records), marks a reporter who blocked the bot unreachable, and the staff
    digest then lists their unit as unreachable.

Campaigns here have no quiet hours (start == end), so the tests pass at any time of day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select
from telegram import Bot

from bot.channels.telegram import TelegramDelivery
from bot.demo import demo_campaign
from bot.outbox.sender import Sender
from bot.texts import say
from scheduler import ladder
from scheduler.jobs import Reminders
from storage import campaigns, migrate, nudges
from storage.campaign_spec import CampaignSpec, QuietHours, load_campaign_file
from storage.database import Database
from storage.models import (
    Channel,
    Nudge,
    NudgeStatus,
    Person,
    PersonState,
    Role,
    Submission,
    SubmissionStatus,
    Unit,
    UnitKind,
)
from tests.conftest import SHIPPED_CAMPAIGN
from tests.dialogue import DIGEST
from tests.fakes.bot_process import BotProcess, wait_for
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-TOKEN"
VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the bot's default NQBOT_TIMEZONE: its "today" is Vietnam's
FIRST_USER = 7001


def campaign_for(today: date) -> CampaignSpec:
    """The shipped campaign, one day overdue on `today`: every step up to d0 (yesterday 08:00) has fallen due and
    no later one will (no overdue steps), so whatever the time of day the same step is due all through a test.
    No quiet hours, no digest job."""
    source = demo_campaign(load_campaign_file(SHIPPED_CAMPAIGN), today)
    midnight = clock_time(0, 0)
    reminders = source.reminders.model_copy(
        update={
            "quiet_hours": QuietHours(start=midnight, end=midnight),  # an empty window
            "overdue_every_days": 0,
            "digest_at": None,
        }
    )
    moved = source.model_copy(
        update={
            "report_deadline": today - timedelta(days=1),
            "board_deadline": today + timedelta(days=7),
            "closes_on": today + timedelta(days=14),
            "reminders": reminders,
        }
    )
    return CampaignSpec.model_validate(moved.model_dump(mode="json", by_alias=True))  # as the database reads it


@dataclass(frozen=True)
class Population:
    """The chats (Telegram user ids) of reporters to nudge and of reporters whose unit already reported."""

    targets: dict[int, str]  # chat → unit name
    reported: set[int]
    campaign_id: int


def populate(session: Session, spec: CampaignSpec, *, units: int, reported: int) -> Population:
    """The campaign, `units` units with one active Telegram reporter each; the first `reported` have submitted."""
    campaign_id = campaigns.load_campaign(session, spec=spec, source_file="test").campaign.id
    assert campaign_id is not None
    targets: dict[int, str] = {}
    done: set[int] = set()
    for i in range(units):
        unit = Unit(code=f"CB-T{i:03d}", name=f"Chi bộ thử {i:03d}", kind=UnitKind.grassroots_cell, member_count=12)
        session.add(unit)
        session.flush()
        assert unit.id is not None
        chat = FIRST_USER + i
        session.add(
            Person(
                channel=Channel.telegram,
                channel_user_id=str(chat),
                chat_id=str(chat),
                display_name=f"Người báo cáo {i}",
                role=Role.reporter,
                unit_id=unit.id,
            )
        )
        if i < reported:
            session.add(
                Submission(
                    campaign_id=campaign_id,
                    unit_id=unit.id,
                    status=SubmissionStatus.submitted,
                    latest_version=1,
                    first_submitted_at=datetime.now(UTC),
                )
            )
            done.add(chat)
        else:
            targets[chat] = unit.name
    return Population(targets, done, campaign_id)


def statuses(session: Session) -> Counter[NudgeStatus]:
    return Counter(NudgeStatus(status) for status in session.exec(select(Nudge.status)).all())


def bot_process(workdir: Path, server: FakeTelegram, database_url: str) -> BotProcess:
    """`nqbot run` against the fake, sending at NQBOT_SEND_RATE=30."""
    return BotProcess(
        workdir,
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "DATABASE_URL": database_url,
            "NQBOT_TIMEZONE": "Asia/Ho_Chi_Minh",
            "NQBOT_SEND_RATE": "30",
        },
    )


def test_a_fan_out_survives_sigkill_with_a_message_in_flight(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    today = now.astimezone(VN).date()
    spec = campaign_for(today)
    steps = ladder.ladder(spec.reminders, spec.report_deadline, spec.closes_on, VN)
    due = ladder.due_step(steps, now)
    assert due is not None and due.name == "d0" and ladder.next_step(steps, now) is None

    url = f"sqlite:///{tmp_path / 'nqbot.db'}"
    database = Database(url)
    try:
        migrate.upgrade(database.engine)
        with database.session() as session:
            people = populate(session, spec, units=60, reported=2)
        targets = set(people.targets)

        with FakeTelegram(token=TOKEN) as server:
            server.hold_after(25)
            bot = bot_process(tmp_path, server, url)
            output = ""
            try:
                bot.start()
                held = server.wait_until_held(timeout=20)
                bot.kill()  # the 26th nudge is in flight: the process dies before Telegram takes it
                assert len(server.sent_messages()) == 25
                assert held["chat_id"] in targets and server.sent_count(held["chat_id"]) == 0
                assert server.release_held() == 1  # answered 500 to nobody, never delivered
                with database.session() as session:
                    left = statuses(session)  # the rest: claimed by the dead process's drain, or not yet
                    assert left[NudgeStatus.sent] == 25
                    assert left[NudgeStatus.sending] + left[NudgeStatus.pending] == len(targets) - 25

                bot.start()

                def everyone_nudged() -> bool:
                    return targets <= {sent["chat_id"] for sent in server.sent_messages()}

                server.wait_until(everyone_nudged, timeout=20, description="every target gets its nudge")

                def all_marked() -> bool:
                    with database.session() as session:
                        return set(statuses(session)) == {NudgeStatus.sent}

                wait_for(all_marked, timeout=10, description="every nudge row is marked")
            finally:
                bot.stop()
                output = bot.output()
                print(output)  # shown when the test fails

            counts = Counter(sent["chat_id"] for sent in server.sent_messages())
            assert counts == dict.fromkeys(targets, 1)  # exactly one each; none to units that reported
            assert not people.reported & set(counts)
            assert all("Nhắc báo cáo" in sent["text"] for sent in server.sent_messages())
            assert [(refused["chat_id"], refused["status"]) for refused in server.rejections] == [
                (held["chat_id"], 500)
            ]
        assert TOKEN.split(":")[1] not in output  # never in the logs

        with database.session() as session:
            rows = session.exec(select(Nudge)).all()
            assert len(rows) == len(targets) and {row.status for row in rows} == {NudgeStatus.sent}
            assert {row.step for row in rows} == {"d0"}
            nudged = session.exec(select(Person.chat_id).where(col(Person.id).in_([row.person_id for row in rows])))
            assert {int(chat) for chat in nudged.all()} == targets
    finally:
        database.dispose()


@pytest.fixture
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 gives RetryAfter.retry_after as a timedelta (and does not warn) with PTB_TIMEDELTA=1."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("timedelta_retry_after")
async def test_the_sender_waits_as_asked_and_a_blocked_reporter_shows_in_the_digest(database: Database) -> None:
    now = datetime.now(UTC)
    spec = campaign_for(now.astimezone(VN).date())
    with database.session() as session:
        people = populate(session, spec, units=6, reported=1)
        session.add(Person(channel=Channel.telegram, channel_user_id="900", chat_id="900", role=Role.staff))
        nudges.plan(session, campaign_id=people.campaign_id, step="d0", due_at=now, now=now)
    blocked = max(people.targets)
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    with FakeTelegram(token=TOKEN) as server:
        server.blocked_chats.add(blocked)
        server.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            sender = Sender(database, {Channel.telegram.value: TelegramDelivery(bot)}, timezone=VN, sleep=no_sleep)
            report = await sender.drain()
            assert (report.sent, report.unreachable, report.postponed) == (len(people.targets) - 1, 1, 0)
            assert any(2.9 < wait <= 3.0 for wait in waits)  # as the 429 asked (paced), nothing really slept

            reminders = Reminders(database, sender, digest=DIGEST, timezone=VN)
            await reminders.send_digest(people.campaign_id)

        for chat in people.targets:
            assert server.sent_count(chat) == (0 if chat == blocked else 1)
        assert not any(server.sent_count(chat) for chat in people.reported)
        assert [refused["status"] for refused in server.rejections] == [429, 403]
        [digest] = server.sent_messages(900)

    unreachable = say("digest.unreachable", "vi", count=1, units=people.targets[blocked])
    assert unreachable in digest["text"].splitlines()
    with database.session() as session:
        person = session.exec(select(Person).where(Person.chat_id == str(blocked))).one()
        assert person.state is PersonState.unreachable
        by_person = {row.person_id: row.status for row in session.exec(select(Nudge)).all()}
        assert by_person.pop(person.id or 0) is NudgeStatus.failed
        assert set(by_person.values()) == {NudgeStatus.sent} and len(by_person) == len(people.targets) - 1
