"""An offline Bot API for in-process handler tests: the real python-telegram-bot handlers, no network.

In the style of python-telegram-bot's own test suite (``tests/auxil/networking.py``): the application's
``Bot`` talks to an ``OfflineRequest`` instead of HTTP. It answers the few methods nqbot uses (``getMe``,
``sendMessage``, ``editMessageText``, ``sendDocument``, ``sendPhoto``, ``answerCallbackQuery``, ``setMyCommands``,
``deleteMyCommands``) with valid Bot API results, records every call with its decoded parameters, and
raises ``UnexpectedCall`` (an ``AssertionError``) for any other method.

PTB wraps any exception of a request class in ``NetworkError`` and hands a handler's exceptions to the
application's error handler, so an unexpected call does not by itself fail a test: it is also kept in
``OfflineRequest.unexpected``; call ``assert_no_unexpected()`` (the handler tests do it in teardown).

Usage::

    application, api = await offline_application(engine)
    await feed(application, text_update(1, 42, "/start"))
    assert "Xin chào" in api.sent_texts(42)[-1]
    await application.shutdown()
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from bot.channels.telegram import TelegramChannel, TelegramDelivery
from bot.engine import Engine
from bot.outbox.sender import Sender
from storage.models import Channel

TOKEN = "123:ABC"
BOT_ID = 123
BOT_USERNAME = "nqbot_test_bot"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "nqbot test",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Fixed so that updates built here stay reproducible: 2022-09-15 08:00 in Hà Nội.
UPDATE_DATE = 1663203600

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class UnexpectedCall(AssertionError):
    """A Bot API method the offline request does not answer: the code under test did something unplanned."""


@dataclass(frozen=True)
class Call:
    """One Bot API call: the method (``sendMessage``), its parameters as Telegram would decode them, and
    the uploaded files by field name (``{"document": ("report.xlsx", b"...")}``)."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def decode(request_data: RequestData | None) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    """The parameters and files of a request, decoded the way the Bot API server reads the form fields.

    PTB sends each parameter as a form field: strings as they are, everything else (numbers, booleans,
    ``reply_markup``, ``commands``, ``scope``) JSON-encoded. Files go as multipart parts.
    """
    if request_data is None:
        return {}, {}
    raw = request_data.parameters
    params: dict[str, Any] = {
        name: value if isinstance(raw[name], str) else json.loads(value)
        for name, value in request_data.json_parameters.items()
    }
    files: dict[str, tuple[str, bytes]] = {}
    if request_data.contains_files:
        for name, part in request_data.multipart_data.items():
            filename, content = part[0], part[1]
            files[name] = (filename or name, content if isinstance(content, bytes) else content.read())
    return params, files


def chat_of(chat_id: int) -> dict[str, Any]:
    """The chat object for an id: positive ids are private chats, negative ones groups (as in Telegram)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}


