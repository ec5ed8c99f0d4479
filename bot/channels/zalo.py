"""Zalo through its Bot API: updates in (long polling or a webhook), the engine's replies out as plain text.

Usage:
    api = ZaloApi(token, settings.zalo_api_base_url)
    quota, actions = Quota(database, timezone=tz), TypedActions()
    channel = ZaloChannel(engine, api, quota=quota, actions=actions)
    service = ZaloService(channel)  # long polling; or ZaloService(channel, webhook=(settings, server))
    await service.start()
    sender = Sender(database, {"zalo": service.delivery}, timezone=tz)  # the bot's one sender (bot/app.py)

Zalo has no buttons: a question's choices become numbered lines (typing the number or the label answers)
and action buttons become a line naming what to type ("Gõ “Gửi nhắc” hoặc “Hủy”."); typing an action's
label presses it, as in the terminal demo (bot/channels/zalo_delivery.py renders, sends and counts). Texts
are cut at 2,000 UTF-16 units between words.
Stickers, photos and voice notes are answered with a request to type; a protected account (whose
messages Zalo withholds) is told once a day whom to contact. Each update is stored by its message id before
it is handled (the inbox, bot/channels/inbox.py: a polled one before the next poll, a webhook's before the
call is answered 200, then handled in a task) and marked handled in the transaction that handles it, so a
redelivered update is handled once and one left unhandled by a crash is handled at the next start; its
replies are written to the outbox in that transaction and sent by the sender (retried if they fail).
Every message sent is counted per month (Zalo's free plan allows 3,000); staff are warned once at 80 %.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from bot.channels.chat_locks import ChatLocks
from bot.channels.inbox import Inbox, turn_committed
from bot.channels.typed_actions import TypedActions
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_api import ZaloApi, ZaloApiError
from bot.channels.zalo_delivery import MAX_TEXT as MAX_TEXT
from bot.channels.zalo_delivery import Quota as Quota
from bot.channels.zalo_delivery import ZaloDelivery
from bot.channels.zalo_delivery import render as render
from bot.engine import Engine, Inbound, Reply
from bot.outbox.delivery import Result
from bot.outbox.sender import Sender
from bot.settings import Webhook
from bot.texts import say
from storage import inbound
from storage.models import Channel

logger = logging.getLogger(__name__)

TEXT_EVENT = "message.text.received"
PROTECTED_EVENT = "message.unsupported.received"  # a protected account's message: Zalo withholds its content
MAX_BACKOFF = 60.0


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
        board_contact: str = "",
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
        self.board_contact = board_contact  # named to protected accounts, whose messages the bot cannot read
        self._locks = ChatLocks()
        self.inbox = Inbox(engine.database, Channel.zalo, clock=engine.clock)
        delivery = ZaloDelivery(api, quota=quota, actions=actions, language=language)
        self.delivery = delivery
        self.sender = sender or Sender(
            engine.database, {Channel.zalo.value: delivery}, timezone=engine.timezone, language=language
        )

    async def poll(self) -> None:
        """Long-poll until cancelled: each update stored, then handled, before the next poll, which follows at
        once when the last one brought an update (Zalo hands them over one a call: a queue of people is not
        served one a second); `poll_interval` after an empty poll, and a growing pause (up to a minute) while
        polls fail."""
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
                    await self.take(update)
                except Exception:  # a database error, say: logged; polling goes on
                    logger.exception("error while handling a Zalo update")
            if not updates:
                await self.sleep(max(0.0, self.poll_interval - (self.monotonic() - started)))

    async def take(self, update: Mapping[str, Any]) -> None:
        """A polled update (Zalo has forgotten it): stored, then handled; one that cannot be stored (the
        database out of reach) is still handled, since nothing else would."""
        key, chat_id = self._keys(update)
        try:
            fresh = key is None or await self.inbox.store(key, update, chat_id=chat_id)
        except Exception:
            logger.exception("could not store Zalo update %s; handled without it", key)
            key, fresh = None, True
        if not fresh:
            logger.info("Zalo update %s already taken; not handled again", key)
        elif key is None:
            await self.handle_update(update)
        else:
            await self.inbox.handle(key, self.handle_update(update))

    async def receive(self, update: dict[str, Any]) -> None:
        """A webhook's update: stored (its call is answered 200 once this returns; a database error answers
        500, so Zalo sends it again), then handled in a task, after the earlier updates of its chat."""
        key, chat_id = self._keys(update)
        if key is None:
            self.inbox.spawn(self.handle_update(update))
        elif await self.inbox.store(key, update, chat_id=chat_id):
            self.inbox.spawn(self.inbox.handle(key, self.handle_update(update)))

    async def replay(self, *, only_process: bool) -> None:
        """Handle the stored updates a process that stopped left unhandled (see Inbox.unhandled)."""
        await self.inbox.replay(self.handle_update, only_process=only_process)

    def _keys(self, update: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The update's key in the inbox (None: it has no message id) and its chat."""
        message = _mapping(_event(update).get("message"))
        chat = str(_mapping(message.get("chat")).get("id") or _mapping(message.get("from")).get("id") or "")
        return self._event_id(message), chat[:64] or None

    async def handle_update(self, update: Mapping[str, Any]) -> None:
        """Answer one update: a webhook's `{ok, result}` wrapper or the bare update."""
        event = _event(update)
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
            elif private and event.get("event_name") == PROTECTED_EVENT:
                await self._on_protected(message, chat_id)
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
        turn_committed(typed.event_id)
        self.actions.remember(chat_id, outcome.replies or ([outcome.edit] if outcome.edit is not None else []))
        await self.sender.send_now(Channel.zalo.value, chat_id, outcome.queued)
        files = [reply for reply in outcome.replies if reply.attachment is not None]
        if not outcome.replies and outcome.edit is not None:  # a choice ticked: the question shown again
            files = [outcome.edit]
        if files:
            await self.send(chat_id, files)

    def _event_id(self, message: Mapping[str, Any]) -> str | None:
        return event_id(self.api.bot_id, message) if message.get("message_id") else None

    async def _on_other(self, message: Mapping[str, Any], chat_id: str) -> None:
        """Asks for text when someone sends a sticker, a photo, a voice note or anything else (once an update)."""
        event_id = self._event_id(message)
        if event_id is not None:
            first = partial(inbound.first_delivery, channel=Channel.zalo, event_id=event_id)
            if not await self.engine.database.run(first):
                return
        await self.send(chat_id, [Reply(say("input.unsupported", self.language))])

    async def _on_protected(self, message: Mapping[str, Any], chat_id: str) -> None:
        """A protected account (Zalo withholds the content of children's and some others' messages, so they can
        never type an answer): told once a day how to reach the board and that Telegram works; silence else.
        Staff see such chats in /chuanop and /donvi."""
        now = self.engine.clock()
        key = self._event_id(message) or f"{self.api.bot_id}:p:{now:%Y%m%d}:{chat_id}"[:64]  # no id: one a day
        if await self.engine.database.run(partial(_note_protected, event_id=key, chat_id=chat_id, now=now)):
            contact = self.board_contact or say("zalo.protected.no_contact", self.language)
            await self.send(chat_id, [Reply(say("zalo.protected", self.language, contact=contact))])

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


