"""Zalo through its Bot API: updates in (long polling or a webhook), the engine's replies out as plain text.

Usage:
    api = ZaloApi(token, settings.zalo_api_base_url)
    quota, actions = Quota(database, timezone=tz), TypedActions()
    channel = ZaloChannel(engine, api, quota=quota, actions=actions)
    service = ZaloService(channel)  # long polling; or ZaloService(channel, webhook=(settings, server))
    await service.start()
    sender = Sender(database, {"zalo": service.delivery}, timezone=tz)  # the bot's one sender (bot/app.py)

Zalo has no buttons: a question's choices become numbered lines (typing the number or the label answers)
and action buttons are left out, since the text names their typed alternative ("gõ “gửi”"); typing an
action's label still presses it, as in the terminal demo. Texts are cut at 2,000 UTF-16 units between
words. Stickers, photos and voice notes are answered with a request to type. Each update is recorded by
its message id in the database in the transaction that handles it, so a redelivered update is handled once;
its replies are written to the outbox in that transaction and sent by the sender (retried if they fail).
Every message sent is counted per month (Zalo's free plan allows 3,000); staff are warned once at 80 %.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.channels.chat_locks import ChatLocks
from bot.channels.typed_actions import TypedActions
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_api import ZaloApi, ZaloApiError
from bot.engine import Engine, Inbound, Reply
from bot.outbox.delivery import Delivered, Result, split
from bot.outbox.sender import Sender
from bot.settings import Webhook
from bot.texts import say
from storage import inbound, outbox, people, usage
from storage.database import Database
from storage.models import Channel, utcnow

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # UTF-16 code units a sendMessage text may have
TEXT_EVENT = "message.text.received"
MAX_BACKOFF = 60.0


# --- rendering ---


def render(reply: Reply, language: str = "vi") -> str:
    """The reply as Zalo shows it: its text, then its choices as numbered lines; action buttons are left out."""
    lines = [reply.text] if reply.text else []
    lines += [f"{i}. {button.label}" for i, button in enumerate(reply.choices, start=1)]
    if reply.attachment is not None:  # Zalo takes no uploads: say where to get the file instead
        lines.append(say("zalo.no_attachment", language, filename=reply.attachment.filename))
    return "\n".join(lines)


# --- the monthly quota ---


class Quota:
    """Counts the Zalo messages sent each month in the database and warns staff (a notice each) once when the
    month's count reaches `warn_at` of the plan's `monthly` allowance."""

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
            year, number = month.split("-")
            text = say(
                "zalo.quota_warning",
                self.language,
                sent=after,
                quota=self.monthly,
                month=f"{int(number)}/{year}",
                percent=math.floor(100 * after / self.monthly),
            )
            for person in people.staff_members(session):
                outbox.add_notice(
                    session, person=person, campaign_id=None, key=f"quota:zalo:{month}", text=text, now=now
                )
        if before < self.monthly <= after:
            logger.warning("Zalo: the month's %d messages are used up (%s)", self.monthly, month)


# --- receiving ---


class ZaloChannel:
    """Turns Zalo updates into Inbound events for the engine and sends its replies back."""

    def __init__(
        self,
        engine: Engine,
        api: ZaloApi,
        *,
        quota: Quota,
        actions: TypedActions,
        language: str = "vi",
        sender: Sender | None = None,
        poll_interval: float = 1.0,
        poll_timeout: int = 30,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        engine.outbox.add(Channel.zalo)
        self.engine = engine
        self.api = api
        self.quota = quota
        self.actions = actions
        self.language = language
        self.poll_interval = poll_interval  # Zalo asks for at least 1 s between polls; tests shorten it
        self.poll_timeout = poll_timeout
        self.sleep = sleep
        self.monotonic = monotonic
        self._locks = ChatLocks()
        delivery = ZaloDelivery(api, quota=quota, actions=actions, language=language)
        self.delivery = delivery
        self.sender = sender or Sender(
            engine.database, {Channel.zalo.value: delivery}, timezone=engine.timezone, language=language
        )

    async def poll(self) -> None:
        """Long-poll until cancelled: each update handled before the next poll, which follows at once when the
        last one brought an update (Zalo hands them over one a call: a queue of people is not served one a
        second); `poll_interval` after an empty poll, and a growing pause (up to a minute) while polls fail."""
        failures = 0
        while True:
            started = self.monotonic()
            try:
                updates = await self.api.get_updates(self.poll_timeout)
            except ZaloApiError as exc:
                failures += 1
                pause = min(MAX_BACKOFF, 2.0 ** (failures - 1))
                logger.warning("Zalo getUpdates failed (%s); polling again in %.0f s", exc, pause)
                await self.sleep(pause)
                continue
            failures = 0
            for update in updates:
                try:
                    await self.handle_update(update)
                except Exception:  # a database error, say: logged; polling goes on
                    logger.exception("error while handling a Zalo update")
            if not updates:
                await self.sleep(max(0.0, self.poll_interval - (self.monotonic() - started)))

    async def handle_update(self, update: Mapping[str, Any]) -> None:
        """Answer one update: a webhook's `{ok, result}` wrapper or the bare update."""
        result = update.get("result")
        event = result if isinstance(result, Mapping) else update
        message = event.get("message")
        if not isinstance(message, Mapping):
            logger.info("Zalo update without a message ignored: %s", event.get("event_name"))
            return
        chat, sender = _mapping(message.get("chat")), _mapping(message.get("from"))
        chat_id = str(chat.get("id") or sender.get("id") or "")
        if not chat_id or sender.get("is_bot"):
            return
        private = chat.get("chat_type", "PRIVATE") == "PRIVATE"
        text = message.get("text")
        async with self._locks.hold(chat_id):
            if isinstance(text, str) and text.strip() and event.get("event_name") in (TEXT_EVENT, None):
                pressed = self.actions.pressed(chat_id, text)
                typed = Inbound(
                    Channel.zalo,
                    str(sender.get("id") or chat_id),
                    chat_id,
                    text=None if pressed else text,
                    button=pressed,
                    display_name=str(sender.get("display_name") or sender.get("first_name") or ""),
                    private=private,
                    event_id=self._event_id(message),
                )
                await self._on_text(typed)
            elif private:
                await self._on_other(message, chat_id)

    async def _on_text(self, typed: Inbound) -> None:
        """Passes typed text (a command, an answer, or an action's label) to the engine and sends its replies."""
        chat_id = typed.chat_id
        try:
            outcome = await self.engine.handle(typed)
        except Exception:  # rolled back: nothing of it was stored, the only case where "send again" is true
            logger.exception("error while handling a Zalo update")
            await self.send(chat_id, [Reply(say("error.retry", self.language))])
            return
        self.actions.remember(chat_id, outcome.replies or ([outcome.edit] if outcome.edit is not None else []))
        await self.sender.send_now(Channel.zalo.value, chat_id, outcome.queued)
        files = [reply for reply in outcome.replies if reply.attachment is not None]
        if not outcome.replies and outcome.edit is not None:  # a choice ticked: the question shown again
            files = [outcome.edit]
        if files:
            await self.send(chat_id, files)

    def _event_id(self, message: Mapping[str, Any]) -> str | None:
        return event_id(self.api.bot_id, message)

    async def _on_other(self, message: Mapping[str, Any], chat_id: str) -> None:
        """Asks for text when someone sends a sticker, a photo, a voice note or anything else (once an update)."""
        event_id = self._event_id(message)
        if event_id is not None:
            first = partial(inbound.first_delivery, channel=Channel.zalo, event_id=event_id)
            if not await self.engine.database.run(first):
                return
        await self.send(chat_id, [Reply(say("input.unsupported", self.language))])

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send texts that are not kept in the outbox (a request to type, a file's note, a redrawn question)
        once, through the same delivery as the sender's (cut, counted); a failure is logged."""
        for reply in replies:
            outcome = await self.delivery.deliver(chat_id, reply)
            if outcome.result is not Result.sent:
                logger.warning("could not send to Zalo chat %s: %s", chat_id, outcome.error)
                return


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def event_id(bot_id: str, message: Mapping[str, Any]) -> str | None:
    """The message's key for the record of updates handled: per bot, so another bot's ids never collide."""
    value = message.get("message_id")
    return f"{bot_id}:{value}"[:64] if value else None


# --- sending nudges and notices ---


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
    """What a failed send means for the sender. Zalo's error codes are not documented: 403 is taken as
    "blocked"; everything else (429 included, which comes without a wait) is tried again later."""
    if exc.status == 403 or exc.error_code == 403:
        return Delivered(Result.blocked, error=str(exc))
    return Delivered(Result.transient, error=str(exc))


# --- running ---


class ZaloService:
    """Receives Zalo updates: by long polling, or through the webhook server's "zalo" route."""

    name = Channel.zalo.value
    SECRET_HEADER = "X-Bot-Api-Secret-Token"

    def __init__(self, channel: ZaloChannel, *, webhook: tuple[Webhook, WebhookServer] | None = None) -> None:
        self.channel = channel
        self.api = channel.api
        self.webhook = webhook
        self.delivery = channel.delivery
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check the token (getMe), then start polling, or take the webhook's calls and register it."""
        me = await self.api.get_me()
        if self.webhook is None:
            with suppress(ZaloApiError):  # none set, most often; getUpdates would fail while one is
                await self.api.delete_webhook()
            self._task = asyncio.create_task(self.channel.poll(), name="zalo-poll")
            logger.info("Zalo bot %s: long polling", me.get("account_name", "?"))
            return
        settings, server = self.webhook
        server.route(self.name, self.SECRET_HEADER, settings.secret, self.channel.handle_update)
        await self.api.set_webhook(settings.url_for(self.name), settings.secret)
        logger.info("Zalo bot %s: webhook %s", me.get("account_name", "?"), settings.url_for(self.name))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self.api.close()