class OfflineRequest(BaseRequest):
    """A ``BaseRequest`` that never touches the network: canned Bot API answers and a record of every call."""

    def __init__(self) -> None:
        # The Bot API methods answered, each by a function of (parameters, files) → the call's result.
        self.answers: dict[str, Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "answerCallbackQuery": self._true,
            "setMyCommands": self._true,
            "deleteMyCommands": self._true,
        }
        self.calls: list[Call] = []
        self.unexpected: list[Call] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat id, message id) → the bot's message
        self._buttons: dict[tuple[int, str], int] = {}  # (chat id, callback data) → the latest message carrying it
        self._message_ids = itertools.count(1)

    # --- BaseRequest ---

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params, files = decode(request_data)
        call = Call(api_method, params, files)
        answer = self.answers.get(api_method)
        if answer is None:
            self.unexpected.append(call)
            raise UnexpectedCall(f"OfflineRequest: no network in this test, and {api_method} is not faked: {params}")
        self.calls.append(call)
        result = answer(params, files)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- the answered methods ---

    def _get_me(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        return BOT_USER

    def _send_message(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        message = self._new_message(int(params["chat_id"]))
        message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return self._keep(message)

    def _edit_message_text(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        if "inline_message_id" in params:
            return True
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        message = dict(self.messages.get((chat_id, message_id)) or self._message(chat_id, message_id))
        message["text"] = params["text"]
        message["edit_date"] = int(time.time())
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)  # Telegram removes the keyboard when the edit has none
        return self._keep(message)

    def _send_document(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        message = self._new_message(int(params["chat_id"]))
        filename, content = files.get("document", (str(params.get("document", "document")), b""))
        message["document"] = {
            "file_id": f"doc-{message['message_id']}",
            "file_unique_id": f"udoc-{message['message_id']}",
            "file_name": filename,
            "file_size": len(content),
        }
        if "caption" in params:
            message["caption"] = params["caption"]
        return self._keep(message)

    def _send_photo(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        message = self._new_message(int(params["chat_id"]))
        _, content = files.get("photo", ("photo", b""))
        message["photo"] = [
            {
                "file_id": f"photo-{message['message_id']}",
                "file_unique_id": f"uphoto-{message['message_id']}",
                "width": 1000,
                "height": 550,
                "file_size": len(content),
            }
        ]
        if "caption" in params:
            message["caption"] = params["caption"]
        return self._keep(message)

    def _true(self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        return True

    def _message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(time.time()), "chat": chat_of(chat_id), "from": BOT_USER}

    def _new_message(self, chat_id: int) -> dict[str, Any]:
        return self._message(chat_id, next(self._message_ids))

    def _keep(self, message: dict[str, Any]) -> dict[str, Any]:
        """Store the bot's message as the chat now shows it, and index its buttons."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self.messages[(chat_id, message_id)] = message
        for data in callback_data(message.get("reply_markup")):
            self._buttons[(chat_id, data)] = max(message_id, self._buttons.get((chat_id, data), 0))
        return message

    # --- for the tests ---

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """The parameters of every sendMessage to a chat, oldest first."""
        return [call.params for call in self.of("sendMessage") if int(call.params["chat_id"]) == chat_id]

    def sent_texts(self, chat_id: int) -> list[str]:
        return [str(params["text"]) for params in self.sent(chat_id)]

    def message_with_button(self, chat_id: int, data: str) -> dict[str, Any]:
        """The bot's latest message in the chat whose inline keyboard has a button with this callback data."""
        latest = self.messages.get((chat_id, self._buttons.get((chat_id, data), 0)))
        if latest is not None and data in callback_data(latest.get("reply_markup")):
            return latest
        for (chat, _), message in sorted(self.messages.items(), key=lambda item: -item[0][1]):
            if chat == chat_id and data in callback_data(message.get("reply_markup")):
                return message
        raise AssertionError(f"no message to chat {chat_id} carries a button {data!r}")

    def clear(self) -> None:
        """Forget the recorded calls (the messages stay, so buttons can still be pressed)."""
        self.calls.clear()

    def assert_no_unexpected(self) -> None:
        if self.unexpected:
            raise UnexpectedCall(f"unexpected Bot API calls: {[(c.method, c.params) for c in self.unexpected]}")


def callback_data(reply_markup: Any) -> list[str]:
    """Every button's callback data in an inline keyboard (as sent: a dict, or its JSON), row by row."""
    if reply_markup is None:
        return []
    markup = json.loads(reply_markup) if isinstance(reply_markup, str) else reply_markup
    return [
        str(button["callback_data"])
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    ]


# --- updates, as Telegram delivers them ---


def user_of(user_id: int) -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Nguyễn",
        "last_name": f"Văn {user_id}",
        "language_code": "vi",
    }


def message_update(update_id: int, user_id: int, chat_type: str = "private", **content: Any) -> dict[str, Any]:
    """An update with a message from `user_id` carrying `content` (``text=…``, ``sticker=…``, ``photo=…``).

    In a private chat the chat id is the user's id; in a group it is ``-user_id``.
    """
    chat = chat_of(user_id if chat_type == "private" else -abs(user_id))
    if chat_type != "private":
        chat["type"] = chat_type
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10_000 + update_id,
            "date": UPDATE_DATE,
            "chat": chat,
            "from": user_of(user_id),
            **content,
        },
    }


def text_update(update_id: int, user_id: int, text: str, chat_type: str = "private") -> dict[str, Any]:
    """A typed message; a text starting with "/" carries its bot_command entity, as Telegram sends it."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split()[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return message_update(update_id, user_id, chat_type, **content)


def sticker_update(update_id: int, user_id: int, chat_type: str = "private") -> dict[str, Any]:
    sticker = {
        "file_id": f"sticker-{update_id}",
        "file_unique_id": f"usticker-{update_id}",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "emoji": "👍",
    }
    return message_update(update_id, user_id, chat_type, sticker=sticker)


def photo_update(update_id: int, user_id: int, chat_type: str = "private") -> dict[str, Any]:
    photo = [
        {"file_id": f"photo-{update_id}-{n}", "file_unique_id": f"uphoto-{update_id}-{n}", "width": n, "height": n}
        for n in (90, 320)
    ]
    return message_update(update_id, user_id, chat_type, photo=photo)


def button_update(
    update_id: int, user_id: int, message_id: int, data: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A press of an inline button with callback `data` on the bot's message `message_id` in the user's
    private chat (or on `message`, a message as the offline request returned it, e.g. one in a group)."""
    carrier = dict(message) if message is not None else {}
    carrier.setdefault("message_id", message_id)
    carrier.setdefault("date", UPDATE_DATE)
    carrier.setdefault("chat", chat_of(user_id))
    carrier.setdefault("from", BOT_USER)
    carrier.setdefault("text", "…")
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq-{update_id}",
            "from": user_of(user_id),
            "chat_instance": f"ci-{user_id}",
            "data": data,
            "message": carrier,
        },
    }


# --- the application ---


async def offline_application(engine: Engine, language: str = "vi") -> tuple[AnyApplication, OfflineRequest]:
    """nqbot's handlers on a real PTB application whose Bot API is an OfflineRequest; initialised (getMe done).

    Built like ``bot.channels.telegram.build_application`` (one update at a time, the same handlers and
    error handler) but without its post_init, so ``setMyCommands`` is only called when a test asks for it.
    Call ``await application.shutdown()`` when done.
    """
    api = OfflineRequest()
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .request(api)
        .get_updates_request(api)  # the same recorder: a getUpdates would be an unexpected call too
        .concurrent_updates(False)
        .build()
    )
    # Unpaced: a test or a benchmark feeds a chat's updates as fast as they go (the pacer has tests of its own).
    deliveries = {Channel.telegram.value: TelegramDelivery(application.bot)}
    sender = Sender(engine.database, deliveries, timezone=engine.timezone, rate=1e9, per_chat=1e9)
    TelegramChannel(engine, language, sender).register(application)
    await application.initialize()
    return application, api


async def feed(application: AnyApplication, data: dict[str, Any]) -> None:
    """Deliver one update to the application as its updater would."""
    await application.process_update(Update.de_json(data, application.bot))
