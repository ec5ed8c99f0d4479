"""The sender: every message the bot sends goes through it, paced per channel, replies first.

Usage:
    sender = Sender(database, {"telegram": TelegramDelivery(bot)}, timezone=tz)
    await sender.send_now("telegram", chat_id, queued)   # a turn's replies, written to the outbox claimed
    await sender.run()                                    # the leader: drain the outbox until cancelled

A turn's replies are stored in the outbox in the turn's own transaction, then sent at once by the process
that handled the turn. A reply the platform refuses for now (429, 5xx, a timeout) is retried: at once
while the wait is short (as long as a 429 asks), then by the drain, never lost and never answered by
"please send again". Later replies to that chat wait behind it, so a chat's messages keep their order.
The drain (one process holds it: see bot/leader.py) sends what is left: replies, notices, then nudges;
each row is claimed before it is sent and marked right after the platform answered, so a crash at any
point sends nothing twice but the one message in flight (at least once), and a reminder planned while a
fan-out runs never reaches anyone twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.engine.messages import Reply, reply_of
from bot.outbox.delivery import Delivered, Delivery, Result
from bot.outbox.nudge_text import nudge_reply
from bot.outbox.pacer import Pacer
from scheduler.ladder import after_quiet_hours, in_quiet_hours
from storage import campaigns, nudges, outbox
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, Channel, NudgeStatus, OutboxKind, utcnow

logger = logging.getLogger(__name__)

TRANSIENT_RETRIES = 2  # quick retries of a network error (1 s, 2 s) before the message waits for the drain
REPLY_PATIENCE = 30.0  # seconds a reply may wait inline for a 429 before the drain takes it over
DRAIN_PATIENCE = 60.0  # a longer wait asked for (Zalo's quota) rests the channel instead of holding the drain
POLL_EVERY = 5.0  # seconds between drains when nothing wakes the sender
DOWN_FIRST, DOWN_MAX = 5.0, 300.0  # a channel that failed is tried again after this, doubling
BATCH = 20  # rows claimed at a time: small, so a reminder planned meanwhile finds most rows unclaimed


@dataclass
class DrainReport:
    sent: int = 0
    skipped: int = 0
    unreachable: int = 0
    postponed: int = 0
    failed: int = 0
    deferred_for_quiet_hours: int = 0
    failing: set[int | None] = field(default_factory=set)  # people a send failed to


class Sender:
    """Sends replies at once and drains the outbox; one drain at a time."""

    def __init__(
        self,
        database: Database,
        deliveries: Mapping[str, Delivery],
        *,
        timezone: ZoneInfo,
        language: str = "vi",
        rate: float = 25.0,
        per_chat: float = 1.0,
        clock: Callable[[], Any] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.deliveries = deliveries  # only channels that are up (the app adds one when it starts)
        self.timezone = timezone
        self.language = language
        self.rate = rate
        self.per_chat = per_chat  # messages a second to one chat, after a burst of three
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self._pacers: dict[str, Pacer] = {}
        self._lock = asyncio.Lock()
        self._kick = asyncio.Event()
        self._specs: dict[int, CampaignSpec] = {}
        self._held_until: dict[int, datetime] = {}  # per campaign, the quiet hours' end already logged
        self._in_flight: set[int] = set()  # outbox rows this process is sending right now
        self._behind: dict[tuple[str, str], float] = {}  # chats with replies left to the drain → when
        self._down: dict[str, tuple[float, float]] = {}  # channel → (tried again after, next pause)
        self._failing: dict[str, set[str]] = {}  # channel → chats whose sends failed since the last that went

    def pacer(self, channel: str) -> Pacer:
        if channel not in self._pacers:
            self._pacers[channel] = Pacer(self.rate, per_chat=self.per_chat, sleep=self.sleep, monotonic=self.monotonic)
        return self._pacers[channel]

    def kick(self) -> None:
        """Something is waiting to be sent: the drain loop runs now instead of at its next poll."""
        self._kick.set()

    # --- a turn's replies, at once ---

    async def send_now(self, channel: str, chat_id: str, queued: Sequence[tuple[int, Reply]]) -> bool:
        """Send a turn's replies (outbox ids the turn wrote claimed, in order); True when all went. What
        could not go waits in the outbox for the drain, and this chat's next replies wait behind it."""
        if not queued:
            return True
        ids = [message_id for message_id, _ in queued]
        self._in_flight.update(ids)
        try:
            return await self._send_now(channel, chat_id, queued)
        finally:
            self._in_flight.difference_update(ids)

    async def _send_now(self, channel: str, chat_id: str, queued: Sequence[tuple[int, Reply]]) -> bool:
        delivery = self.deliveries.get(channel)
        if delivery is None or self._is_down(channel) or (channel, chat_id) in self._behind:
            await self.database.run(partial(outbox.release_all, ids=[i for i, _ in queued]))
            self._fall_behind(channel, chat_id)
            return False
        sent: list[int] = []
        try:
            for n, (message_id, reply) in enumerate(queued):
                outcome = await self._deliver(channel, delivery, chat_id, reply, urgent=True, patience=REPLY_PATIENCE)
                if outcome.result is Result.sent:
                    sent.append(message_id)
                elif outcome.result in (Result.rejected, Result.blocked):
                    logger.warning("a reply to %s chat %s was refused: %s", channel, chat_id, outcome.error)
                    await self.database.run(
                        partial(outbox.mark_failed, message_id=message_id, error=outcome.error, parts_sent=0)
                    )
                else:
                    logger.warning("a reply to %s chat %s waits for the drain: %s", channel, chat_id, outcome.error)
                    rest = [i for i, _ in queued[n + 1 :]]
                    await self.database.run(partial(self._leave, message_id, outcome, rest))
                    self._channel_failed(channel, chat_id, outcome)
                    self._fall_behind(channel, chat_id)
                    return False
            self._channel_worked(channel)
            return True
        finally:
            if sent:
                await self.database.run_core(partial(outbox.mark_sent, ids=sent, now=self.clock()))

    @staticmethod
    def _leave(message_id: int, outcome: Delivered, rest: list[int], session: Session) -> None:
        outbox.release(
            session,
            message_id=message_id,
            error=outcome.error,
            parts_sent=outcome.parts_sent,
            counted=outcome.result is not Result.retry_after,
        )
        outbox.release_all(session, ids=rest)

    def _fall_behind(self, channel: str, chat_id: str) -> None:
        self._behind[(channel, chat_id)] = self.monotonic()
        self.kick()

    # --- the drain ---

    async def recover(self, *, only_process: bool) -> None:
        """On taking the lead: the claims of nudges were the last leader's, who is gone; when this is the only
        process (SQLite), the claims of messages too. They are sent again (at most the one in flight twice)."""
        freed = await self.database.run(nudges.free_claims)
        if only_process:
            freed += await self.database.run(outbox.free_claims)
        if freed:
            logger.info("%d messages claimed by a process that stopped are sent again", freed)

    async def run(self) -> None:
        """Drain whenever kicked, and every POLL_EVERY seconds, until cancelled (the leader's task)."""
        while True:
            try:
                await self.drain()
            except Exception:  # a database error, say: logged; the next round tries again
                logger.exception("the outbox drain failed")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), POLL_EVERY)
            self._kick.clear()

    async def drain(self) -> DrainReport:
        """Send everything that is due now; returns what happened."""
        async with self._lock:
            report = DrainReport()
            self._specs.clear()  # a reloaded campaign file takes effect at the next drain
            await self._drain_messages(report)
            await self._drain_nudges(report)
            await self._give_up_on_failing(report)
            return report

    def _up(self) -> list[str]:
        return [channel for channel in self.deliveries if not self._is_down(channel)]

    async def _drain_messages(self, report: DrainReport) -> None:
        started = self.monotonic()
        failed_chats: set[tuple[str, str]] = set()
        left: set[int] = set()  # rows put back in this drain: the next drain tries them again
        while True:
            channels = [Channel(c) for c in self._up()]
            claim = partial(
                outbox.claim, now=self.clock(), channels=channels, limit=BATCH, exclude=self._in_flight | left
            )
            rows = await self.database.run(claim)
            if not rows:
                break
            left.update(row.id for row in rows)
            for row in rows:
                chat = (row.channel.value, row.chat_id)
                delivery = self.deliveries.get(row.channel.value)
                if chat in failed_chats or delivery is None or self._is_down(row.channel.value):
                    await self.database.run(partial(outbox.release_all, ids=[row.id]))  # keeps the chat's order
                    failed_chats.add(chat)
                    continue
                reply = reply_of(row.text, row.markup)
                outcome = await self._deliver(
                    row.channel.value,
                    delivery,
                    row.chat_id,
                    reply,
                    urgent=row.kind is OutboxKind.reply,
                    skip=row.parts_sent,
                )
                if not await self._settle_message(row, outcome, report):
                    failed_chats.add(chat)
        for chat, since in list(self._behind.items()):
            if chat not in failed_chats and since < started:
                del self._behind[chat]

    async def _settle_message(self, row: outbox.Message, outcome: Delivered, report: DrainReport) -> bool:
        """Mark a drained message by how its delivery went; False when it must wait for a later drain."""
        if outcome.result is Result.sent:
            await self.database.run_core(partial(outbox.mark_sent, ids=[row.id], now=self.clock()))
            report.sent += 1
            self._channel_worked(row.channel.value)
            return True
        if outcome.result in (Result.rejected, Result.blocked):
            await self.database.run(
                partial(outbox.mark_failed, message_id=row.id, error=outcome.error, parts_sent=outcome.parts_sent)
            )
            if outcome.result is Result.blocked and row.person_id is not None:
                await self.database.run(partial(nudges.mark_unreachable, person_id=row.person_id, now=self.clock()))
                report.unreachable += 1
            else:
                report.failed += 1
                report.failing.add(row.person_id)
            return True
        await self.database.run(partial(self._leave, row.id, outcome, []))
        self._channel_failed(row.channel.value, row.chat_id, outcome)
        report.postponed += 1
        if outcome.result is Result.transient:
            report.failing.add(row.person_id)
        return False

    async def _give_up_on_failing(self, report: DrainReport) -> None:
        """Sends to these people failed in this drain: after days of failures (and none for others on their
        channel) they are unreachable, and what waits for them is failed."""
        for person_id in sorted(p for p in report.failing if p is not None):
            give_up = partial(nudges.give_up_if_failing, person_id=person_id, now=self.clock())
            if await self.database.run(give_up):
                logger.warning("person %s: sends have failed for days; marked unreachable", person_id)
                report.unreachable += 1

    async def _drain_nudges(self, report: DrainReport) -> None:
        quiet = await self._quiet_campaigns()
        for campaign_id in quiet:
            held = await self.database.run(partial(nudges.pending_count, campaign_ids=[campaign_id]))
            report.deferred_for_quiet_hours += held
            await self._log_held(campaign_id, held)
        tried: set[int] = set()  # a nudge that failed for now waits for the next drain
        while True:
            claim = partial(
                nudges.claim, now=self.clock(), channels=self._up(), quiet_campaigns=quiet, limit=BATCH, exclude=tried
            )
            rows = await self.database.run(claim)
            if not rows:
                return
            tried.update(row.nudge_id for row in rows)
            for row in rows:
                await self._send_nudge(row, report)
            if self._behind:  # a reply left to the drain does not wait for the whole fan-out
                await self._drain_messages(report)

    async def _quiet_campaigns(self) -> list[int]:
        """The campaigns with nudges waiting whose quiet hours it is now."""
        waiting = await self.database.run(nudges.campaigns_waiting)
        now = self.clock()
        return [
            campaign_id
            for campaign_id in waiting
            if in_quiet_hours(now, (await self._spec(campaign_id)).reminders.quiet_hours, self.timezone)
        ]

    async def _log_held(self, campaign_id: int, held: int) -> None:
        """Say once per quiet window that a campaign's reminders wait, and until when."""
        quiet = (await self._spec(campaign_id)).reminders.quiet_hours
        until = after_quiet_hours(self.clock(), quiet, self.timezone)
        if held and self._held_until.get(campaign_id) != until:
            self._held_until[campaign_id] = until
            local = until.astimezone(self.timezone).strftime("%H:%M %d/%m/%Y")
            logger.info("campaign %s: %d reminders held for quiet hours until %s", campaign_id, held, local)

    async def _spec(self, campaign_id: int) -> CampaignSpec:
        if campaign_id not in self._specs:
            campaign = await self.database.run(lambda s: s.get(Campaign, campaign_id))
            assert campaign is not None
            self._specs[campaign_id] = campaigns.spec_of(campaign)
        return self._specs[campaign_id]

    async def _send_nudge(self, row: nudges.Outgoing, report: DrainReport) -> None:
        mark = partial(nudges.mark, nudge_id=row.nudge_id)
        if row.submitted:  # reported since the step was planned
            await self.database.run(partial(mark, status=NudgeStatus.skipped, now=self.clock()))
            report.skipped += 1
            return
        delivery = self.deliveries.get(row.channel)
        today = self.clock().astimezone(self.timezone).date()
        reply = nudge_reply(row, await self._spec(row.campaign_id), today=today, language=self.language)
        outcome = (
            await self._deliver(row.channel, delivery, row.chat_id, reply, urgent=False)
            if delivery is not None and not self._is_down(row.channel)
            else Delivered(Result.transient, error=f"{row.channel} is not up")
        )
        if outcome.result is Result.sent:
            await self.database.run(partial(mark, status=NudgeStatus.sent, now=self.clock()))
            report.sent += 1
            self._channel_worked(row.channel)
        elif outcome.result is Result.blocked:
            await self.database.run(partial(mark, status=NudgeStatus.failed, now=self.clock(), error=outcome.error))
            await self.database.run(partial(nudges.mark_unreachable, person_id=row.person_id, now=self.clock()))
            report.unreachable += 1
        elif outcome.result is Result.rejected:
            await self.database.run(partial(mark, status=NudgeStatus.failed, now=self.clock(), error=outcome.error))
            report.failed += 1
            report.failing.add(row.person_id)
        else:
            await self.database.run(partial(nudges.release, nudge_id=row.nudge_id, error=outcome.error))
            self._channel_failed(row.channel, row.chat_id, outcome)
            report.postponed += 1
            if outcome.result is Result.transient and delivery is not None:
                report.failing.add(row.person_id)

    # --- one message ---

    async def _deliver(
        self,
        channel: str,
        delivery: Delivery,
        chat_id: str,
        reply: Reply,
        *,
        urgent: bool,
        skip: int = 0,
        patience: float = DRAIN_PATIENCE,
    ) -> Delivered:
        """Send one message in the channel's pace, waiting as the platform asks (up to `patience` seconds in
        all) and retrying network errors twice; pieces already delivered are not sent again."""
        pacer = self.pacer(channel)
        failures, waited = 0, 0.0
        while True:
            await pacer.wait(chat_id, urgent=urgent)
            outcome = await delivery.deliver(chat_id, reply, skip=skip)
            skip = max(skip, outcome.parts_sent)
            if outcome.result is Result.retry_after and waited + outcome.wait <= patience:
                logger.info("%s rate limit: waiting %.1f s as asked", channel, outcome.wait)
                pacer.pause(outcome.wait)
                waited += outcome.wait
                continue
            if outcome.result is Result.transient and failures < TRANSIENT_RETRIES:
                failures += 1
                await self.sleep(2.0 ** (failures - 1))
                continue
            return outcome

    # --- channels that fail ---

    def _is_down(self, channel: str) -> bool:
        return self._down.get(channel, (0.0, 0.0))[0] > self.monotonic()

    def _channel_failed(self, channel: str, chat_id: str, outcome: Delivered) -> None:
        """Rest the channel a while (5 s, doubling up to 5 min; at least as long as the platform asked) before
        its messages are tried again: when it asked to wait, or when sends to a second chat failed with none
        delivered between (one person's failing sends, which Zalo cannot tell from a fault, rest only their chat)."""
        failing = self._failing.setdefault(channel, set())
        failing.add(chat_id)
        if outcome.result is not Result.retry_after and len(failing) < 2:
            return
        failing.clear()
        _, pause = self._down.get(channel, (0.0, DOWN_FIRST))
        wait = max(pause, outcome.wait) if outcome.result is Result.retry_after else pause
        self._down[channel] = (self.monotonic() + wait, min(DOWN_MAX, pause * 2))
        logger.warning("%s: sending failed; its messages wait %.0f s", channel, wait)

    def _channel_worked(self, channel: str) -> None:
        self._down.pop(channel, None)
        self._failing.pop(channel, None)
