"""A fake Telegram Bot API server for end-to-end tests.

The real bot (python-telegram-bot) is pointed at this server instead of api.telegram.org, and a test plays the
users: it queues incoming messages and button presses, then looks at what the bot sent back.

Standard library only: ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a daemon thread.
Requests are read the way python-telegram-bot 22 sends them: ``application/x-www-form-urlencoded`` for plain
calls and ``multipart/form-data`` when a file is uploaded, with every value that is not a string (numbers,
booleans, ``reply_markup``, ``commands``, ``scope``) JSON-encoded into a string. ``application/json`` bodies
and query strings work too.

Usage::

    from telegram.ext import ApplicationBuilder
    from tests.fakes.telegram_api import FakeTelegram

    async def test_start_is_answered() -> None:
        with FakeTelegram(token="123:ABC") as server:
            app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
            ...  # add the bot's handlers
            async with app:
                await app.start()
                await app.updater.start_polling(poll_interval=0, timeout=1)
                server.send_text(42, "/start")
                [reply] = await server.wait_for_messages_async(42, 1)
                assert "Xin chào" in reply["text"]
                await app.updater.stop()
                await app.stop()

In async tests use the ``*_async`` waits: the blocking ones would stall the event loop the bot runs on.

Webhooks as Telegram does them: after ``setWebhook(url, secret_token)`` the fake POSTs each queued update to
``url`` (JSON, with ``X-Telegram-Bot-Api-Secret-Token``) from a thread of its own, one at a time and in order;
an update leaves the queue once answered 200, otherwise it is posted again after ``webhook_retry_pause``
seconds. ``webhook_answers`` keeps every answer's status. ``getUpdates`` is refused (409) while a webhook is
set; ``deleteWebhook`` ends the deliveries. ``FakeTelegram(webhook_connections=n)`` posts up to n updates at
once, as Telegram's max_connections does (from n threads); the updates of one chat still go one at a time, in
order.

Like Telegram, the fake refuses (so the bot's mistakes show up in tests rather than in production): a wrong
token (401), unknown methods (404), empty or too long texts and captions, callback data over 64 bytes,
``parse_mode="HTML"`` text with unsupported or unbalanced tags or a bare ``<``, edits of unknown messages or of
messages the bot did not send, edits that change nothing, answers to unknown or already answered callback
queries, invalid bot command names. ``editMessageText``/``editMessageReplyMarkup`` without ``reply_markup``
remove the inline keyboard, as Telegram does.

Faults can be injected at any time: ``rate_limit_per_second`` (at most max(1, floor(rate)) accepted calls of
``rate_limited_methods``, by default sendMessage, in any sliding second; the rest get 429 with ``retry_after``),
``blocked_chats`` (every send to them gets 403 "bot was blocked by the user") and
``fail_next(method, status, description, retry_after=None)`` (the next call of that method fails once).
A crash of the fake itself is answered 500, kept in ``errors`` and raised when the ``with`` block ends.

A crash of the bot with a message in flight that Telegram never took: ``hold_after(count)`` lets ``count`` more
sendMessage calls be accepted (counting from the call), then holds the next sendMessage request: it is neither
answered nor recorded as sent. ``wait_until_held(timeout)`` (or ``wait_until_held_async``) returns its parameters
once it is held; kill the bot then. ``release_held()`` ends the hold: the held request (and any other that came
while it was held) is answered 500 and kept in ``rejections``, never counted as delivered (the killed bot does not
hear the answer); later sendMessage calls go through again. Stopping the server releases held requests too::

    server.hold_after(25)
    held = server.wait_until_held(timeout=30)  # the 26th sendMessage; held["chat_id"] is its chat
    bot_process.kill()
    server.release_held()

``hold_after(count, only=lambda params: ...)`` counts and holds only the sendMessage requests ``only`` picks
(the reminders of a fan-out, say); the others go through as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import math
import re
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message as _MimeHeaders
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

JSON = dict[str, Any]
Files = dict[str, "UploadedFile"]
_T = TypeVar("_T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
_ASYNC_POLL_INTERVAL = 0.005
_WAIT_RECHECK_INTERVAL = 0.05

# Parameters that stay strings even when they look like JSON ("123", "true", "null").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "language_code",
        "inline_message_id",
        "action",
        "document",
        "photo",
        "business_connection_id",
        "message_effect_id",
    }
)
_HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre"}
    | {"blockquote", "tg-emoji"}
)
_BARE_LESS_THAN = re.compile(r"<(?![A-Za-z/])")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,})?")
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


class ApiError(Exception):
    """A refused call, answered as ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{status} {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


_HELD = ApiError(500, "Internal Server Error: the request was held, not delivered")  # see hold_after()


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    content: bytes


# --- request parsing ---------------------------------------------------------------------------------------------


def parse_request(content_type: str, body: bytes, query: str = "") -> tuple[JSON, Files]:
    """The call's parameters (JSON-encoded values decoded) and uploaded files, whatever the encoding."""
    raw: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: Files = {}
    mime, options = _header_params(content_type, "content-type")
    if mime == "application/json":
        if body.strip():
            decoded = json.loads(body)
            if not isinstance(decoded, dict):
                raise ApiError(400, "Bad Request: the JSON body must be an object")
            raw.update(decoded)
    elif mime == "multipart/form-data":
        fields, files = _parse_multipart(body, options.get("boundary", ""))
        raw.update(fields)
    elif body:
        raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {name: _decode_value(name, value) for name, value in raw.items()}, files


def _decode_value(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string, e.g. chat_id="@channel"


def _header_params(value: str, header: str) -> tuple[str, dict[str, str]]:
    """("multipart/form-data", {"boundary": ...}) from a header value."""
    headers = _MimeHeaders()
    headers[header] = value
    params = headers.get_params(header=header) or []
    main = params[0][0].lower() if params else ""
    return main, {key.lower(): str(item) for key, item in params[1:]}


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], Files]:
    if not boundary:
        raise ApiError(400, "Bad Request: multipart boundary is missing")
    fields: dict[str, str] = {}
    files: Files = {}
    for part in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):  # the closing delimiter
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")  # the CRLF belongs to the next delimiter
        disposition, part_type = "", "application/octet-stream"
        for line in head.decode("utf-8").split("\r\n"):
            name, _, header_value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = header_value.strip()
            elif name.strip().lower() == "content-type":
                part_type = header_value.strip()
        _, params = _header_params(disposition, "content-disposition")
        field = params.get("name", "")
        if "filename" in params:
            filename = params["filename"].replace("%22", '"')  # httpx escapes quotes the HTML5 way
            files[field] = UploadedFile(field, filename, part_type, content)
        else:
            fields[field] = content.decode("utf-8")
    return fields, files


