"""A small HTTP server for Zalo's webhook calls (asyncio streams; no web framework needed for one route).

Usage:
    server = WebhookServer(channel.handle_update, secret=secret, host="127.0.0.1", port=8080)
    await server.start()   # then setWebhook(url, secret) so Zalo posts here (through a TLS reverse proxy)
    await server.stop()

Every POST must carry `X-Bot-Api-Secret-Token`, compared in constant time: a missing one is answered 401, a
wrong one 403, and neither update is handled. A good call is answered 200 once its update has been handled
(one transaction, recorded by its message id), so an update Zalo sends again after a failure is not lost
and not applied twice.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from http import HTTPStatus
from typing import Any

logger = logging.getLogger(__name__)

SECRET_HEADER = "x-bot-api-secret-token"
MAX_BODY = 1 << 20  # a text update is a few hundred bytes
MAX_HEADERS = 100
READ_TIMEOUT = 10.0


class WebhookServer:
    """Accepts POSTed updates on any path of host:port and hands each to `handle`."""

    def __init__(
        self, handle: Callable[[dict[str, Any]], Awaitable[None]], *, secret: str, host: str, port: int
    ) -> None:
        self.handle = handle
        self._secret = secret.encode()
        self.host = host
        self.port = port  # 0 picks a free port; the bound one is here after start()
        self._server: asyncio.Server | None = None

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
        status = request if isinstance(request, HTTPStatus) else await self._handle(request)
        body = json.dumps({"ok": status is HTTPStatus.OK}).encode()
        head = f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        with suppress(ConnectionError):
            writer.write(head.encode() + body)
            await writer.drain()
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()

    async def _handle(self, update: dict[str, Any]) -> HTTPStatus:
        try:
            await self.handle(update)
        except Exception:
            logger.exception("error while handling a Zalo webhook call")
            return HTTPStatus.INTERNAL_SERVER_ERROR
        return HTTPStatus.OK

    async def _read(self, reader: asyncio.StreamReader) -> HTTPStatus | dict[str, Any]:
        """Read one request: its update, or the status that refuses it. The secret is checked before the body
        is read."""
        method, _, _ = (await reader.readuntil(b"\r\n")).decode("latin-1").partition(" ")
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        else:
            return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        if method != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED
        given = headers.get(SECRET_HEADER)
        if given is None:
            logger.warning("Zalo webhook call without a secret refused")
            return HTTPStatus.UNAUTHORIZED
        if not hmac.compare_digest(given.encode(), self._secret):
            logger.warning("Zalo webhook call with a wrong secret refused")
            return HTTPStatus.FORBIDDEN
        length = int(headers.get("content-length", "0"))
        if not 0 < length <= MAX_BODY:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST
        update = json.loads(await reader.readexactly(length))
        return update if isinstance(update, dict) else HTTPStatus.BAD_REQUEST
