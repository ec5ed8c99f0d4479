"""Telegram through python-telegram-bot: updates in, the engine's replies out.

Usage:
    application = build_application(settings, engine)
    application.run_polling()

Private chats only; choices become inline keyboards (each press is answered and the question edited to
show the choice); the command menu is registered with setMyCommands. The engine writes a turn's replies
to the outbox in the turn's transaction; the channel hands them to the sender, which sends them at once
and retries what fails (bot/outbox/sender.py). Only when the turn itself failed (nothing was stored) is the
person asked to send again. Every update is stored before it is handled (PerChatUpdateProcessor for polled
ones, process_posted for the webhook's; bot/channels/inbox.py), so one left unhandled by a crash is handled
at the next start (`replay`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import CallbackQueryLimit, MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.chat_locks import ChatLocks
from bot.channels.inbox import Inbox, turn_committed
from bot.engine import Engine, Inbound, Outcome, Reply
from bot.outbox.delivery import Delivered, Result, split
from bot.outbox.sender import Sender
from bot.texts import say
from storage import people
from storage.models import Channel

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# The menus: (Vietnamese command, English command, catalog key of its description).
STAFF_MENU = [
    ("tinhhinh", "status", "menu.status"),
    ("chuanop", "missing", "menu.missing"),
    ("donvi", "unit", "menu.unit"),
    ("thongke", "stats", "menu.stats"),
    ("nhac", "remind", "menu.remind"),
    ("thongbao", "announce", "menu.announce"),
    ("moi", "invite", "menu.invite"),
    ("xuat", "export", "menu.export"),
    ("canbo", "staff", "menu.staff"),
    ("trogiup", "help", "menu.help"),
]
REPORTER_MENU = [
    ("baocao", "report", "menu.report"),
    ("xem", "view", "menu.view"),
    ("sua", "edit", "menu.edit"),
    ("huy", "cancel", "menu.cancel"),
    ("trogiup", "help", "menu.help"),
]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Choices one a row, then the action buttons' rows."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data)] for b in reply.choices]
    rows += [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    """The handlers: each turns an update into an Inbound, asks the engine, and renders the Outcome."""

    def __init__(self, engine: Engine, language: str, sender: Sender | None = None) -> None:
        self.engine = engine
        self.language = language
        self.sender = sender  # None: one of its own, made at the first send (tests, benchmarks)
        engine.outbox.add(Channel.telegram)

    def register(self, application: AnyApplication) -> None:
        # One group, first match wins: button presses, private text (commands too), other private
        # messages (stickers, photos, voice…), then commands in groups.
        # Only new messages: an edited earlier message must not be taken as the answer to today's question.
        new_private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(new_private & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(new_private & ~filters.StatusUpdate.ALL, self.on_other))
        application.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, self.on_group_command))
        application.add_error_handler(self.on_error)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Passes typed text (commands included) to the engine and sends its replies."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        event = Inbound(
            Channel.telegram,
            str(user.id),
            str(message.chat_id),
            text=message.text,
            display_name=user.full_name,
            event_id=f"{context.bot.id}:{update.update_id}",  # per bot: a new token starts again at 1
        )
        outcome = await self.handle(context.bot, message.chat_id, event)
        if outcome is not None:
            await self.send(context, message.chat_id, outcome)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Passes a pressed button to the engine, answers the press and edits the question to show it."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        chat = query.message.chat if query.message else None
        if chat is None or chat.type != chat.PRIVATE:
            await query.answer()
            return
        event = Inbound(
            Channel.telegram,
            str(user.id),
            str(chat.id),
            button=query.data or "",
            display_name=user.full_name,
            event_id=f"{context.bot.id}:{update.update_id}",  # per bot: a new token starts again at 1
        )
        outcome = await self.handle(context.bot, chat.id, event)
        try:  # the press's notice and the edited question are courtesies: the replies go whatever happens here
            notice = outcome.notice if outcome is not None else None
            await query.answer(notice[: CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH] if notice else None)
            if outcome is not None and outcome.edit is not None:
                await query.edit_message_text(
                    outcome.edit.text[: MessageLimit.MAX_TEXT_LENGTH], reply_markup=keyboard(outcome.edit)
                )
        except TelegramError as exc:  # "message is not modified", too old to edit, a 429: logged
            logger.info("could not answer or edit the press in chat %s: %s", chat.id, exc)
        if outcome is not None:
            await self.send(context, chat.id, outcome)

    async def handle(self, bot: Bot, chat_id: int, event: Inbound) -> Outcome | None:
        """The engine's outcome; None when the turn failed and was rolled back, after asking the person to
        send again (the only case where that is true)."""
        try:
            outcome = await self.engine.handle(event)
        except Exception:
            logger.exception("error while handling an update; nothing of it was stored")
            try:
                await bot.send_message(chat_id, say("error.retry", self.language))
            except TelegramError:
                logger.warning("could not tell chat %s about the error", chat_id)
            return None
        turn_committed(event.event_id)
        return outcome

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Asks for text when someone sends a sticker, a photo, a voice note or anything else."""
        if update.effective_chat is not None:
            await self.courtesy(context.bot, update.effective_chat.id, say("input.unsupported", self.language))

    async def on_group_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Says to write privately: reports never go through a group."""
        if update.effective_chat is not None:
            await self.courtesy(context.bot, update.effective_chat.id, say("chat.private_only", self.language))

    async def courtesy(self, bot: Bot, chat_id: int, text: str) -> None:
        """A message that stores nothing (a request to type, to write privately): sent once, not retried."""
        try:
            await bot.send_message(chat_id, text)
        except TelegramError as exc:
            logger.info("could not send a notice to chat %s: %s", chat_id, exc)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Logs an error raised outside a turn (the turn's own are handled where they happen); polling goes on."""
        logger.error("error while processing an update", exc_info=context.error)

    def _sender(self, bot: Bot) -> Sender:
        if self.sender is None:
            deliveries = {Channel.telegram.value: TelegramDelivery(bot)}
            self.sender = Sender(
                self.engine.database, deliveries, timezone=self.engine.timezone, language=self.language
            )
        return self.sender

    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, outcome: Outcome) -> None:
        """The turn's replies through the sender (stored: retried if they fail), then its files and menu."""
        try:
            await self._sender(context.bot).send_now(Channel.telegram.value, str(chat_id), outcome.queued)
            for reply in outcome.replies:
                if reply.attachment is not None:
                    await self.send_file(context.bot, chat_id, reply)
            if outcome.menu is not None:
                await set_menu(context.bot, chat_id, outcome.menu, self.language)
        except Exception:  # the turn is stored: never "send again" for this
            logger.exception("could not send everything to chat %s", chat_id)

    async def send_file(self, bot: Bot, chat_id: int, reply: Reply) -> None:
        """A reply that carries a file (a chart, an export, a QR code): its text, then the file. Files are not
        kept in the outbox; a 429 is waited out once, any other failure is logged (staff ask again)."""
        attachment = reply.attachment
        assert attachment is not None
        for attempt in range(2):
            try:
                for piece in split(reply.text, MessageLimit.MAX_TEXT_LENGTH) if reply.text else []:
                    await bot.send_message(chat_id, piece, reply_markup=keyboard(reply))
                if attachment.picture:
                    await bot.send_photo(
                        chat_id, attachment.content, caption=attachment.caption or None, filename=attachment.filename
                    )
                else:
                    await bot.send_document(
                        chat_id, attachment.content, filename=attachment.filename, caption=attachment.caption or None
                    )
                return
            except RetryAfter as exc:
                if attempt:
                    raise
                await asyncio.sleep(seconds(exc.retry_after))