def _event(update: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event in a webhook's `{ok, result}` wrapper, or the bare update (getUpdates)."""
    result = update.get("result")
    return result if isinstance(result, Mapping) else update


def _note_protected(session: Session, *, event_id: str, chat_id: str, now: datetime) -> bool:
    """True when the protected account is to be told (the update is new and the chat not told today)."""
    if not inbound.first_delivery(session, channel=Channel.zalo, event_id=event_id):
        return False
    return inbound.note_protected(session, channel=Channel.zalo, event_id=event_id, chat_id=chat_id, now=now)


def event_id(bot_id: str, message: Mapping[str, Any]) -> str | None:
    """The message's key for the record of updates handled: per bot, so another bot's ids never collide."""
    value = message.get("message_id")
    return f"{bot_id}:{value}"[:64] if value else None


# --- running ---


class ZaloService:
    """Receives Zalo updates: by long polling, or through the webhook server's "zalo" route."""

    name = Channel.zalo.value
    SECRET_HEADER = "X-Bot-Api-Secret-Token"

    def __init__(
        self,
        channel: ZaloChannel,
        *,
        webhook: tuple[Webhook, WebhookServer] | None = None,
        only_process: bool = True,
    ) -> None:
        self.channel = channel
        self.api = channel.api
        self.webhook = webhook
        self.only_process = only_process  # at start, every stored update left unhandled is this process's
        self.delivery = channel.delivery
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check the token (getMe), handle what was stored and left unhandled, then start polling, or take the
        webhook's calls and register it."""
        me = await self.api.get_me()
        await self.replay(only_process=self.only_process)
        if self.webhook is None:
            with suppress(ZaloApiError):  # none set, most often; getUpdates would fail while one is
                await self.api.delete_webhook()
            self._task = asyncio.create_task(self.channel.poll(), name="zalo-poll")
            logger.info("Zalo bot %s: long polling", me.get("account_name", "?"))
            return
        settings, server = self.webhook
        server.route(self.name, self.SECRET_HEADER, settings.secret, self.channel.receive)
        await self.api.set_webhook(settings.url_for(self.name), settings.secret)
        logger.info("Zalo bot %s: webhook %s", me.get("account_name", "?"), settings.url_for(self.name))

    async def replay(self, *, only_process: bool) -> None:
        """Handle stored updates left unhandled (at start, then every few seconds: app.sweep)."""
        await self.channel.replay(only_process=only_process)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self.channel.inbox.close()
        await self.api.close()
