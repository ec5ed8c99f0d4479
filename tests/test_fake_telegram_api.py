"""The fake Telegram Bot API server (tests/fakes/telegram_api.py), driven by a real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123:ABC"
USER = 42
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{server.url}/bot") as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(item.upper(), callback_data=item) for item in data]])


def post(url: str, body: bytes, content_type: str = FORM) -> tuple[int, Any]:
    """A raw HTTP call, for what a PTB client does not show (status codes, exact error bodies)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# --- the basics -----------------------------------------------------------------------------------------------


async def test_get_me(bot: Bot, server: FakeTelegram) -> None:
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.first_name, me.username) == (123, True, "nqbot test", "nqbot_test_bot")
    assert me.can_join_groups is True
    assert server.calls.count("getMe") == 2  # Bot.initialize() asked too


async def test_a_wrong_token_is_refused(server: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=server.base_url):
            pass
    assert server.calls == []


def test_error_bodies_are_telegrams(server: FakeTelegram) -> None:
    assert post(f"{server.url}/bot999:WRONG/getMe", b"") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = post(f"{server.base_url}{TOKEN}/noSuchMethod", b"")
    assert (status, body["ok"], body["error_code"]) == (404, False, 404)

    server.blocked_chats.add(7)
    assert post(f"{server.base_url}{TOKEN}/sendMessage", b"chat_id=7&text=hi") == (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )

    server.rate_limit_per_second = 1
    assert post(f"{server.base_url}{TOKEN}/sendMessage", b"chat_id=8&text=one")[0] == 200
    assert post(f"{server.base_url}{TOKEN}/sendMessage", b"chat_id=8&text=two") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        },
    )
    assert [(refused["method"], refused["status"]) for refused in server.rejections] == [
        ("noSuchMethod", 404),
        ("sendMessage", 403),
        ("sendMessage", 429),
    ]


def test_form_json_multipart_and_chunked_bodies_read_alike(server: FakeTelegram) -> None:
    url = f"{server.base_url}{TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    form = urllib.parse.urlencode({"chat_id": "5", "text": "123", "reply_markup": json.dumps(markup)}).encode()
    assert post(url, form)[0] == 200
    as_json = json.dumps({"chat_id": 5, "text": "123", "reply_markup": markup}).encode()
    assert post(url, as_json, "application/json")[0] == 200
    multipart = (
        b'--XyZ\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n5\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\n123\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="reply_markup"\r\n\r\n' + json.dumps(markup).encode() + b"\r\n"
        b"--XyZ--\r\n"
    )
    assert post(url, multipart, "multipart/form-data; boundary=XyZ")[0] == 200
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=5)
    connection.request(
        "POST", f"/bot{TOKEN}/sendMessage", body=iter([form[:7], form[7:]]), headers={"Content-Type": FORM}
    )
    assert connection.getresponse().status == 200
    connection.close()

    sent = server.sent_messages(5)
    assert [(item["chat_id"], item["text"], item["reply_markup"]) for item in sent] == [(5, "123", markup)] * 4


# --- sending and editing -----------------------------------------------------------------------------------------


async def test_send_message_with_an_inline_keyboard(bot: Bot, server: FakeTelegram) -> None:
    markup = keyboard("yes", "no")

    message = await bot.send_message(USER, "Báo cáo <b>đã</b> nhận?", reply_markup=markup, parse_mode="HTML")

    assert message.chat.id == USER and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.id == 123 and message.from_user.is_bot
    assert message.text == "Báo cáo đã nhận?"  # as the user sees it
    assert message.reply_markup == markup
    [sent] = server.sent_messages(USER)
    assert sent["message_id"] == message.message_id
    assert (sent["text"], sent["parse_mode"], sent["reply_markup"]) == (
        "Báo cáo <b>đã</b> nhận?",
        "HTML",
        markup.to_dict(),
    )
    assert server.sent_messages(USER + 1) == [] and server.sent_count(USER) == 1
    second = await bot.send_message(USER, "Tiếp", reply_to_message_id=message.message_id)
    assert second.message_id > message.message_id
    assert second.reply_to_message is not None and second.reply_to_message.message_id == message.message_id
    assert server.messages_since(USER, 1)[0]["reply_to_message_id"] == message.message_id


