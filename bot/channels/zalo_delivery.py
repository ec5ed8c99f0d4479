"""Sending on Zalo: a reply rendered as plain text, sent in pieces, counted against the month's quota, and
Zalo's errors read as its documentation gives them.

Usage:
    quota = Quota(database, timezone=tz)
    delivery = ZaloDelivery(api, quota=quota, actions=TypedActions())
    outcome = await delivery.deliver(chat_id, reply)   # what the sender (bot/outbox/sender.py) calls

Zalo documents the error codes 400, 401, 403 ("Internal server error"), 404, 408 and 429 ("Quota
exceeded"), and none for a person who blocked the bot: a failed send never says "blocked" here; the sender
gives up on a person only after days of failing sends (storage/nudges.py `give_up_if_failing`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.channels.typed_actions import TypedActions
from bot.channels.zalo_api import ZaloApi, ZaloApiError
from bot.engine import Reply
from bot.outbox.delivery import Delivered, Result, split
from bot.texts import say
from storage import outbox, people, usage
from storage.database import Database
from storage.models import Channel, utcnow
from storage.units import fold

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # UTF-16 code units a sendMessage text may have
QUOTA_PAUSE = 300.0  # seconds the channel rests after a 429 "Quota exceeded" (Zalo says no retry_after)
REFUSED = frozenset({400, 404})  # the message itself was refused: fail it, not the channel
# Measured by bench/zalo_messages.py: the Zalo messages a whole report costs (joining, one an answer, the
# summary with the last answer, the confirmation), and one a nudge. The quota warning says how far the
# month's rest goes at these rates.
MESSAGES_PER_REPORT = 26


def render(reply: Reply, language: str = "vi") -> str:
    """The reply as Zalo shows it: its text, then its choices as numbered lines; action buttons become a line
    naming what to type ("Gõ “Gửi nhắc” hoặc “Hủy”."), but for those the text already quotes."""
    lines = [reply.text] if reply.text else []
    lines += [f"{i}. {button.label}" for i, button in enumerate(reply.choices, start=1)]
    named = fold(reply.text)  # a label the text quotes ("gõ “bỏ qua”") is named already
    labels = [f"“{b.label}”" for row in reply.buttons for b in row if fold(f"“{b.label}”") not in named]
    if labels:
        lines.append(say("zalo.type_action", language, labels=say("zalo.or", language).join(labels)))
    if reply.attachment is not None:  # Zalo takes no uploads: say where to get the file instead
        lines.append(say("zalo.no_attachment", language, filename=reply.attachment.filename))
    return "\n".join(lines)


class Quota:
    """Counts the Zalo messages sent each month in the database and warns staff (a notice each) once when the
    month's count reaches `warn_at` of the plan's `monthly` allowance, saying how many reports and nudges the
    rest of the month allows."""

    def __init__(
        self,
        database: Database,
        *,
        timezone: ZoneInfo,
        monthly: int = 3000,
        warn_at: float = 0.8,
        language: str = "vi",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.timezone = timezone
        self.monthly = monthly
        self.warn_at = warn_at
        self.language = language
        self.clock = clock

    async def count(self, sent: int) -> None:
        """Add `sent` messages to this month's count; a database error is logged, never stops a send."""
        if sent <= 0:
            return
        now = self.clock()
        month = now.astimezone(self.timezone).strftime("%Y-%m")
        try:
            await self.database.run(partial(self._record, month=month, sent=sent, now=now))
        except Exception:
            logger.exception("could not count %d Zalo message(s)", sent)

    def _record(self, session: Session, *, month: str, sent: int, now: datetime) -> None:
        before, after = usage.add_sent(session, channel=Channel.zalo, month=month, count=sent, now=now)
        threshold = math.ceil(self.monthly * self.warn_at)
        if before < threshold <= after:
            logger.warning("Zalo: %d of the month's %d messages sent (%s)", after, self.monthly, month)
            for person in people.staff_members(session):
                outbox.add_notice(
                    session,
                    person=person,
                    campaign_id=None,
                    key=f"quota:zalo:{month}",
                    text=self.warning(after, month),
                    now=now,
                )
        if before < self.monthly <= after:
            logger.warning("Zalo: the month's %d messages are used up (%s)", self.monthly, month)

    def warning(self, sent: int, month: str) -> str:
        """The notice to staff: how much of the month's allowance is used, and what the rest still allows."""
        year, number = month.split("-")
        left = max(0, self.monthly - sent)
        return say(
            "zalo.quota_warning",
            self.language,
            sent=sent,
            quota=self.monthly,
            month=f"{int(number)}/{year}",
            percent=math.floor(100 * sent / self.monthly),
            reports=left // MESSAGES_PER_REPORT,
            per_report=MESSAGES_PER_REPORT,
            nudges=left,
        )


class ZaloDelivery:
    """Sends the sender's messages (replies, nudges, notices) through the Bot API and says how it went."""

    def __init__(self, api: ZaloApi, *, quota: Quota, actions: TypedActions, language: str = "vi") -> None:
        self.api = api
        self.quota = quota
        self.actions = actions
        self.language = language

    async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
        sent = skip
        try:
            for piece in split(render(reply, self.language), MAX_TEXT)[skip:]:
                await self.api.send_message(chat_id, piece)
                sent += 1
        except ZaloApiError as exc:
            return replace(failed(exc), parts_sent=sent)
        finally:
            await self.quota.count(sent - skip)
        if reply.buttons:
            self.actions.remember(chat_id, [reply])
        return Delivered(Result.sent, parts_sent=sent)


def failed(exc: ZaloApiError) -> Delivered:
    """What a failed send means for the sender, by Zalo's documented codes (read from the envelope, or the HTTP
    status when the body had none): 429 "Quota exceeded" rests the channel (`QUOTA_PAUSE`; Zalo gives no
    wait); 400 and 404 refuse this message; 401, 403 ("Internal server error"), 408, 5xx and no answer at all
    are tried again later. None means "blocked": Zalo documents no such case."""
    code = exc.error_code or exc.status
    if code == 429 or exc.status == 429:
        return Delivered(Result.retry_after, wait=QUOTA_PAUSE, error=str(exc))
    if code in REFUSED:
        return Delivered(Result.rejected, error=str(exc))
    return Delivered(Result.transient, error=str(exc))
