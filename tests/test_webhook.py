"""The webhook server both channels share (`nqbot run --webhook`): routes, secrets, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.channels.webhook import MAX_BODY, WebhookServer

ZALO_HEADER, TELEGRAM_HEADER = "X-Bot-Api-Secret-Token", "X-Telegram-Bot-Api-Secret-Token"


async def test_each_route_takes_only_its_own_secret_and_refused_calls_handle_nothing() -> None:
    handled: list[tuple[str, dict[str, Any]]] = []

    def recorder(route: str) -> Any:
        async def handle(update: dict[str, Any]) -> None:
            handled.append((route, update))

        return handle

    server = WebhookServer(host="127.0.0.1", port=0)
    server.route("zalo", ZALO_HEADER, "s3cret-s3cret", recorder("zalo"))
    server.route("telegram", TELEGRAM_HEADER, "s3cret-s3cret", recorder("telegram"))
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            body = {"ok": True, "result": {"event_name": "message.text.received", "message": {}}}
            missing = await client.post("/zalo", json=body)
            wrong = await client.post("/zalo", json=body, headers={ZALO_HEADER: "s3cret-s3creT"})
            other_platforms = await client.post("/zalo", json=body, headers={TELEGRAM_HEADER: "s3cret-s3cret"})
            assert (missing.status_code, wrong.status_code, other_platforms.status_code) == (401, 403, 401)
            unknown = await client.post("/whatsapp", json=body, headers={ZALO_HEADER: "s3cret-s3cret"})
            assert unknown.status_code == 404 and handled == []

            good = await client.post("/zalo", json=body, headers={ZALO_HEADER: "s3cret-s3cret"})
            assert good.status_code == 200 and json.loads(good.content) == {"ok": True}
            # A reverse proxy may keep its prefix: the route is the path's last segment.
            update = {"update_id": 7, "message": {"text": "/start"}}
            kept = await client.post("/nqbot/telegram/", json=update, headers={TELEGRAM_HEADER: "s3cret-s3cret"})
            assert kept.status_code == 200 and handled == [("zalo", body), ("telegram", update)]

            garbage = await client.post("/zalo", content=b"{not json", headers={ZALO_HEADER: "s3cret-s3cret"})
            assert garbage.status_code == 400 and (await client.get("/zalo")).status_code == 405
    finally:
        await server.stop()


async def test_a_failing_handler_is_answered_500_so_the_platform_sends_the_update_again() -> None:
    async def handle(update: dict[str, Any]) -> None:
        raise RuntimeError("the database is locked")

    server = WebhookServer(host="127.0.0.1", port=0)
    server.route("telegram", TELEGRAM_HEADER, "s3cret-s3cret", handle)
    port = await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.post("/telegram", json={"update_id": 1}, headers={TELEGRAM_HEADER: "s3cret-s3cret"})
            assert answer.status_code == 500 and json.loads(answer.content) == {"ok": False}
    finally:
        await server.stop()


@asynccontextmanager
async def zalo_route() -> AsyncIterator[tuple[int, list[dict[str, Any]]]]:
    """A server with the "zalo" route: its port, and the updates its handler was given."""
    handled: list[dict[str, Any]] = []

    async def handle(update: dict[str, Any]) -> None:
        handled.append(update)

    server = WebhookServer(host="127.0.0.1", port=0)
    server.route("zalo", ZALO_HEADER, "s3cret-s3cret", handle)
    try:
        yield await server.start(), handled
    finally:
        await server.stop()


async def _answer_to(port: int, request: bytes) -> str:
    """The status line answered to a raw request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    status = (await asyncio.wait_for(reader.readline(), timeout=5)).decode()
    writer.close()
    return status


async def _status_of_headers(port: int, headers: str) -> str:
    """The status line answered to a POST that sends only its headers (no body follows)."""
    return await _answer_to(port, f"POST /zalo HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())


async def test_oversized_or_non_object_bodies_are_refused_and_the_secret_is_checked_before_any_body() -> None:
    async with zalo_route() as (port, handled):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            listed = await client.post("/zalo", json=[1], headers={ZALO_HEADER: "s3cret-s3cret"})
            assert listed.status_code == 400
        # Refused on the headers alone, before any body is read: too large, or (first) no secret.
        too_large = f"{ZALO_HEADER}: s3cret-s3cret\r\nContent-Length: {MAX_BODY + 1}\r\n"
        assert (await _status_of_headers(port, too_large)).startswith("HTTP/1.1 413")
        stranger = "Content-Length: 999999999\r\n"
        assert (await _status_of_headers(port, stranger)).startswith("HTTP/1.1 401")
        assert handled == []


async def test_a_body_that_cannot_be_parsed_is_answered_400_however_deeply_it_nests() -> None:
    handled: list[dict[str, Any]] = []

    async def handle(update: dict[str, Any]) -> None:
        handled.append(update)

    server = WebhookServer(host="127.0.0.1", port=0)
    server.route("telegram", TELEGRAM_HEADER, "s3cret-s3cret", handle)
    port = await server.start()
    bodies = [
        b"[" * 100_000 + b"]" * 100_000,  # valid JSON, too deep for json.loads (RecursionError)
        b'{"update_id": ' * 50_000,
        b'{"update_id": 1, "message": ' + b"[" * 300_000 + b"}",
        b"\xff\xfe{}",
        b'{"update_id": ' + b"9" * 5000 + b"}",  # more digits than int() reads
    ]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for body in bodies:
                answer = await client.post("/telegram", content=body, headers={TELEGRAM_HEADER: "s3cret-s3cret"})
                assert answer.status_code == 400 and json.loads(answer.content) == {"ok": False}
            ok = await client.post("/telegram", json={"update_id": 2}, headers={TELEGRAM_HEADER: "s3cret-s3cret"})
            assert ok.status_code == 200 and handled == [{"update_id": 2}]  # the server still serves
    finally:
        await server.stop()


async def test_a_chunked_body_is_read_whole_and_a_malformed_or_oversized_one_is_refused() -> None:
    """A reverse proxy that streams the request (Caddy) sends it chunked; lengths that disagree are refused."""
    head = f"POST /zalo HTTP/1.1\r\nHost: x\r\n{ZALO_HEADER}: s3cret-s3cret\r\n"
    chunked = head + "Transfer-Encoding: chunked\r\n\r\n"
    async with zalo_route() as (port, handled):
        good = chunked + '7;ext=1\r\n{"a": 1\r\n3\r\n, "\r\nc\r\nb": "chữ"}\r\n0\r\nX-Trailer: 1\r\n\r\n'
        assert (await _answer_to(port, good.encode())).startswith("HTTP/1.1 200")
        assert handled == [{"a": 1, "b": "chữ"}]
        refused = {
            "413": chunked + "".join(f"{0xFFFF:x}\r\n" + "x" * 0xFFFF + "\r\n" for _ in range(MAX_BODY // 0xFFFF + 1)),
            "400 size": chunked + "zz\r\n{}\r\n0\r\n\r\n",
            "400 longer than its size": chunked + "1\r\n{}\r\n0\r\n\r\n",
            "400 both lengths": head + "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            "400 other coding": head + "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        }
        for expected, request in refused.items():
            assert (await _answer_to(port, request.encode())).startswith(f"HTTP/1.1 {expected[:3]}"), expected
        assert handled == [{"a": 1, "b": "chữ"}]