async def test_edit_message_text_and_reply_markup(bot: Bot, server: FakeTelegram) -> None:
    message = await bot.send_message(USER, "Chọn", reply_markup=keyboard("a", "b"))

    edited = await bot.edit_message_text("Đã chọn a", chat_id=USER, message_id=message.message_id)

    assert isinstance(edited, type(message)) and edited.text == "Đã chọn a"
    assert edited.reply_markup is None  # without reply_markup Telegram drops the keyboard
    assert server.message(message.message_id)["text"] == "Đã chọn a"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Đã chọn a", chat_id=USER, message_id=message.message_id)
    again = await bot.edit_message_reply_markup(chat_id=USER, message_id=message.message_id, reply_markup=keyboard("c"))
    assert isinstance(again, type(message)) and again.reply_markup == keyboard("c")
    assert [(edit["method"], edit["text"]) for edit in server.edits] == [
        ("editMessageText", "Đã chọn a"),
        ("editMessageReplyMarkup", None),
    ]
    assert server.sent_messages(USER)[0]["text"] == "Chọn"  # the record is of the call, the message moved on
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    from_user = server.send_text(USER, "của tôi")
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text("x", chat_id=USER, message_id=from_user)


async def test_button_press_and_answer_callback_query(bot: Bot, server: FakeTelegram) -> None:
    message = await bot.send_message(USER, "Nộp báo cáo?", reply_markup=keyboard("yes", "no"))
    assert server.button_data(message.message_id, "YES") == "yes"
    with pytest.raises(ValueError, match="no button"):
        server.press_button(USER, message.message_id, "maybe")

    query_id = server.press_button(USER, message.message_id, "yes")
    [update] = await bot.get_updates(timeout=0)

    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "yes"
    assert query.from_user.id == USER
    assert query.message is not None and query.message.message_id == message.message_id
    assert query.message.chat.id == USER
    assert await bot.answer_callback_query(query_id, text="Đã ghi nhận", show_alert=True)
    assert server.answered_callbacks == [
        {"callback_query_id": query_id, "text": "Đã ghi nhận", "show_alert": True, "url": None, "cache_time": None}
    ]
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)


async def test_bot_commands_per_scope(bot: Bot, server: FakeTelegram) -> None:
    everyone = [BotCommand("start", "Bắt đầu"), BotCommand("help", "Trợ giúp")]
    admin = [BotCommand("report", "Báo cáo tổng hợp")]

    assert await bot.set_my_commands(everyone)
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(USER))

    assert await bot.get_my_commands() == tuple(everyone)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(USER)) == tuple(admin)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(USER + 1)) == ()
    assert server.commands == {
        FakeTelegram.scope_key(): [c.to_dict() for c in everyone],
        FakeTelegram.scope_key({"type": "chat", "chat_id": USER}): [c.to_dict() for c in admin],
    }
    assert await bot.delete_my_commands(scope=BotCommandScopeChat(USER))
    assert list(server.commands) == [FakeTelegram.scope_key()]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Báo_cáo", "tiếng Việt không được")])


async def test_get_chat(bot: Bot, server: FakeTelegram) -> None:
    server.send_text(USER, "xin chào", first_name="An")

    chat = await bot.get_chat(USER)

    assert (chat.id, chat.type, chat.first_name) == (USER, "private", "An")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.get_chat(USER + 1)


async def test_documents_and_photos_are_uploaded(bot: Bot, server: FakeTelegram) -> None:
    content = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n\r\n"

    document = await bot.send_document(
        USER, InputFile(content, filename='báo cáo "15".xlsx'), caption="Báo cáo tổng hợp"
    )
    photo = await bot.send_photo(USER, b"\x89PNG\r\n\x1a\n" + bytes(100), caption="Biểu đồ")

    assert document.document is not None and document.document.file_name == 'báo cáo "15".xlsx'
    assert document.document.file_size == len(content) and document.caption == "Báo cáo tổng hợp"
    assert photo.photo and photo.photo[-1].file_size == 108
    doc_sent, photo_sent = server.sent_messages(USER)
    assert (doc_sent["method"], doc_sent["filename"], doc_sent["size"], doc_sent["caption"]) == (
        "sendDocument",
        'báo cáo "15".xlsx',
        len(content),
        "Báo cáo tổng hợp",
    )
    assert doc_sent["content"] == content and doc_sent["message_id"] == document.message_id
    assert (photo_sent["method"], photo_sent["size"], photo_sent["caption"]) == ("sendPhoto", 108, "Biểu đồ")


async def test_telegrams_rules_are_enforced(bot: Bot, server: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="text is empty"):
        await bot.send_message(USER, "   ")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "Tỷ lệ <b>95%", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "5 < 10", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "Chọn", reply_markup=keyboard("đơn vị " * 10))
    assert await bot.send_message(USER, "x" * 4096)
    assert await bot.send_message(USER, "5 &lt; 10 <i>và</i> <a href='https://t.me'>t.me</a>", parse_mode="HTML")
    assert server.sent_count(USER) == 2 and len(server.rejections) == 5