# --- Telegram's rules --------------------------------------------------------------------------------------------


def _post_json(url: str, payload: JSON, headers: Mapping[str, str]) -> int:
    """POST `payload` as JSON; the status of the answer (0 when nothing answered)."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return 0


def _utf16_len(text: str) -> int:
    """Telegram measures texts and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    """Telegram's HTML subset rendered to plain text; raises ApiError where Telegram would refuse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{tag}"')
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _entities_error(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise _entities_error(f'Unmatched end tag "{tag}"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _entities_error(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


def render_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees: HTML markup checked and removed; other parse modes are not checked."""
    if (parse_mode or "").upper() != "HTML":
        return text
    bare = _BARE_LESS_THAN.search(text)
    if bare is not None:
        raise _entities_error(f"unescaped '<' at offset {bare.start()}")
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{parser.open_tags[-1]}"')
    return "".join(parser.parts)


def _check_reply_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return  # reply keyboards and the like are recorded as they are
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays')
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not button.get("text"):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _inline_keyboard(markup: Any) -> JSON | None:
    """The markup as a Message carries it: only inline keyboards are echoed."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _callback_buttons(message: Mapping[str, Any]) -> list[JSON]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button for button in itertools.chain.from_iterable(rows) if "callback_data" in button]


def _command_entity(text: str) -> JSON | None:
    """The bot_command entity Telegram adds to "/start" or "/start@bot_name arguments"."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    return {"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}


def _update_chat(update: Mapping[str, Any]) -> Any:
    """The chat an update belongs to (a message's, a pressed button's message's), or its sender's id."""
    for kind in ("message", "edited_message", "callback_query"):
        content = update.get(kind)
        if isinstance(content, dict):
            message = content.get("message") if kind == "callback_query" else content
            chat = (message or {}).get("chat") or {}
            return chat.get("id", (content.get("from") or {}).get("id"))
    return None


def _without_none(values: Mapping[str, Any]) -> JSON:
    return {key: item for key, item in values.items() if item is not None}


# --- the server ----------------------------------------------------------------------------------------------------


