"""A fake Zalo Bot API server for tests: the bot is pointed at it instead of bot-api.zaloplatforms.com.

Standard library only: ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a daemon thread. A test plays the
users (queues updates, or posts them to the bot's webhook) and reads what the bot sent.

Usage::

    with FakeZalo(token="1234:secret") as server:
        env = {"ZALO_BOT_TOKEN": server.token, "ZALO_API_BASE_URL": server.base_url}
        ...  # start the bot
        ticket = server.send_text("u1", "/start CODE")
        server.wait_until_handled(ticket)  # delivered, and the bot has polled again since: its turn is over
        server.texts("u1")
        server.queue(update)  # the same update again (a redelivery)
        server.post_webhook(update, secret=None)  # to the URL setWebhook registered: the HTTP status

Calls, as Zalo answers them (``POST /bot<token>/<method>``, JSON body, ``{ok, result}`` envelope; an error
comes with HTTP 200 as ``{"ok": false, "error_code": 408, "description": …}``, as clients measured the real
service, or with the code as the HTTP status too when ``error_status=True``):
``getMe``; ``getUpdates`` (one queued update, not a list, its ``date`` in epoch milliseconds; after ``timeout``
seconds, at most ``max_poll``, error 408 "Request timeout"; 409 while a webhook is set); ``sendMessage``
(refuses an empty text or one over 2,000 UTF-16 units with 400); ``setWebhook`` (``url`` and an 8–256
character ``secret_token``); ``deleteWebhook``; ``getWebhookInfo`` (404 when none is set). A wrong token
gets 401, an unknown method 404.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

JSON = dict[str, Any]
MAX_TEXT = 2000


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class FakeZalo:
    """A Zalo Bot API on 127.0.0.1; one lock (a condition) shared by the HTTP handlers and the test."""

    def __init__(
        self, token: str = "1234567890:test-zalo-token", *, max_poll: float = 1.0, error_status: bool = False
    ) -> None:
        self.token = token
        self.max_poll = max_poll  # a long poll ends with 408 after at most this many seconds
        self.error_status = error_status  # errors with their code as the HTTP status (else HTTP 200)
        self.queued_at: dict[int, tuple[str, float]] = {}  # ticket → (chat, when queued, the fake's clock)
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, JSON]] = deque()
        self._tickets = itertools.count(1)
        self._ids = itertools.count(1)
        self._polls = 0  # getUpdates calls begun
        self._delivered_at: dict[int, int] = {}  # ticket → the poll that took it
        self._stopping = False
        self.messages: list[JSON] = []  # what the bot sent: chat_id, text, message_id, at (the fake's clock)
        self.rejections: list[JSON] = []  # refused calls: method, status, description
        self.calls: list[str] = []
        self.webhook: JSON | None = None  # {"url", "secret_token"} once set
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def __enter__(self) -> FakeZalo:
        self._httpd = _HttpServer(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "the server is not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # --- playing the users ---

    def text_update(self, user_id: str, text: str, *, name: str = "Người dùng", chat_type: str = "PRIVATE") -> JSON:
        """A new text message from a user (a fresh message_id), as getUpdates' result carries it."""
        return self.event_update(user_id, "message.text.received", name=name, chat_type=chat_type, text=text)

    def event_update(self, user_id: str, event_name: str, *, name: str = "Người dùng", **fields: Any) -> JSON:
        """Any event: "message.sticker.received", "message.image.received", … with its own fields."""
        chat_type = fields.pop("chat_type", "PRIVATE")
        message = {
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": user_id, "chat_type": chat_type},
            "message_id": f"{next(self._ids):020x}",
            "date": int(time.time() * 1000),
            **fields,
        }
        return {"event_name": event_name, "message": message}

    def queue(self, update: JSON) -> int:
        """Queue an update for getUpdates (again, for a redelivery); returns its ticket."""
        with self._cond:
            ticket = next(self._tickets)
            self._queue.append((ticket, update))
            chat = update.get("message", {}).get("chat", {}).get("id", "")
            self.queued_at[ticket] = (str(chat), time.monotonic())
            self._cond.notify_all()
            return ticket

    def send_text(self, user_id: str, text: str, **kwargs: Any) -> int:
        return self.queue(self.text_update(user_id, text, **kwargs))

    def post_webhook(self, update: JSON, *, secret: str | None, wrap: bool = True) -> int:
        """POST an update to the registered webhook URL as Zalo does; `secret` None leaves the header out.
        Returns the HTTP status the bot answered (after handling it, for a good call)."""
        with self._cond:
            assert self.webhook is not None, "no webhook is set"
            url = self.webhook["url"]
        body = json.dumps({"ok": True, "result": update} if wrap else update).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    # --- reading what the bot did ---

    def sent_messages(self, chat_id: str | None = None) -> list[JSON]:
        with self._cond:
            return [dict(m) for m in self.messages if chat_id is None or m["chat_id"] == chat_id]

    def texts(self, chat_id: str, since: int = 0) -> list[str]:
        return [m["text"] for m in self.sent_messages(chat_id)[since:]]

    def sent_count(self, chat_id: str) -> int:
        return len(self.sent_messages(chat_id))

    def first_reply_after(self, ticket: int) -> float | None:
        """Seconds from queuing the update to the first message its chat got after it, on the fake's clock."""
        with self._cond:
            chat, queued = self.queued_at[ticket]
            return next((m["at"] - queued for m in self.messages if m["chat_id"] == chat and m["at"] >= queued), None)

    @property
    def polls(self) -> int:
        with self._cond:
            return self._polls

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10.0, description: str = "") -> None:
        """Block until `condition()` (called with the lock held) is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{description or 'condition'}: not within {timeout}s")
                self._cond.wait(min(left, 0.05))

    def wait_until_handled(self, ticket: int, timeout: float = 10.0) -> None:
        """Until the bot took the update and polled again: it polls only once an update's turn is over."""

        def handled() -> bool:
            taken = self._delivered_at.get(ticket)
            return taken is not None and self._polls > taken

        self.wait_until(handled, timeout, f"the bot handles update {ticket}")

    # --- the API ---

    def handle(self, path: str, params: JSON) -> tuple[int, JSON]:
        prefix = f"/bot{self.token}/"
        method = path[len(prefix) :] if path.startswith(prefix) else ""
        with self._cond:
            self.calls.append(method or "?")
        try:
            if not path.startswith(prefix):
                raise ApiError(401, "Unauthorized")
            handler = {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
            }.get(method)
            if handler is None:
                raise ApiError(404, "Not Found")
            return 200, {"ok": True, "result": handler(params)}
        except ApiError as exc:
            with self._cond:
                self.rejections.append({"method": method, "status": exc.status, "description": exc.description})
            envelope = {"ok": False, "error_code": exc.status, "description": exc.description}
            return (exc.status if self.error_status else 200), envelope

    def _get_me(self, params: JSON) -> JSON:
        return {"id": "1459232241454765289", "account_name": "bot.nqbot", "account_type": "BASIC"}

    def _get_updates(self, params: JSON) -> JSON:
        wait = min(float(params.get("timeout") or 30), self.max_poll)
        deadline = time.monotonic() + wait
        with self._cond:
            if self.webhook is not None:
                raise ApiError(409, "Conflict: getUpdates is not available while a webhook is set")
            self._polls += 1
            self._cond.notify_all()
            while not self._queue:
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping:
                    raise ApiError(408, "Request timeout")
                self._cond.wait(left)
            ticket, update = self._queue.popleft()
            self._delivered_at[ticket] = self._polls
            self._cond.notify_all()
            return update

    def _send_message(self, params: JSON) -> JSON:
        chat_id, text = params.get("chat_id"), params.get("text")
        if not isinstance(chat_id, str) or not chat_id:
            raise ApiError(400, "chat_id is required")
        if not isinstance(text, str) or not 1 <= utf16_units(text) <= MAX_TEXT:
            raise ApiError(400, f"text must be 1 to {MAX_TEXT} characters")
        with self._cond:
            message = {
                "chat_id": chat_id,
                "text": text,
                "message_id": f"{next(self._ids):020x}",
                "at": time.monotonic(),
            }
            self.messages.append(message)
            self._cond.notify_all()
        return {"message_id": message["message_id"], "date": int(time.time() * 1000)}

    def _set_webhook(self, params: JSON) -> JSON:
        url, secret = params.get("url"), params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ApiError(400, "url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "secret_token must be 8 to 256 characters")
        with self._cond:
            self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    def _delete_webhook(self, params: JSON) -> JSON:
        with self._cond:
            self.webhook = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    def _get_webhook_info(self, params: JSON) -> JSON:
        with self._cond:
            if self.webhook is None:
                raise ApiError(404, "Webhook not found")
            return {"url": self.webhook["url"], "updated_at": int(time.time() * 1000)}


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True

    def __init__(self, fake: FakeZalo) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    """One request per connection (HTTP/1.0), so no thread lingers on an idle keep-alive connection."""

    server: _HttpServer
    timeout = 10

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            params = json.loads(raw) if raw else {}
        except ValueError:
            params = None
        if not isinstance(params, dict):
            status = 400 if self.server.fake.error_status else 200
            payload = {"ok": False, "error_code": 400, "description": "body is not a JSON object"}
        else:
            status, payload = self.server.fake.handle(self.path.split("?")[0], params)
        body = json.dumps(payload).encode()
        with contextlib.suppress(ConnectionError):  # the bot stopped in the middle of a long poll
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is not the place for an access log."""