# --- updates -------------------------------------------------------------------------------------------------------


async def test_commands_get_a_bot_command_entity(bot: Bot, server: FakeTelegram) -> None:
    server.send_text(USER, "/start abc")
    server.send_text(USER, "/report@nqbot_test_bot tuần 1")
    server.send_text(-100, "xin chào", chat_type="group", chat_id=-100)

    start, report, hello = await bot.get_updates(timeout=0)

    assert start.message is not None and report.message is not None and hello.message is not None
    assert [(e.type, e.offset, e.length) for e in start.message.entities] == [("bot_command", 0, 6)]
    assert report.message.entities[0].length == len("/report@nqbot_test_bot")
    assert hello.message.entities == () and hello.message.chat.type == "group" and hello.message.chat.id == -100


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, server: FakeTelegram) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_until_async(lambda: "getUpdates" in server.calls, timeout=5)
    started = time.monotonic()

    message_id = server.send_text(USER, "xin chào")
    [update] = await poll

    assert time.monotonic() - started < 2
    assert update.message is not None and update.message.message_id == message_id
    assert update.message.text == "xin chào" and update.message.from_user is not None
    assert update.message.from_user.id == USER


async def test_long_poll_times_out_with_no_updates(bot: Bot) -> None:
    started = time.monotonic()

    assert await bot.get_updates(timeout=1) == ()

    assert 0.9 <= time.monotonic() - started < 3


async def test_offset_acknowledges_and_limit_caps(bot: Bot, server: FakeTelegram) -> None:
    for text in ("một", "hai", "ba"):
        server.send_text(USER, text)

    first = await bot.get_updates(limit=2, timeout=0)
    again = await bot.get_updates(limit=2, timeout=0)
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    none = await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)

    assert [u.message.text for u in first if u.message] == ["một", "hai"]
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not acknowledged yet
    assert [u.message.text for u in rest if u.message] == ["ba"]
    assert none == () and server.pending_updates == []


# --- fault injection ---------------------------------------------------------------------------------------------


# PTB 22.8's RetryAfter.__init__ itself reads the deprecated int `retry_after` (PTB_TIMEDELTA=1 opts out).
@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_blocked_chats_fail_next_and_rate_limit(bot: Bot, server: FakeTelegram) -> None:
    server.blocked_chats.add(7)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(7, "xin chào")

    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3"):
        await bot.send_message(USER, "một")
    server.fail_next("editMessageText", 400, "Bad Request: something odd")
    with pytest.raises(BadRequest, match=r"(?i)something odd"):
        await bot.edit_message_text("x", chat_id=USER, message_id=1)
    await bot.send_message(USER, "một")  # failures happen once

    server.rate_limit_per_second = 2
    await bot.send_message(USER, "hai")
    await bot.send_message(USER + 1, "ba")
    with pytest.raises(RetryAfter, match="Retry in 1"):
        await bot.send_message(USER, "bốn")

    assert server.sent_count(7) == 0 and server.sent_count(USER) == 2 and server.sent_count(USER + 1) == 1
    assert [refused["status"] for refused in server.rejections] == [403, 429, 400, 429]


def test_hold_after_keeps_a_send_in_flight_and_never_delivers_it(server: FakeTelegram) -> None:
    url = f"{server.base_url}{TOKEN}/sendMessage"
    with pytest.raises(AssertionError, match="no hold set"):
        server.wait_until_held(timeout=0.1)
    server.hold_after(2)
    assert post(url, b"chat_id=1&text=one")[0] == 200
    assert post(url, b"chat_id=2&text=two")[0] == 200
    answers: list[tuple[int, Any]] = []
    sender = threading.Thread(target=lambda: answers.append(post(url, b"chat_id=3&text=three")), daemon=True)
    sender.start()

    held = server.wait_until_held(timeout=5)

    assert (held["chat_id"], held["text"]) == (3, "three") and len(server.held) == 1
    assert server.sent_count(3) == 0 and answers == []  # not answered, not recorded
    assert server.release_held() == 1
    sender.join(timeout=5)
    assert answers == [
        (
            500,
            {
                "ok": False,
                "error_code": 500,
                "description": "Internal Server Error: the request was held, not delivered",
            },
        )
    ]
    assert post(url, b"chat_id=3&text=again")[0] == 200  # the hold is over

    # A client that dies while its request is held (the bot killed mid-send) never gets the message either.
    server.hold_after(0)
    connection = http.client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=5)
    connection.request("POST", f"/bot{TOKEN}/sendMessage", body=b"chat_id=4&text=lost", headers={"Content-Type": FORM})
    assert server.wait_until_held(timeout=5)["chat_id"] == 4
    connection.close()
    assert server.release_held() == 1

    assert [(m["chat_id"], m["text"]) for m in server.sent_messages()] == [(1, "one"), (2, "two"), (3, "again")]
    assert [(refused["chat_id"], refused["status"]) for refused in server.rejections] == [(3, 500), (4, 500)]
    assert server.held == [] and server.errors == []


