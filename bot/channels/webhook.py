"""One small HTTP server for the channels' webhooks (asyncio streams; no web framework for two routes).

Usage:
    server = WebhookServer(host="127.0.0.1", port=8080)
    server.route("telegram", "X-Telegram-Bot-Api-Secret-Token", secret, handle_telegram_update)
    server.route("zalo", "X-Bot-Api-Secret-Token", secret, handle_zalo_update)
    await server.start()   # then each channel registers WEBHOOK_URL/<route> with its platform
    await server.stop()

A call goes to the route its path ends with ("/nqbot/telegram" and "/telegram" alike, so a reverse proxy
may keep or strip a prefix); other paths get 404. Every POST must carry its platform's secret header,
compared in constant time: a missing one is answered 401, a wrong one 403, and the update is not handled.
A good call is answered 200 as soon as its route's `handle` returns, which stores the update (the inbox,
bot/channels/inbox.py) and leaves its handling to a task: the platforms ask for a quick answer, and an
update stored is handled even if the process dies next. If storing fails the call is answered 500, so the
platform sends it again. A body that is not a JSON object, however it fails to parse (nested 100,000 deep
included), is answered 400; one over MAX_BODY 413; too many header lines 431; a request not read whole
within READ_TIMEOUT (a slow sender) 400.

The body comes with a Content-Length or chunked (Transfer-Encoding: chunked, as a reverse proxy that streams
the request sends it: Caddy does); a request with both, or another transfer coding, is refused with 400.

Kept hand-written rather than aiohttp's web server (installable, but not pulled in by python-telegram-bot,
whose own webhook server needs tornado): it serves two POST routes behind a TLS reverse proxy, which does the
public side's HTTP; each refusal above is pinned by tests/test_webhook.py (aiohttp answers an oversized head
with 400, not 431, and a whole-request deadline would still be ours to add).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # a text update is a few hundred bytes
MAX_HEADERS = 100
READ_TIMEOUT = 10.0
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,7}")  # at most 0xFFFFFFF: any more is over MAX_BODY anyway

Handle = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    name: str  # the last segment of the path: "telegram", "zalo"
    secret_header: str  # lower case
    secret: bytes
    handle: Handle


class WebhookServer:
    """Accepts POSTed updates on host:port and hands each to its route's `handle`."""

    def __init__(self, *, host: str, port: int) -> None:
        self.host = host
        self.port = port  # 0 picks a free port; the bound one is here after start()
        self._routes: dict[str, Route] = {}
        self._server: asyncio.Server | None = None

    def route(self, name: str, secret_header: str, secret: str, handle: Handle) -> None:
        """Serve POST …/name: updates with `secret` in `secret_header` go to `handle` (set again: replaced)."""
        self._routes[name] = Route(name, secret_header.lower(), secret.encode(), handle)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(self._read(reader), READ_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            request = HTTPStatus.BAD_REQUEST
        status = request if isinstance(request, HTTPStatus) else await self._handle(*request)
        body = json.dumps({"ok": status is HTTPStatus.OK}).encode()
        head = f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        with suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()

    async def _handle(self, route: Route, update: dict[str, Any]) -> HTTPStatus:
        try:
            await route.handle(update)
        except Exception:
            logger.exception("error while handling a %s webhook call", route.name)
            return HTTPStatus.INTERNAL_SERVER_ERROR
        return HTTPStatus.OK

    async def _read(self, reader: asyncio.StreamReader) -> HTTPStatus | tuple[Route, dict[str, Any]]:
        """Read one request: its route and update, or the status that refuses it. The secret is checked before
        the body is read."""
        method, _, rest = (await reader.readuntil(b"\r\n")).decode("latin-1").partition(" ")
        path = rest.partition(" ")[0].partition("?")[0].rstrip("/")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        route = self._routes.get(path.rpartition("/")[2])
        if route is None:
            return HTTPStatus.NOT_FOUND
        if method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED
        given = headers.get(route.secret_header)
        if given is None:
            logger.warning("%s webhook call without a secret refused", route.name)
            return HTTPStatus.UNAUTHORIZED
        if not hmac.compare_digest(given.encode(), route.secret):
            logger.warning("%s webhook call with a wrong secret refused", route.name)
            return HTTPStatus.FORBIDDEN
        if "transfer-encoding" in headers:
            if headers["transfer-encoding"].lower() != "chunked" or "content-length" in headers:
                return HTTPStatus.BAD_REQUEST  # two lengths would let a proxy and this server read it apart
            chunked = await _read_chunked(reader)
            if isinstance(chunked, HTTPStatus):
                return chunked
            body = chunked
        else:
            length = int(headers.get("content-length", "0"))
            if not 0 < length <= MAX_BODY:
                return HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST
            body = await reader.readexactly(length)
        try:
            update = json.loads(body)
        except Exception:  # not JSON, not UTF-8, too deep (RecursionError), too many digits: all the caller's fault
            logger.warning("%s webhook call with a body that is not a JSON object refused", route.name)
            return HTTPStatus.BAD_REQUEST
        return (route, update) if isinstance(update, dict) else HTTPStatus.BAD_REQUEST


async def _read_chunked(reader: asyncio.StreamReader) -> bytes | HTTPStatus:
    """A chunked body (RFC 9112, 7.1): its bytes, 413 past MAX_BODY, 431 for too many trailer lines; a malformed
    chunk raises ValueError (answered 400)."""
    body = bytearray()
    while True:
        size = (await reader.readuntil(b"\r\n")).partition(b";")[0].strip()  # a chunk extension is ignored
        if not _CHUNK_SIZE.fullmatch(size):
            raise ValueError("malformed chunk size")
        if not (length := int(size, 16)):
            break
        if len(body) + length > MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE
        body += await reader.readexactly(length)
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("a chunk longer than its size")
    for _ in range(MAX_HEADERS):  # trailer fields, then the empty line
        if await reader.readuntil(b"\r\n") == b"\r\n":
            return bytes(body)
    return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