class TelegramDelivery:
    """Sends the sender's messages through the Bot API, cut to Telegram's 4,096 UTF-16 units, and says how it
    went: a 400 refuses that message for good (except a chat that is gone: blocked), not the channel."""

    limit = MessageLimit.MAX_TEXT_LENGTH

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered:
        pieces = split(reply.text, self.limit)
        sent = skip
        for i in range(skip, len(pieces)):
            markup = keyboard(reply) if i == len(pieces) - 1 else None
            try:
                await self.bot.send_message(int(chat_id), pieces[i], reply_markup=markup)
            except RetryAfter as exc:
                return Delivered(Result.retry_after, wait=seconds(exc.retry_after), parts_sent=sent)
            except Forbidden as exc:
                return Delivered(Result.blocked, error=exc.message, parts_sent=sent)
            except BadRequest as exc:
                gone = "chat not found" in exc.message.lower()
                return Delivered(Result.blocked if gone else Result.rejected, error=exc.message, parts_sent=sent)
            except TelegramError as exc:  # TimedOut and NetworkError: try again
                return Delivered(Result.transient, error=f"{type(exc).__name__}: {exc.message}", parts_sent=sent)
            sent += 1
        return Delivered(Result.sent, parts_sent=sent)


def seconds(wait: float | timedelta) -> float:
    """A retry_after as seconds (python-telegram-bot gives a timedelta or a number)."""
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def menu(entries: list[tuple[str, str, str]], language: str) -> list[BotCommand]:
    return [BotCommand(vi if language == "vi" else en, say(key, language)) for vi, en, key in entries]


async def register_menu(application: AnyApplication, language: str) -> None:
    """The reporters' command menu in every private chat; staff chats get their own (set_menu)."""
    await application.bot.set_my_commands(menu(REPORTER_MENU, language), scope=BotCommandScopeAllPrivateChats())


