"""How close the nudge sender comes to Telegram's rate limit on a big fan-out, without a duplicate or a loss.

Usage:
    .venv/bin/python bench/nudge_fanout.py [--reporters 10000] [--limit 30] [--rate R]

A SQLite file (made by the Alembic migrations) in a temporary folder gets a campaign with no quiet hours and
N units with one Telegram reporter each (bulk inserts). The fan-out is timed: ``nudges.plan`` for one step,
i.e. writing N outbox rows. Then one ``Sender.drain()`` sends them through ``TelegramDelivery`` and a real
python-telegram-bot Bot over HTTP to the fake Bot API of tests/fakes/telegram_api.py, which accepts at most
``--limit`` sendMessage calls in any sliding second and answers the rest 429 with retry_after.

Printed: the configured limit, the sender's rate, messages sent, wall time, messages a second and their share
of the limit, the 429s the fake returned, duplicates (chats sent more than one message), losses (targets sent
nothing, and nudge rows not marked sent), and the fan-out build time. The goal: at least 90 % of the limit,
no duplicates, no losses, and no 429s to lean on.

The default rate is 95 % of the limit: the Pacer spaces the starts of sends exactly 1/rate apart, but each
request reaches the server a little later than it started, by a varying amount; at 100 % any jitter puts
limit + 1 requests in some sliding second and draws a 429 (and a wait of a whole second). 95 % leaves each
30 consecutive sends about 50 ms of slack at 30/s. 10 000 reporters at 28.5/s take about 6 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, without PTB's warning


from sqlalchemy import insert  # noqa: E402
from sqlmodel import col, func, select  # noqa: E402
from telegram import Bot  # noqa: E402

from bot.channels.telegram import TelegramDelivery  # noqa: E402
from bot.demo import demo_campaign  # noqa: E402
from bot.outbox.sender import DrainReport, Sender  # noqa: E402
from storage import campaigns, migrate, nudges  # noqa: E402
from storage.campaign_spec import CampaignSpec, QuietHours, load_campaign_file  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.models import Channel, Nudge, NudgeStatus, Person, PersonState, Role, Unit, UnitKind  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

CAMPAIGN = ROOT / "campaigns" / "nq15-2022.yaml"
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "123456:BENCH"
FIRST_USER = 100_000
DEFAULT_RATE_SHARE = 0.95  # of the limit; see the module docstring
GOAL_SHARE = 0.90


@dataclass
class Outcome:
    limit: float
    rate: float
    targets: int
    build_seconds: float
    sent: int
    wall: float
    too_many_requests: int
    duplicates: int
    never_sent: int
    rows_not_sent: int
    report: DrainReport

    @property
    def per_second(self) -> float:
        return self.sent / self.wall if self.wall else 0.0

    @property
    def share(self) -> float:
        return self.per_second / self.limit

    @property
    def goal_met(self) -> bool:
        losses = self.never_sent + self.rows_not_sent
        return self.share >= GOAL_SHARE and self.duplicates == 0 and losses == 0 and self.too_many_requests == 0


def campaign_spec(today: datetime) -> CampaignSpec:
    """The shipped campaign moved to today, with an empty quiet window (start == end), valid as stored."""
    source = demo_campaign(load_campaign_file(CAMPAIGN), today.date())
    midnight = clock_time(0, 0)
    reminders = source.reminders.model_copy(update={"quiet_hours": QuietHours(start=midnight, end=midnight)})
    spec = source.model_copy(update={"code": "bench", "reminders": reminders})
    return CampaignSpec.model_validate(spec.model_dump(mode="json", by_alias=True))


def prepare(database: Database, reporters: int) -> int:
    """Migrate, load the campaign, bulk-insert the units and their reporters; returns the campaign id."""
    migrate.upgrade(database.engine)
    now = datetime.now(UTC)
    with database.session() as session:
        campaign_id = campaigns.load_campaign(session, spec=campaign_spec(now.astimezone(TIMEZONE))).campaign.id
        assert campaign_id is not None
        session.execute(
            insert(Unit),
            [
                {
                    "code": f"B{i:06d}",
                    "name": f"Chi bộ {i:06d}",
                    "kind": UnitKind.grassroots_cell,
                    "member_count": 12,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(reporters)
            ],
        )
        unit_ids = dict(session.exec(select(Unit.code, Unit.id)).all())
        session.execute(
            insert(Person),
            [
                {
                    "channel": Channel.telegram,
                    "channel_user_id": str(FIRST_USER + i),
                    "chat_id": str(FIRST_USER + i),
                    "display_name": f"Người báo cáo {i}",
                    "role": Role.reporter,
                    "unit_id": unit_ids[f"B{i:06d}"],
                    "state": PersonState.active,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(reporters)
            ],
        )
    return campaign_id


def fan_out(database: Database, campaign_id: int) -> tuple[int, float]:
    """One step's nudges written (one transaction, committed): how many, and the seconds it took."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    with database.session() as session:
        written = nudges.plan(session, campaign_id=campaign_id, step="d0", due_at=now, now=now)
    return written, time.perf_counter() - started