class FakeTelegram:
    """A Bot API server on 127.0.0.1 with a test-side API to play users and inspect what the bot did.

    Thread-safe: the HTTP handlers and the test share one lock. ``with FakeTelegram() as server:`` starts and
    stops it; stopping ends pending long polls at once and joins every handler thread.
    """

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        first_name: str = "nqbot test",
        username: str = "nqbot_test_bot",
        webhook_connections: int = 1,
    ) -> None:
        if webhook_connections < 1:
            raise ValueError("webhook_connections must be 1 or more")
        self.token = token
        bot_id = token.partition(":")[0]
        self.bot_user: JSON = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        # Fault injection; tests may set these at any time.
        self.rate_limit_per_second: float | None = None
        self.rate_limited_methods: set[str] = {"sendMessage"}
        self.blocked_chats: set[int] = set()

        self._cond = threading.Condition(threading.RLock())
        self._closed = False
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._updates: list[JSON] = []
        self._messages: dict[int, JSON] = {}  # message_id → the message as it is now (ids are global)
        self._chats: dict[int, JSON] = {}
        self._open_callbacks: set[str] = set()
        self._sent: list[JSON] = []
        self._edits: list[JSON] = []
        self._answered: list[JSON] = []
        self._deleted: list[JSON] = []
        self._commands: dict[str, list[JSON]] = {}
        self._calls: list[str] = []
        self._requests: list[JSON] = []
        self._rejections: list[JSON] = []
        self._errors: list[str] = []
        self._failures: dict[str, list[ApiError]] = {}
        self._send_times: deque[float] = deque()
        self._hold_at: int | None = None  # accepted sendMessage calls after which sendMessage requests are held
        self._hold_only: Callable[[JSON], bool] | None = None  # which sendMessage requests count and are held
        self._held: list[JSON] = []  # parameters of the requests held now
        self._releases = 0  # release_held() calls: a held request waits for the next one
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.webhook_retry_pause = 0.5
        self._webhook: JSON | None = None  # {"url", "secret_token"} while one is set
        self._webhook_answers: list[int] = []
        self._webhook_connections = webhook_connections
        self._delivering: dict[int, Any] = {}  # id() of each update being posted → its chat
        self._deliverers: list[threading.Thread] = []

        handlers: dict[str, Callable[[JSON, Files], Any]] = {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendDocument": lambda params, files: self._send_file("sendDocument", "document", params, files),
            "sendPhoto": lambda params, files: self._send_file("sendPhoto", "photo", params, files),
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
        }
        self._handlers = {name.lower(): handler for name, handler in handlers.items()}  # names are case-blind

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        if self._httpd is not None or self._closed:
            raise RuntimeError("a FakeTelegram server starts once")
        self._httpd = _HttpServer(self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeTelegram", daemon=True
        )
        self._thread.start()
        self._deliverers = [
            threading.Thread(target=self._deliver_webhooks, name=f"FakeTelegram-webhook-{n}", daemon=True)
            for n in range(self._webhook_connections)
        ]
        for deliverer in self._deliverers:
            deliverer.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()  # long polls return at once
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins the handler threads
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for deliverer in self._deliverers:
            deliverer.join(timeout=15)
        self._deliverers = []

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
        if exc_type is None and self._errors:
            raise AssertionError("the fake Telegram server crashed:\n" + "\n".join(self._errors))

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        if not self._port:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as ``base_url``: requests go to ``{base_url}{token}/{method}``."""
        return f"{self.url}/bot"

    # --- playing the users -------------------------------------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_type: str = "private",
        first_name: str = "Test",
        *,
        chat_id: int | None = None,
        username: str | None = None,
    ) -> int:
        """Queue a message from a user; returns its message_id.

        The chat is the user's private chat, or for another ``chat_type`` the chat ``chat_id`` (default
        ``-user_id``). A text starting with a command gets a ``bot_command`` entity, as Telegram adds.
        """
        with self._cond:
            user = _without_none({"id": user_id, "is_bot": False, "first_name": first_name, "username": username})
            if chat_type == "private":
                if chat_id not in (None, user_id):
                    raise ValueError("a private chat's id is the user's id")
                chat = _without_none({"id": user_id, "type": "private", "first_name": first_name, "username": username})
            else:
                chat = {"id": -abs(user_id) if chat_id is None else chat_id, "type": chat_type, "title": "Test group"}
            message: JSON = {
                "message_id": next(self._message_ids),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            entity = _command_entity(text)
            if entity is not None:
                message["entities"] = [entity]
            self._chats[chat["id"]] = chat
            self._messages[message["message_id"]] = message
            self._push_update({"message": copy.deepcopy(message)})
            return int(message["message_id"])

    def press_button(
        self, user_id: int, message_id: int, data: str, *, first_name: str = "Test", check: bool = True
    ) -> str:
        """Queue a callback_query pressing the button ``data`` under message ``message_id``; returns the query id.

        With ``check`` (the default) the message must currently carry a button with that callback_data, as a
        real user can only press what is on the screen.
        """
        with self._cond:
            message = self._messages.get(message_id)
            if message is None:
                raise ValueError(f"no message {message_id}; known messages: {sorted(self._messages)}")
            if check:
                offered = [button["callback_data"] for button in _callback_buttons(message)]
                if data not in offered:
                    raise ValueError(f"message {message_id} has no button {data!r}; its buttons: {offered}")
            query_id = f"cq{next(self._callback_ids)}"
            query = {
                "id": query_id,
                "from": {"id": user_id, "is_bot": False, "first_name": first_name},
                "message": copy.deepcopy(message),
                "chat_instance": str(message["chat"]["id"]),
                "data": data,
            }
            self._open_callbacks.add(query_id)
            self._push_update({"callback_query": query})
            return query_id

    def button_data(self, message_id: int, text: str) -> str:
        """The callback_data of the button labelled ``text`` under message ``message_id``."""
        with self._cond:
            buttons = _callback_buttons(self._messages.get(message_id) or {})
            for button in buttons:
                if button.get("text") == text:
                    return str(button["callback_data"])
            raise ValueError(f"message {message_id} has no button {text!r}; its buttons: {buttons}")

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None) -> None:
        """Make the next call of ``method`` fail once with this error (calls stack up in order)."""
        with self._cond:
            self._failures.setdefault(method.lower(), []).append(ApiError(status, description, retry_after))

    def hold_after(self, count: int, *, only: Callable[[JSON], bool] | None = None) -> None:
        """Accept ``count`` more sendMessage calls, then hold every sendMessage request until ``release_held()``
        answers it 500 (never recorded as sent): a message in flight when the bot crashes, never delivered.
        With ``only`` (called with a request's parameters), only the requests it picks count and are held."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        with self._cond:
            self._hold_only = only
            self._hold_at = self._accepted("sendMessage") + count

    def release_held(self) -> int:
        """End the hold: held requests are answered 500 and later ones go through; returns how many were held."""
        with self._cond:
            held = len(self._held)
            for params in self._held:  # refused now, so ``rejections`` shows them as soon as this returns
                self._refuse("sendMessage", params, _HELD)
            self._hold_at = None
            self._hold_only = None
            self._held.clear()
            self._releases += 1
            self._cond.notify_all()
            return held

    @staticmethod
    def scope_key(scope: Mapping[str, Any] | None = None, language_code: str = "") -> str:
        """The key of ``commands``: compact sorted JSON of the scope, then ``#language`` if one was given."""
        key = json.dumps(dict(scope or {"type": "default"}), sort_keys=True, separators=(",", ":"))
        return f"{key}#{language_code}" if language_code else key

    # --- what the bot did --------------------------------------------------------------------------------------

    def sent_messages(self, chat_id: int | None = None, *, start: int = 0) -> list[JSON]:
        """Accepted sendMessage/sendDocument/sendPhoto calls in order, optionally only those to one chat, and
        only from the ``start``-th accepted call on (counting every chat: a watcher reads only what is new).

        Each is a dict with method, message_id, chat_id, text, caption, parse_mode, reply_markup (parsed),
        reply_to_message_id, plain_text (text or caption as the user sees it), filename, size, content and
        mime_type (uploads), message (the Message returned), params (everything the bot sent) and sent_at (when
        it was accepted, on ``time.monotonic()``); keys that do not apply are None.
        """
        with self._cond:
            return copy.deepcopy([sent for sent in self._sent[start:] if chat_id is None or sent["chat_id"] == chat_id])

    def messages_since(self, chat_id: int, index: int) -> list[JSON]:
        """``sent_messages(chat_id)[index:]``: take ``index = sent_count(chat)`` before acting, then look."""
        return self.sent_messages(chat_id)[index:]

    @property
    def held(self) -> list[JSON]:
        """Parameters of the sendMessage requests held now (see ``hold_after``), in the order they came."""
        return self._snapshot(self._held)

    def sent_count(self, chat_id: int) -> int:
        """How many sends to this chat were accepted (refused ones are in ``rejections``)."""
        with self._cond:
            return sum(1 for sent in self._sent if sent["chat_id"] == chat_id)

    def message(self, message_id: int) -> JSON:
        """A message as it is now (after edits), whoever sent it."""
        with self._cond:
            if message_id not in self._messages:
                raise KeyError(f"no message {message_id}")
            return copy.deepcopy(self._messages[message_id])

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates queued and not yet acknowledged with a getUpdates offset."""
        return self._snapshot(self._updates)

    @property
    def edits(self) -> list[JSON]:
        """editMessageText/Caption/ReplyMarkup calls that changed a message: method, chat_id, message_id,
        text, caption, reply_markup, parse_mode, message (after the edit)."""
        return self._snapshot(self._edits)

    @property
    def answered_callbacks(self) -> list[JSON]:
        """answerCallbackQuery calls: callback_query_id, text, show_alert, url, cache_time."""
        return self._snapshot(self._answered)

    @property
    def deleted(self) -> list[JSON]:
        """deleteMessage calls that deleted a message: chat_id, message_id, message."""
        return self._snapshot(self._deleted)

    @property
    def commands(self) -> dict[str, list[JSON]]:
        """scope key (see ``scope_key``) → the commands set for it, as ``{"command", "description"}`` dicts."""
        return self._snapshot(self._commands)

    @property
    def webhook(self) -> JSON | None:
        """{"url", "secret_token"} of the webhook set now, or None."""
        with self._cond:
            return dict(self._webhook) if self._webhook else None

    @property
    def webhook_answers(self) -> list[int]:
        """The status of every webhook call the fake made, in order."""
        return self._snapshot(self._webhook_answers)

    @property
    def calls(self) -> list[str]:
        """Every method called with the right token, in order, as the client spelled it."""
        return self._snapshot(self._calls)

    @property
    def requests(self) -> list[JSON]:
        """Every call with its decoded parameters: ``{"method", "params"}``."""
        return self._snapshot(self._requests)

    @property
    def rejections(self) -> list[JSON]:
        """Calls answered with an error: method, chat_id, text (a send's), status, description, and at (when,
        on ``time.monotonic()``)."""
        return self._snapshot(self._rejections)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of the fake's own crashes (answered 500); leaving ``with`` raises if there are any."""
        return self._snapshot(self._errors)

    def _snapshot(self, value: _T) -> _T:
        with self._cond:
            return copy.deepcopy(value)

    # --- waiting -------------------------------------------------------------------------------------------------
    # The async waits take ``timeout`` like the blocking ones (hence the ASYNC109 noqa): on a timeout they
    # raise an AssertionError saying what was seen instead, which asyncio.timeout() could not.

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        """Block until at least ``count`` messages were sent to the chat; returns all sent to it so far."""
        return self._wait(*self._messages_condition(chat_id, count, timeout))

    async def wait_for_messages_async(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[JSON]:
        return await self._wait_async(*self._messages_condition(chat_id, count, timeout))

    def wait_for_message(self, chat_id: int, since: int = 0, timeout: float = 10.0) -> JSON:
        """Block until the chat's message number ``since`` (0-based, see ``sent_count``) exists; return it."""
        return self._wait(*self._messages_condition(chat_id, since + 1, timeout))[since]

    async def wait_for_message_async(
        self,
        chat_id: int,
        since: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        return (await self._wait_async(*self._messages_condition(chat_id, since + 1, timeout)))[since]

    def wait_for_callback_answer(self, callback_query_id: str, timeout: float = 10.0) -> JSON:
        """Block until the callback query was answered; returns the answer."""
        return self._wait(*self._answer_condition(callback_query_id, timeout))

    async def wait_for_callback_answer_async(
        self,
        callback_query_id: str,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        return await self._wait_async(*self._answer_condition(callback_query_id, timeout))

    def wait_until_held(self, timeout: float = 10.0) -> JSON:
        """Block until a sendMessage request is held (see ``hold_after``); returns its parameters."""
        return self._wait(*self._held_condition(timeout))

    async def wait_until_held_async(self, timeout: float = 10.0) -> JSON:  # noqa: ASYNC109
        return await self._wait_async(*self._held_condition(timeout))

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0, description: str = "") -> None:
        """Block until ``condition()`` (called with the server's lock held) is true."""
        self._wait(*self._until_condition(condition, timeout, description))

    async def wait_until_async(
        self,
        condition: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
        description: str = "",
    ) -> None:
        await self._wait_async(*self._until_condition(condition, timeout, description))

    def _messages_condition(
        self, chat_id: int, count: int, timeout: float
    ) -> tuple[Callable[[], list[JSON] | None], float, Callable[[], str]]:
        def check() -> list[JSON] | None:
            sent = [sent for sent in self._sent if sent["chat_id"] == chat_id]
            return copy.deepcopy(sent) if len(sent) >= count else None

        def failure() -> str:
            seen = [sent["text"] or sent["caption"] for sent in self._sent if sent["chat_id"] == chat_id]
            others = sorted({sent["chat_id"] for sent in self._sent} - {chat_id})
            return (
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, got {len(seen)}: {seen}; "
                f"messages to other chats: {others}; refused calls: {self._rejections}; calls: {self._calls[-20:]}"
            )

        return check, timeout, failure

    def _answer_condition(
        self, callback_query_id: str, timeout: float
    ) -> tuple[Callable[[], JSON | None], float, Callable[[], str]]:
        def check() -> JSON | None:
            found = [answer for answer in self._answered if answer["callback_query_id"] == callback_query_id]
            return copy.deepcopy(found[0]) if found else None

        def failure() -> str:
            return (
                f"callback query {callback_query_id} was not answered within {timeout}s; answered: "
                f"{[answer['callback_query_id'] for answer in self._answered]}; refused calls: {self._rejections}"
            )

        return check, timeout, failure

    def _held_condition(self, timeout: float) -> tuple[Callable[[], JSON | None], float, Callable[[], str]]:
        def check() -> JSON | None:
            return copy.deepcopy(self._held[0]) if self._held else None

        def failure() -> str:
            holding = "no hold set" if self._hold_at is None else f"holding after {self._hold_at} accepted"
            return (
                f"no sendMessage request was held within {timeout}s ({holding}, "
                f"{self._accepted('sendMessage')} accepted); calls: {self._calls[-20:]}"
            )

        return check, timeout, failure

    def _until_condition(
        self,
        condition: Callable[[], bool],
        timeout: float,
        description: str,
    ) -> tuple[Callable[[], bool | None], float, Callable[[], str]]:
        def check() -> bool | None:
            return True if condition() else None

        def failure() -> str:
            return f"{description or 'condition'} not met within {timeout}s; calls: {self._calls[-20:]}"

        return check, timeout, failure

    def _wait(self, check: Callable[[], _T | None], timeout: float, failure: Callable[[], str]) -> _T:
        deadline = time.monotonic() + timeout
        with self._cond:
            while (result := check()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(failure())
                self._cond.wait(min(remaining, _WAIT_RECHECK_INTERVAL))  # wait_until may watch anything
            return result

    async def _wait_async(self, check: Callable[[], _T | None], seconds: float, failure: Callable[[], str]) -> _T:
        deadline = time.monotonic() + seconds
        while True:
            with self._cond:
                result = check()
                if result is not None:
                    return result
                if time.monotonic() >= deadline:
                    raise AssertionError(failure())
            await asyncio.sleep(_ASYNC_POLL_INTERVAL)

    # --- HTTP entry point ----------------------------------------------------------------------------------------

    def handle_request(self, path: str, query: str, content_type: str, body: bytes) -> tuple[int, JSON]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        token, _, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not method:
            return 404, ApiError(404, "Not Found").payload()
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        with self._cond:
            self._calls.append(method)
            self._cond.notify_all()  # whoever waits on calls (wait_until) looks again
            try:
                params, files = parse_request(content_type, body, query)
            except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
                return self._refuse(method, {}, ApiError(400, f"Bad Request: can't parse the request: {error}"))
            except ApiError as error:
                return self._refuse(method, {}, error)
            self._requests.append({"method": method, "params": params})
            if method.lower() == "sendmessage" and self._holding(params):
                return self._hold(method, params)
            try:
                result = self._call(method, params, files)
            except ApiError as error:
                return self._refuse(method, params, error)
            except Exception:
                self._errors.append(traceback.format_exc())
                return 500, ApiError(500, "Internal Server Error: the fake crashed, see server.errors").payload()
            finally:
                self._cond.notify_all()
            return 200, {"ok": True, "result": copy.deepcopy(result)}

    def _refuse(self, method: str, params: JSON, error: ApiError) -> tuple[int, JSON]:
        self._rejections.append(
            {
                "method": method,
                "chat_id": params.get("chat_id"),
                "text": params.get("text"),
                "status": error.status,
                "description": error.description,
                "at": time.monotonic(),
            }
        )
        return error.status, error.payload()

    def _holding(self, params: JSON) -> bool:
        if self._hold_at is None or (self._hold_only is not None and not self._hold_only(params)):
            return False
        return bool(self._held) or self._accepted("sendMessage") >= self._hold_at

    def _hold(self, method: str, params: JSON) -> tuple[int, JSON]:
        """Keep the request unanswered (its handler thread waits, the lock released) until released or stopped."""
        release = self._releases
        self._held.append(params)
        self._cond.notify_all()
        while self._releases == release and not self._closed:
            self._cond.wait()
        if self._releases == release:  # the server stopped: nobody released it
            return self._refuse(method, params, _HELD)
        return _HELD.status, _HELD.payload()  # release_held() refused it

    def _accepted(self, method: str) -> int:
        """Accepted calls of `method` (of sendMessage: those `hold_after`'s `only` picks, while one is set)."""
        only = self._hold_only if method == "sendMessage" else None
        return sum(1 for sent in self._sent if sent["method"] == method and (only is None or only(sent["params"])))

    def _call(self, method: str, params: JSON, files: Files) -> Any:
        handler = self._handlers.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        failures = self._failures.get(method.lower())
        if failures:
            raise failures.pop(0)
        return handler(params, files)

    # --- helpers for the methods ---------------------------------------------------------------------------------

    def _push_update(self, content: JSON) -> None:
        self._updates.append({"update_id": next(self._update_ids), **content})
        self._cond.notify_all()

    @staticmethod
    def _chat_id(params: JSON) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            self._chats[chat_id] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        return dict(self._chats[chat_id])

    def _check_send(self, method: str, params: JSON) -> int:
        """The chat to send to, after the injected rate limit and blocked chats."""
        chat_id = self._chat_id(params)
        if self.rate_limit_per_second is not None and method in self.rate_limited_methods:
            now = time.monotonic()
            while self._send_times and self._send_times[0] <= now - 1.0:
                self._send_times.popleft()
            if len(self._send_times) >= max(1, math.floor(self.rate_limit_per_second)):
                retry_after = max(1, math.ceil(self._send_times[0] + 1.0 - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _new_message(self, chat_id: int, params: JSON, **content: Any) -> JSON:
        """A message from the bot, stored; the reply target must exist unless the bot allows otherwise."""
        message: JSON = {
            "message_id": next(self._message_ids),
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        reply_to = self._reply_to_message_id(params)
        if reply_to is not None:
            target = self._messages.get(reply_to)
            if target is not None and target["chat"]["id"] == chat_id:
                message["reply_to_message"] = {key: item for key, item in target.items() if key != "reply_to_message"}
            elif not (params.get("reply_parameters") or {}).get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        keyboard = _inline_keyboard(params.get("reply_markup"))
        if keyboard is not None:
            message["reply_markup"] = keyboard
        self._messages[message["message_id"]] = message
        return message

    @staticmethod
    def _reply_to_message_id(params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
            return int(reply["message_id"])
        legacy = params.get("reply_to_message_id")
        return legacy if isinstance(legacy, int) else None

    def _record_send(self, method: str, message: JSON, params: JSON, **details: Any) -> None:
        if self.rate_limit_per_second is not None and method in self.rate_limited_methods:
            self._send_times.append(time.monotonic())
        record: JSON = {
            "method": method,
            "message_id": message["message_id"],
            "chat_id": message["chat"]["id"],
            "text": None,
            "caption": None,
            "plain_text": message.get("text", message.get("caption")),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "reply_to_message_id": self._reply_to_message_id(params),
            "filename": None,
            "size": None,
            "content": None,
            "mime_type": None,
            **details,
            "message": copy.deepcopy(message),
            "params": params,
            "sent_at": time.monotonic(),
        }
        self._sent.append(record)

    def _editable(self, params: JSON) -> JSON:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the fake")
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message["chat"]["id"] != chat_id:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"].get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, method: str, message: JSON, params: JSON, **changes: Any) -> JSON:
        """Edit ``message``; without reply_markup its inline keyboard goes, as on Telegram."""
        edited = {key: item for key, item in message.items() if key != "reply_markup"}
        edited.update(changes)
        for key in [key for key, item in changes.items() if item is None]:
            del edited[key]  # e.g. a caption edited away
        keyboard = _inline_keyboard(params.get("reply_markup"))
        if keyboard is not None:
            edited["reply_markup"] = keyboard
        if all(edited.get(key) == message.get(key) for key in ("text", "caption", "reply_markup")):
            raise ApiError(400, _NOT_MODIFIED)
        edited["edit_date"] = int(time.time())
        self._messages[message["message_id"]] = edited
        self._edits.append(
            {
                "method": method,
                "chat_id": message["chat"]["id"],
                "message_id": message["message_id"],
                "text": params.get("text"),
                "caption": params.get("caption"),
                "reply_markup": params.get("reply_markup"),
                "parse_mode": params.get("parse_mode"),
                "message": copy.deepcopy(edited),
            }
        )
        return edited

    @staticmethod
    def _checked_text(params: JSON, name: str, limit: int, *, required: bool) -> str | None:
        """The text or caption as the user sees it, checked against Telegram's rules."""
        value = params.get(name)
        if not value and not required:
            return None
        if not isinstance(value, str):
            raise ApiError(400, f"Bad Request: message {name} is empty")
        plain = render_text(value, params.get("parse_mode"))
        if required and not plain.strip():
            raise ApiError(400, f"Bad Request: message {name} is empty")
        if _utf16_len(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long" if name == "text" else "Bad Request: message caption is too long",
            )
        return plain

    # --- the methods ---------------------------------------------------------------------------------------------

    def _get_me(self, params: JSON, files: Files) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_webhook(self, params: JSON, files: Files) -> bool:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1:")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {"url": url, "secret_token": secret}
        self._cond.notify_all()
        return True

    def _delete_webhook(self, params: JSON, files: Files) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    def _get_webhook_info(self, params: JSON, files: Files) -> JSON:
        url = self._webhook["url"] if self._webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _deliver_webhooks(self) -> None:
        """Telegram's side of a webhook (one connection of ``webhook_connections``): post the first queued update
        that no other connection is posting, and no earlier update of its chat, until it is answered 200."""
        while True:
            with self._cond:
                while not self._closed and (update := self._next_to_deliver()) is None:
                    self._cond.wait(0.2)
                if self._closed or update is None:
                    return
                assert self._webhook is not None
                url, secret = self._webhook["url"], self._webhook["secret_token"]
                self._delivering[id(update)] = _update_chat(update)
            try:
                status = _post_json(url, update, {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {})
                with self._cond:
                    self._webhook_answers.append(status)
                    if status == 200:
                        self._updates = [queued for queued in self._updates if queued is not update]
                if status != 200:
                    time.sleep(self.webhook_retry_pause)  # its chat's updates wait meanwhile
            finally:
                with self._cond:
                    del self._delivering[id(update)]
                    self._cond.notify_all()

    def _next_to_deliver(self) -> JSON | None:
        """The first queued update that is not being posted and whose chat has no update being posted."""
        if self._webhook is None:
            return None
        busy = set(self._delivering.values())
        for update in self._updates:
            if id(update) not in self._delivering and _update_chat(update) not in busy:
                return update
        return None

    def _get_updates(self, params: JSON, files: Files) -> list[JSON]:
        """Telegram's semantics: an offset acknowledges (drops) every earlier update; a negative offset keeps
        only the last -offset ones; with nothing pending, wait up to ``timeout`` seconds for an update."""
        if self._webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset, limit, timeout = params.get("offset", 0), params.get("limit", 100), params.get("timeout", 0)
        if not all(isinstance(number, int | float) for number in (offset, limit, timeout)):
            raise ApiError(400, "Bad Request: offset, limit and timeout must be numbers")
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[int(offset) :]
        deadline = time.monotonic() + max(0.0, float(timeout))
        while not self._updates and not self._closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        return self._updates[: min(max(int(limit), 1), 100)]

    def _send_message(self, params: JSON, files: Files) -> JSON:
        chat_id = self._check_send("sendMessage", params)
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, required=True)
        _check_reply_markup(params.get("reply_markup"))
        message = self._new_message(chat_id, params, text=text)
        self._record_send("sendMessage", message, params, text=params["text"])
        return message

    def _send_file(self, method: str, field: str, params: JSON, files: Files) -> JSON:
        chat_id = self._check_send(method, params)
        upload, reference = files.get(field), params.get(field)
        if upload is None and not reference:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if upload is not None and not upload.content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        caption = self._checked_text(params, "caption", MAX_CAPTION_LENGTH, required=False)
        _check_reply_markup(params.get("reply_markup"))
        number = next(self._file_ids)
        size = len(upload.content) if upload is not None else None
        ids = {"file_id": f"{field}-{number}", "file_unique_id": f"unique-{field}-{number}"}
        media: JSON | list[JSON]
        if field == "document":
            filename = upload.filename if upload is not None else None
            mime_type = upload.content_type if upload is not None else None
            media = _without_none({**ids, "file_name": filename, "mime_type": mime_type, "file_size": size})
        else:
            media = [_without_none({**ids, "width": 640, "height": 480, "file_size": size})]
        message = self._new_message(chat_id, params, **_without_none({field: media, "caption": caption}))
        self._record_send(
            method,
            message,
            params,
            caption=params.get("caption"),
            filename=upload.filename if upload is not None else None,
            size=size,
            content=upload.content if upload is not None else None,
            mime_type=upload.content_type if upload is not None else None,
        )
        return message

    def _send_chat_action(self, params: JSON, files: Files) -> bool:
        self._check_send("sendChatAction", params)
        return True

    def _edit_message_text(self, params: JSON, files: Files) -> JSON:
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = self._checked_text(params, "text", MAX_TEXT_LENGTH, required=True)
        _check_reply_markup(params.get("reply_markup"))
        return self._apply_edit("editMessageText", message, params, text=text)

    def _edit_message_caption(self, params: JSON, files: Files) -> JSON:
        message = self._editable(params)
        if "text" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._checked_text(params, "caption", MAX_CAPTION_LENGTH, required=False)
        _check_reply_markup(params.get("reply_markup"))
        return self._apply_edit("editMessageCaption", message, params, caption=caption)

    def _edit_message_reply_markup(self, params: JSON, files: Files) -> JSON:
        message = self._editable(params)
        _check_reply_markup(params.get("reply_markup"))
        return self._apply_edit("editMessageReplyMarkup", message, params)

    def _delete_message(self, params: JSON, files: Files) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        message = self._messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message["chat"]["id"] != chat_id:
            raise ApiError(400, "Bad Request: message to delete not found")
        del self._messages[message["message_id"]]
        self._deleted.append({"chat_id": chat_id, "message_id": message["message_id"], "message": message})
        return True

    def _answer_callback_query(self, params: JSON, files: Files) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and _utf16_len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._open_callbacks.discard(str(query_id))
        self._answered.append(
            {
                "callback_query_id": query_id,
                "text": text,
                "show_alert": bool(params.get("show_alert", False)),
                "url": params.get("url"),
                "cache_time": params.get("cache_time"),
            }
        )
        return True

    def _commands_key(self, params: JSON) -> str:
        scope = params.get("scope")
        if scope is not None and not (isinstance(scope, dict) and isinstance(scope.get("type"), str)):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        return self.scope_key(scope, str(params.get("language_code") or ""))

    def _set_my_commands(self, params: JSON, files: Files) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JSON, files: Files) -> list[JSON]:
        return self._commands.get(self._commands_key(params), [])

    def _delete_my_commands(self, params: JSON, files: Files) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_chat(self, params: JSON, files: Files) -> JSON:
        chat = self._chats.get(self._chat_id(params))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": _ACCEPTED_GIFT_TYPES}


# --- HTTP plumbing -------------------------------------------------------------------------------------------------


class _HttpServer(ThreadingHTTPServer):
    """Daemon handler threads, all joined by server_close() (block_on_close)."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    """One request per connection (HTTP/1.0), so no thread lingers on an idle keep-alive connection."""

    server: _HttpServer
    timeout = 10  # seconds a silent client may hold a handler thread

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        try:
            body = self._read_body()
        except (OSError, ValueError):
            return
        status, payload = self.server.fake.handle_request(
            url.path, url.query, self.headers.get("Content-Type", ""), body
        )
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        with contextlib.suppress(OSError):  # the client may have given up on a long poll
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is not the place for an access log."""