async def set_menu(bot: Bot, chat_id: int, which: str, language: str) -> None:
    """Give one chat the staff menu, both menus (a staff member who also reports for a unit), or take it back to
    the reporters' one."""
    scope = BotCommandScopeChat(chat_id)
    if which in ("staff", "both"):
        entries = STAFF_MENU if which == "staff" else REPORTER_MENU[:-1] + STAFF_MENU  # /trogiup once, last
        await bot.set_my_commands(menu(entries, language), scope=scope)
    else:
        await bot.delete_my_commands(scope=scope)


async def process_posted(application: AnyApplication, data: dict[str, Any]) -> None:
    """An update Telegram posted to the webhook: stored (the call is answered 200 once this returns; a database
    error answers 500, so Telegram sends it again), then handled in a task as a polled one is, after the earlier
    updates of its chat. A redelivery of an update already taken is not handled again."""
    update = Update.de_json(data, application.bot)
    processor = _processor(application)
    if await processor.inbox.store(processor.key(update), data, chat_id=_chat_of(update)):
        processor.inbox.spawn(processor.in_order(update, application.process_update(update)))


async def replay(application: AnyApplication, *, only_process: bool) -> None:
    """Handle the stored updates a process that stopped left unhandled (see Inbox.unhandled)."""
    processor = _processor(application)

    async def handle(payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, application.bot)
        await processor.in_order(update, application.process_update(update), marked=True)

    await processor.inbox.replay(handle, only_process=only_process)


def _processor(application: AnyApplication) -> PerChatUpdateProcessor:
    processor = application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    return processor


def _chat_of(update: Update) -> str | None:
    return str(update.effective_chat.id) if update.effective_chat is not None else None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Stores each polled update before it is handled (the webhook's are stored before the call is answered),
    then handles updates from different chats concurrently (one reporter's slow network never holds up
    another's) and the updates of one chat one at a time, in the order they came; marks each handled after."""

    def __init__(self, inbox: Inbox, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.inbox = inbox
        self._locks = ChatLocks()

    @staticmethod
    def key(update: Update) -> str:
        """The update's key in the inbox: the event id its turn records (per bot: a new token starts at 1)."""
        return f"{update.get_bot().id}:{update.update_id}"

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """A polled update (PTB's updater): its store starts at once, its chat's turn is taken in order."""
        if not isinstance(update, Update):
            await coroutine
            return
        storing = asyncio.ensure_future(self.inbox.store(self.key(update), update.to_dict(), chat_id=_chat_of(update)))
        await self.in_order(update, coroutine, storing=storing)

    async def in_order(
        self,
        update: Update,
        coroutine: Awaitable[Any],
        *,
        storing: Awaitable[bool] | None = None,
        marked: bool = False,
    ) -> None:
        """Handle after the earlier updates of its chat (its place taken before the first await), once stored,
        and mark it handled (`marked`: the caller does). An update already taken is not handled again."""
        chat = update.effective_chat
        async with self._locks.hold(chat.id) if chat is not None else nullcontext():
            if storing is not None and not await _stored(storing, update.update_id):
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                return
            if marked:
                await coroutine
            else:
                await self.inbox.handle(self.key(update), _awaited(coroutine))

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Let the updates being handled finish (a few seconds; what is cut short is stored: handled next run)."""
        await self.inbox.close()


async def _stored(storing: Awaitable[bool], update_id: int) -> bool:
    """Whether a polled update is to be handled; one that could not be stored is handled all the same."""
    try:
        return await storing
    except Exception:
        logger.exception("could not store Telegram update %s; handled without it", update_id)
        return True


async def _awaited(awaitable: Awaitable[Any]) -> None:
    await awaitable


def staff_chats(session: Session) -> list[tuple[int, str]]:
    """The Telegram chats of active staff, whose menu is the staff one, or both menus for those who also report
    for a unit."""
    return [
        (int(p.chat_id), "both" if p.unit_id is not None else "staff")
        for p in people.staff_members(session)
        if p.channel is Channel.telegram
    ]


def build_application(
    *,
    token: str,
    base_url: str,
    engine: Engine,
    language: str,
    sender: Sender | None = None,
    on_start: Callable[[AnyApplication], Awaitable[None]] | None = None,
    on_stop: Callable[[AnyApplication], Awaitable[None]] | None = None,
) -> AnyApplication:
    """The python-telegram-bot application with nqbot's handlers, pointed at `base_url`."""
    channel = TelegramChannel(engine, language, sender)

    async def post_init(application: AnyApplication) -> None:
        engine.bot_username = application.bot.username
        if on_start is not None:
            await on_start(application)
        await register_menu(application, language)
        for chat_id, which in await engine.database.run(staff_chats):
            await set_menu(application.bot, chat_id, which, language)

    async def post_shutdown(application: AnyApplication) -> None:
        if on_stop is not None:
            await on_stop(application)

    base_url = base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .concurrent_updates(PerChatUpdateProcessor(Inbox(engine.database, Channel.telegram, clock=engine.clock)))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    channel.register(application)
    return application