async def drain(database: Database, server: FakeTelegram, rate: float) -> tuple[DrainReport, float]:
    """One drain of the outbox through a real PTB Bot over HTTP: the report and its wall time."""
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        sender = Sender(database, {Channel.telegram.value: TelegramDelivery(bot)}, timezone=TIMEZONE, rate=rate)
        started = time.perf_counter()
        report = await sender.drain()
        return report, time.perf_counter() - started


def run(reporters: int, limit: float, rate: float) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="nqbot-fanout-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            campaign_id = prepare(database, reporters)
            written, build = fan_out(database, campaign_id)
            with FakeTelegram(token=TOKEN) as server:
                server.rate_limit_per_second = limit
                report, wall = asyncio.run(drain(database, server, rate))
                per_chat = Counter(sent["chat_id"] for sent in server.sent_messages())
                too_many = sum(1 for refused in server.rejections if refused["status"] == 429)
            with database.session() as session:
                unsent = select(func.count()).select_from(Nudge).where(col(Nudge.status) != NudgeStatus.sent)
                rows_not_sent = int(session.exec(unsent).one())
        finally:
            database.dispose()
    targets = {FIRST_USER + i for i in range(reporters)}
    return Outcome(
        limit=limit,
        rate=rate,
        targets=written,
        build_seconds=build,
        sent=sum(per_chat.values()),
        wall=wall,
        too_many_requests=too_many,
        duplicates=sum(1 for count in per_chat.values() if count > 1),
        never_sent=len(targets - set(per_chat)),
        rows_not_sent=rows_not_sent,
        report=report,
    )


def print_outcome(outcome: Outcome) -> None:
    print(f"configured limit      {outcome.limit:g} messages/s (the fake answers 429 above it)")
    print(f"sender rate           {outcome.rate:g} messages/s")
    print(f"fan-out build         {outcome.targets} outbox rows in {outcome.build_seconds * 1000:.0f} ms")
    print(f"messages sent         {outcome.sent}")
    print(f"wall time             {outcome.wall:.1f} s")
    print(f"achieved              {outcome.per_second:.2f} messages/s = {outcome.share:.1%} of the limit")
    print(f"429s returned         {outcome.too_many_requests}")
    print(f"duplicates            {outcome.duplicates} chats got more than one message")
    lost = f"{outcome.never_sent} targets got nothing, {outcome.rows_not_sent} rows not marked sent"
    print(f"losses                {lost}")
    report = outcome.report
    print(f"drain report          sent {report.sent}, postponed {report.postponed}, unreachable {report.unreachable}")
    verdict = "met" if outcome.goal_met else "NOT met"
    print(f"goal                  {verdict} (>= {GOAL_SHARE:.0%} of the limit, no duplicates, no losses, no 429s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reporters", type=int, default=10_000, help="units, one reporter each (default 10000)")
    parser.add_argument("--limit", type=float, default=30.0, help="the fake's messages a second (default 30)")
    parser.add_argument(
        "--rate", type=float, default=None, help=f"the sender's rate (default {DEFAULT_RATE_SHARE:.0%} of --limit)"
    )
    args = parser.parse_args()
    rate = args.rate if args.rate is not None else round(args.limit * DEFAULT_RATE_SHARE, 2)
    outcome = run(args.reporters, args.limit, rate)
    print_outcome(outcome)
    sys.exit(0 if outcome.goal_met else 1)


if __name__ == "__main__":
    main()
