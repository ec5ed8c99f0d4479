"""The inbox (issue 13): every update stored before it is handled, handled once, and handled after a crash.

Storage first (the upserts and claims), then each way an update comes in, in process: a Zalo webhook call
(stored, answered, handled after), a Zalo long poll (stored before the next poll; left unhandled by a crash,
handled by the next run), Telegram's webhook and its polling (PTB's update processor), and Zalo's protected
accounts (told once a day how to reach the board; staff see them). The end-to-end kill test, with the real
process, is tests/test_e2e_inbox.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select
from telegram.ext import ApplicationBuilder

from bot.channels import telegram
from bot.channels.inbox import CLAIM_LEASE, Inbox
from bot.channels.telegram import PerChatUpdateProcessor, TelegramChannel, TelegramDelivery
from bot.channels.zalo import TypedActions, ZaloChannel
from bot.channels.zalo_api import ZaloApi
from bot.channels.zalo_delivery import Quota
from bot.engine import Engine, Inbound, Outcome
from bot.outbox.sender import Sender
from storage import inbound
from storage.database import Database
from storage.models import Channel, InboundEvent
from tests.dialogue import Clock, invite_code, join_as_staff, statements
from tests.fakes.offline_telegram import TOKEN as TELEGRAM_TOKEN
from tests.fakes.offline_telegram import AnyApplication, OfflineRequest, sticker_update, text_update
from tests.fakes.zalo_api import FakeZalo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
ZALO_TOKEN = "1234567890:zalo-inbox-token"
HELP_REPLY = "mã mời"  # in the answer to /trogiup of someone not enrolled


def events(database: Database) -> list[InboundEvent]:
    with database.session() as session:
        return list(session.exec(select(InboundEvent).order_by(InboundEvent.id)).all())


# --- storage ---


def test_an_update_is_stored_once_handled_once_and_taken_again_only_when_left_unhandled(
    database: Database, clock: Clock
) -> None:
    now = clock()

    def store(session: Session, event_id: str, at: Any = now) -> bool:
        return inbound.store(
            session,
            channel=Channel.zalo,
            event_id=event_id,
            payload={"id": event_id},
            chat_id="c1",
            now=at,
            stale_before=at - CLAIM_LEASE,
        )

    with database.session() as session:
        assert store(session, "b:1") and not store(session, "b:1")  # a redelivery while it is being handled
        assert store(session, "b:2")
        assert inbound.first_delivery(session, channel=Channel.zalo, event_id="b:2")  # its turn marks it
        assert not inbound.first_delivery(session, channel=Channel.zalo, event_id="b:2")
        assert not store(session, "b:2", now + timedelta(hours=1))  # handled: never taken again
        # b:1's process died: another takes it once its claim is older than the lease, not before.
        assert inbound.claim_unhandled(session, channel=Channel.zalo, now=now, stale_before=now - CLAIM_LEASE) == []
        later = now + CLAIM_LEASE + timedelta(seconds=1)
        [taken] = inbound.claim_unhandled(session, channel=Channel.zalo, now=later, stale_before=later - CLAIM_LEASE)
        assert taken == inbound.Stored("b:1", {"id": "b:1"})
        assert inbound.claim_unhandled(session, channel=Channel.telegram, now=later, stale_before=None) == []
        # The only process takes every unhandled one at start, whatever its claim; one failing every time is
        # given up after MAX_ATTEMPTS takes (the store was the first).
        assert len(inbound.claim_unhandled(session, channel=Channel.zalo, now=later, stale_before=None)) == 1
        assert inbound.claim_unhandled(session, channel=Channel.zalo, now=later, stale_before=None) == []
        [one, two] = session.exec(select(InboundEvent).order_by(InboundEvent.id)).all()
        assert (one.attempts, one.handled_at, two.handled_at is not None) == (inbound.MAX_ATTEMPTS, later, True)


def test_old_handled_updates_are_forgotten_and_unhandled_ones_kept(database: Database, clock: Clock) -> None:
    old = clock() - timedelta(days=30)
    with database.session() as session:
        for event_id in ("b:handled", "b:waiting"):
            inbound.store(
                session, channel=Channel.zalo, event_id=event_id, payload={}, chat_id=None, now=old, stale_before=old
            )
        inbound.first_delivery(session, channel=Channel.zalo, event_id="b:handled")
        inbound.forget_before(session, before=clock())
    assert [event.event_id for event in events(database)] == ["b:waiting"]


# --- Zalo ---


class Held:
    """Makes the engine's turns wait until released: an update stored and not yet handled, on demand."""

    def __init__(self, engine: Engine) -> None:
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()
        self._handle: Callable[[Inbound], Awaitable[Outcome]] = engine.handle
        engine.handle = self.handle  # type: ignore[method-assign]

    async def handle(self, event: Inbound) -> Outcome:
        self.entered.set()
        await self.gate.wait()
        return await self._handle(event)


