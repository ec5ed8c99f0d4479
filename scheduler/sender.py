"""The sender: drains the nudge outbox through each person's channel, within the platforms' limits.

Usage:
    sender = Sender(database, {"telegram": TelegramDelivery(bot)}, timezone=tz)
    report = await sender.drain()

A row is marked sent right after the platform accepted it, in its own transaction, so a crash at any
point leaves every delivered nudge marked and every other one pending: on restart the pending ones are
sent and the sent ones never again. The one message in flight at the moment of a crash is the exception:
if the platform took it but the process died before hearing so, it is sent again (at least once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import formatting
from bot.engine import Button, Reply
from bot.engine import questionnaire as qn
from bot.texts import say
from scheduler.ladder import in_quiet_hours
from storage import campaigns, nudges
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, NudgeStatus, utcnow

logger = logging.getLogger(__name__)

TRANSIENT_RETRIES = 2  # quick retries of a network error (1 s, 2 s); then the channel counts as down
# until the next drain, and its rows wait (postponed) while the other channels' rows go on
LATER = timedelta(minutes=5)


class Result(StrEnum):
    sent = "sent"
    retry_after = "retry_after"  # the platform asks us to wait
    blocked = "blocked"  # the person blocked the bot, or the chat is gone
    transient = "transient"  # a network error: try again


@dataclass(frozen=True)
class Delivered:
    result: Result
    wait: float = 0.0
    error: str = ""


class Delivery(Protocol):
    """One channel's way of sending a message to a chat (Telegram now, Zalo later)."""

    async def deliver(self, chat_id: str, reply: Reply) -> Delivered: ...


@dataclass
class DrainReport:
    sent: int = 0
    skipped: int = 0
    unreachable: int = 0
    postponed: int = 0
    deferred_for_quiet_hours: int = 0


@dataclass
class Pacer:
    """At most `rate` messages a second in all, and one a second to any one chat."""

    rate: float
    per_chat: float = 1.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    _next: float = 0.0
    _chats: dict[str, float] = field(default_factory=dict)

    async def wait(self, chat: str) -> None:
        now = self.monotonic()
        start = max(now, self._next, self._chats.get(chat, 0.0))
        self._next = start + 1.0 / self.rate
        self._chats[chat] = start + self.per_chat
        if start > now:
            await self.sleep(start - now)


