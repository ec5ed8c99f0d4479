"""The webhook server both channels share (`nqbot run --webhook`): routes, secrets, refusals."""

from __future__ import annotations

import json
from typing import Any

import httpx

from bot.channels.webhook import WebhookServer

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