@pytest.fixture
async def zalo(engine: Engine, database: Database, clock: Clock) -> AsyncIterator[tuple[ZaloChannel, FakeZalo]]:
    with FakeZalo(token=ZALO_TOKEN, max_poll=0.2) as server:
        api = ZaloApi(ZALO_TOKEN, server.base_url)
        quota = Quota(database, timezone=VN, clock=clock)
        channel = ZaloChannel(
            engine,
            api,
            quota=quota,
            actions=TypedActions(),
            poll_interval=0.01,
            poll_timeout=1,
            board_contact="Chị Lan",
        )
        yield channel, server
        await channel.inbox.close()
        await api.close()


async def test_a_zalo_webhook_update_is_stored_before_the_call_is_answered_and_handled_after(
    zalo: tuple[ZaloChannel, FakeZalo], engine: Engine, database: Database
) -> None:
    channel, server = zalo
    held = Held(engine)
    update = {"ok": True, "result": server.text_update("u1", "/trogiup")}
    await channel.receive(update)  # what the webhook's 200 waits for
    [event] = events(database)
    assert (event.payload, event.chat_id, event.handled_at) == (update, "u1", None)
    await held.entered.wait()
    await channel.receive(update)  # Zalo sends it again: taken already, not handled twice
    assert server.texts("u1") == []
    held.gate.set()
    await channel.inbox.close()  # the handling task ends
    assert HELP_REPLY in server.texts("u1")[0] and len(server.texts("u1")) == 1
    [event] = events(database)
    assert event.handled_at is not None


async def test_a_polled_zalo_update_is_stored_before_the_next_poll_and_a_crash_leaves_it_for_the_next_run(
    zalo: tuple[ZaloChannel, FakeZalo], engine: Engine, database: Database
) -> None:
    channel, server = zalo
    held = Held(engine)
    server.send_text("u1", "/trogiup")
    polling = asyncio.create_task(channel.poll())
    await held.entered.wait()  # taken from Zalo (which forgets it) and being handled
    [event] = events(database)
    assert event.payload is not None and event.payload["message"]["text"] == "/trogiup" and event.handled_at is None
    assert server.polls == 1  # stored before the next poll
    polling.cancel()  # the process dies here
    with pytest.raises(asyncio.CancelledError):
        await polling
    assert server.texts("u1") == [] and events(database)[0].handled_at is None

    held.gate.set()
    await ZaloChannel(engine, channel.api, quota=channel.quota, actions=TypedActions()).replay(only_process=True)
    assert len(server.texts("u1")) == 1 and HELP_REPLY in server.texts("u1")[0]
    assert events(database)[0].handled_at is not None
    await channel.replay(only_process=True)  # nothing left
    assert len(server.texts("u1")) == 1


async def test_a_protected_account_is_told_once_a_day_how_to_reach_the_board_and_staff_see_it(
    zalo: tuple[ZaloChannel, FakeZalo], engine: Engine, database: Database, clock: Clock
) -> None:
    """A reporter's account that becomes protected (or a child's, who can never type the invite code)."""
    channel, server = zalo
    await channel.take(server.text_update("kid", invite_code(database, "CB-SNV"), name="Bé Na"))
    await channel.take(server.text_update("kid", "Xác nhận", name="Bé Na"))
    enrolled = server.sent_count("kid")
    for _ in range(3):
        await channel.take(server.event_update("kid", "message.unsupported.received", name="Bé Na"))
    [told] = server.texts("kid", enrolled)
    assert "Chị Lan" in told and "Telegram" in told
    clock.advance(hours=25)
    await channel.take(server.event_update("kid", "message.unsupported.received", name="Bé Na"))
    assert len(server.texts("kid", enrolled)) == 2
    with database.session() as session:
        [chat] = inbound.protected_chats(session, since=clock() - timedelta(days=2))
    assert (chat.chat_id, chat.name, chat.messages, chat.last_at) == ("kid", "Bé Na", 4, clock())

    staff = await join_as_staff(engine, database)
    seen = "Tài khoản Zalo được bảo vệ (1 người nhắn trong 7 ngày qua)"
    for command in ("/chuanop", "/donvi Nội vụ"):
        assert seen in await staff.say(command) and "Bé Na (lần cuối 09:00 ngày 16/09/2022)" in staff.text
    assert seen not in await staff.say("/donvi Văn hóa")  # not one of this unit's reporters