class Sender:
    """Drains pending nudges and staff notices; one drain at a time."""

    def __init__(
        self,
        database: Database,
        deliveries: Mapping[str, Delivery],
        *,
        timezone: ZoneInfo,
        language: str = "vi",
        rate: float = 25.0,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.database = database
        self.deliveries = deliveries
        self.timezone = timezone
        self.language = language
        self.clock = clock
        self.sleep = sleep
        self.pacer = Pacer(rate, sleep=sleep)
        self._lock = asyncio.Lock()
        self._specs: dict[int, CampaignSpec] = {}
        self._down: set[str] = set()  # channels that failed in the current drain

    async def drain(self) -> DrainReport:
        """Send everything that is due now; returns what happened."""
        async with self._lock:
            report = DrainReport()
            self._specs.clear()  # a reloaded campaign file takes effect at the next drain
            self._down = set()
            await self._drain_notices(report)
            while True:
                batch = await self.database.run(lambda s: nudges.due(s, now=self.clock()))
                batch = [row for row in batch if not await self._quiet(row.campaign_id, report)]
                if not batch:
                    return report
                for row in batch:
                    await self._send_nudge(row, report)

    async def _quiet(self, campaign_id: int, report: DrainReport) -> bool:
        spec = await self._spec(campaign_id)
        if in_quiet_hours(self.clock(), spec.reminders.quiet_hours, self.timezone):
            report.deferred_for_quiet_hours += 1
            return True
        return False

    async def _spec(self, campaign_id: int) -> CampaignSpec:
        if campaign_id not in self._specs:
            campaign = await self.database.run(lambda s: s.get(Campaign, campaign_id))
            assert campaign is not None
            self._specs[campaign_id] = campaigns.spec_of(campaign)
        return self._specs[campaign_id]

    async def _send_nudge(self, row: nudges.Outgoing, report: DrainReport) -> None:
        if row.submitted:  # reported since the step was planned
            await self._mark(row.nudge_id, NudgeStatus.skipped)
            report.skipped += 1
            return
        reply = self.nudge_reply(row, await self._spec(row.campaign_id))
        if row.channel in self._down:
            outcome = Delivered(Result.transient, error=f"{row.channel} is down")
        else:
            outcome = await self._deliver(row.channel, row.chat_id, reply)
        if outcome.result is Result.sent:
            await self._mark(row.nudge_id, NudgeStatus.sent)
            report.sent += 1
        elif outcome.result is Result.blocked:
            await self.database.run(partial(nudges.mark_unreachable, person_id=row.person_id))
            report.unreachable += 1
        else:
            self._down.add(row.channel)
            later = self.clock() + LATER
            await self.database.run(partial(nudges.postpone, nudge_id=row.nudge_id, until=later, error=outcome.error))
            report.postponed += 1

    async def _drain_notices(self, report: DrainReport) -> None:
        for notice in await self.database.run(lambda s: nudges.due_notices(s)):
            if notice.channel in self._down:
                continue
            outcome = await self._deliver(notice.channel, notice.chat_id, Reply(notice.text))
            status = NudgeStatus.sent if outcome.result is Result.sent else NudgeStatus.failed
            if outcome.result is Result.transient:
                self._down.add(notice.channel)
                continue  # stays pending for the next drain
            await self.database.run(
                partial(nudges.mark_notice, notice_id=notice.notice_id, status=status, now=self.clock())
            )
            if outcome.result is Result.blocked:
                await self.database.run(partial(nudges.mark_unreachable, person_id=notice.person_id))

    async def _deliver(self, channel: str, chat_id: str, reply: Reply) -> Delivered:
        """Send one message, waiting as the platform asks and retrying network errors with backoff."""
        delivery = self.deliveries.get(channel)
        if delivery is None:
            return Delivered(Result.transient, error=f"no delivery for channel {channel}")
        failures = 0
        while True:
            await self.pacer.wait(chat_id)
            outcome = await delivery.deliver(chat_id, reply)
            if outcome.result is Result.retry_after:
                logger.info("rate limited: waiting %.1f s as asked", outcome.wait)
                await self.sleep(outcome.wait)
                continue
            if outcome.result is Result.transient and failures < TRANSIENT_RETRIES:
                failures += 1
                await self.sleep(2.0 ** (failures - 1))
                continue
            return outcome

    async def _mark(self, nudge_id: int, status: NudgeStatus) -> None:
        await self.database.run(partial(nudges.mark, nudge_id=nudge_id, status=status, now=self.clock()))

    def nudge_reply(self, row: nudges.Outgoing, spec: CampaignSpec) -> Reply:
        """The nudge's text: days left (or late), unanswered questions of a draft, a button to the report."""
        lang = self.language
        today = self.clock().astimezone(self.timezone).date()
        days = (row.report_deadline - today).days
        deadline = formatting.day(row.report_deadline)
        if days > 0:
            when = say("nudge.days_left", lang, days=days, deadline=deadline)
        elif days == 0:
            when = say("nudge.due_today", lang, deadline=deadline)
        else:
            when = say("nudge.days_late", lang, days=-days, deadline=deadline)
        lines = [
            say("nudge.heading", lang, title=row.campaign_title),
            say("nudge.unit", lang, unit=row.unit_name, when=when),
        ]
        if row.draft_answers:
            context = qn.context(spec, today=today, register_members=row.register_members)
            walk = qn.Walk(spec.questionnaire, dict(row.draft_answers), context)
            left = sum(1 for q in walk.applicable() if q.id not in row.draft_answers)
            lines.append(say("nudge.draft", lang, count=left))
        lines.append(say("nudge.action", lang))
        return Reply("\n".join(lines), buttons=((Button(say("button.open_report", lang), "report"),),))