async def test_a_held_send_fails_in_a_live_client(bot: Bot, server: FakeTelegram) -> None:
    server.hold_after(0)
    send = asyncio.create_task(bot.send_message(USER, "xin chào"))
    assert (await server.wait_until_held_async(timeout=5))["text"] == "xin chào"
    server.release_held()
    with pytest.raises(NetworkError, match="held, not delivered"):
        await send
    await bot.send_message(USER, "lần nữa")
    assert [m["text"] for m in server.sent_messages(USER)] == ["lần nữa"]


def test_waits_say_what_they_saw_on_timeout(server: FakeTelegram) -> None:
    post(f"{server.base_url}{TOKEN}/sendMessage", b"chat_id=42&text=only+one")

    assert server.wait_for_messages(USER, 1, timeout=1)[0]["text"] == "only one"
    assert server.wait_for_message(USER, since=0, timeout=1)["text"] == "only one"
    with pytest.raises(AssertionError, match=r"got 1: \['only one'\]"):
        server.wait_for_messages(USER, 2, timeout=0.1)


async def test_async_waits_say_what_they_saw_on_timeout(server: FakeTelegram) -> None:
    with pytest.raises(AssertionError, match="got 0"):
        await server.wait_for_message_async(USER, timeout=0.1)
    with pytest.raises(AssertionError, match="not answered"):
        await server.wait_for_callback_answer_async("cq1", timeout=0.1)


def test_stopping_ends_a_long_poll_at_once() -> None:
    earlier = set(threading.enumerate())  # other tests' servers may still be winding down their threads
    server = FakeTelegram(token=TOKEN).start()
    answers: list[tuple[int, Any]] = []
    poller = threading.Thread(
        target=lambda: answers.append(post(f"{server.base_url}{TOKEN}/getUpdates", b"timeout=30")), daemon=True
    )
    poller.start()
    server.wait_until(lambda: "getUpdates" in server.calls, timeout=5)

    started = time.monotonic()
    server.stop()
    poller.join(timeout=5)

    assert time.monotonic() - started < 2 and not poller.is_alive()
    assert answers == [(200, {"ok": True, "result": []})]
    assert not [thread for thread in set(threading.enumerate()) - earlier if thread.name == "FakeTelegram"]
    deadline = time.monotonic() + 2
    while (ours := [t for t in set(threading.enumerate()) - earlier if "process_request" in t.name]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.01)
    assert not ours


def test_a_crash_of_the_fake_is_not_swallowed() -> None:
    def crash(params: dict[str, Any], files: dict[str, Any]) -> None:
        raise ZeroDivisionError("boom")

    with pytest.raises(AssertionError, match="ZeroDivisionError: boom"), FakeTelegram(token=TOKEN) as server:
        server._handlers["getme"] = crash
        status, body = post(f"{server.base_url}{TOKEN}/getMe", b"")
        assert (status, body["ok"]) == (500, False) and len(server.errors) == 1


# --- a whole python-telegram-bot Application ---------------------------------------------------------------------


async def test_an_application_polls_replies_and_answers_buttons(server: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Chào bạn")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Echo: {update.effective_message.text}", reply_markup=keyboard("ok"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Đã nhận")
        await query.edit_message_text(f"Bạn chọn {query.data}")

    app = ApplicationBuilder().token(TOKEN).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))

    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            server.send_text(USER, "/start")
            assert (await server.wait_for_message_async(USER, since=0, timeout=5))["text"] == "Chào bạn"

            server.send_text(USER, "xin chào")
            reply = await server.wait_for_message_async(USER, since=1, timeout=5)
            assert reply["text"] == "Echo: xin chào" and reply["reply_markup"] == keyboard("ok").to_dict()

            query_id = server.press_button(USER, reply["message_id"], "ok")
            assert (await server.wait_for_callback_answer_async(query_id, timeout=5))["text"] == "Đã nhận"
            await server.wait_until_async(lambda: len(server.edits) == 1, timeout=5, description="the edit")
            assert server.message(reply["message_id"])["text"] == "Bạn chọn ok"
        finally:
            await app.updater.stop()
            await app.stop()

    assert server.pending_updates == []  # the updater acknowledged everything it handled
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage", "answerCallbackQuery", "editMessageText"} <= set(
        server.calls
    )
    assert server.errors == []