# --- Telegram ---


@pytest.fixture
async def application(engine: Engine) -> AsyncIterator[tuple[AnyApplication, OfflineRequest]]:
    """nqbot's handlers behind its per-chat processor with an inbox, on an offline Bot API."""
    api = OfflineRequest()
    processor = PerChatUpdateProcessor(Inbox(engine.database, Channel.telegram, clock=engine.clock))
    built = ApplicationBuilder().token(TELEGRAM_TOKEN).request(api).get_updates_request(api)
    application = built.concurrent_updates(processor).build()
    deliveries = {Channel.telegram.value: TelegramDelivery(application.bot)}
    sender = Sender(engine.database, deliveries, timezone=engine.timezone, rate=1e9, per_chat=1e9)
    TelegramChannel(engine, "vi", sender).register(application)
    await application.initialize()
    yield application, api
    await processor.inbox.close()
    await application.shutdown()


def texts_to(api: OfflineRequest, chat_id: int) -> list[str]:
    return [
        call.params["text"] for call in api.calls if call.method == "sendMessage" and call.params["chat_id"] == chat_id
    ]


async def test_telegram_updates_are_stored_before_handling_whether_posted_or_polled_and_replayed_after_a_crash(
    application: tuple[AnyApplication, OfflineRequest], engine: Engine, database: Database
) -> None:
    app, api = application
    processor = app.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    held = Held(engine)
    posted = text_update(1, 501, "/trogiup")
    await telegram.process_posted(app, posted)  # the webhook answers once this returns
    [event] = events(database)
    assert (event.payload, event.chat_id, event.handled_at) == (posted, "501", None)
    await held.entered.wait()
    await telegram.process_posted(app, posted)  # posted again: not handled twice
    held.gate.set()
    await processor.inbox.close()
    assert len(texts_to(api, 501)) == 1 and events(database)[0].handled_at is not None

    # Polled (PTB's updater hands it to the processor): stored, then handled; the same update again is not.
    polled = text_update(2, 502, "/trogiup")
    for _ in range(2):
        update = telegram.Update.de_json(polled, app.bot)
        await processor.process_update(update, app.process_update(update))
    assert len(texts_to(api, 502)) == 1
    assert [(e.chat_id, e.payload is not None, e.handled_at is not None) for e in events(database)][1] == (
        "502",
        True,
        True,
    )

    # Stored by a process that died before handling it: the next run handles it at start.
    lost = text_update(3, 503, "/trogiup")
    with database.session() as session:
        now = engine.clock()
        key = f"{app.bot.id}:3"
        inbound.store(
            session, channel=Channel.telegram, event_id=key, payload=lost, chat_id="503", now=now, stale_before=now
        )
    await telegram.replay(app, only_process=True)
    assert len(texts_to(api, 503)) == 1 and all(e.handled_at is not None for e in events(database))


async def test_an_update_whose_turn_committed_is_not_marked_again_one_without_a_turn_is(
    application: tuple[AnyApplication, OfflineRequest], database: Database
) -> None:
    """The turn marks its update handled with its effects (storage.inbound.first_delivery): the inbox runs no
    second transaction for it (issue 16). A sticker has no turn: the inbox marks it."""
    app, api = application
    processor = app.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    for data in (text_update(7, 507, "/trogiup"), sticker_update(8, 507)):
        update = telegram.Update.de_json(data, app.bot)
        with statements(database) as sent:
            await processor.process_update(update, app.process_update(update))
        marks = [s for s in sent if s.upper().startswith("UPDATE INBOUNDEVENT")]
        assert len(marks) == (0 if "text" in data["message"] else 1), sent
    assert len(texts_to(api, 507)) == 2  # the help, and the request to type
    assert [event.handled_at is not None for event in events(database)] == [True, True]
