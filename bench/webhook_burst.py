"""How long reporters wait for the answer to each step when many post at once through the webhook.

Usage:
    .venv/bin/python bench/webhook_burst.py [--users 50] [--answers 4] [--repeat 3] [--database-url URL]

The bot is nqbot's real Telegram path in this process: the webhook server (bot/channels/webhook.py) posting
to `process_posted`, the inbox (each update stored and committed before the call is answered, then handled
in a task after the earlier updates of its chat), the engine's turn, the outbox and the sender, with the
offline Bot API of tests/fakes/offline_telegram.py instead of Telegram (unpaced: Telegram's own limits are
bench/reply_latency.py's subject). Every user is enrolled first (untimed); then all of them at the same
moment post their first answer over HTTP, and each posts the next as soon as the bot's reply to the last one
has been sent (the reporters of the issue's burst: a meeting where everyone opens the report at once). A
step's time runs from the POST to the reply's sendMessage. Printed: p50, p99 and the longest, medians of
--repeat runs on a fresh database each (SQLite file, opened as `nqbot run` opens it, unless --database-url).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram.ext import ApplicationBuilder  # noqa: E402

from bench.report_steps import ENROLMENT, FIRST_USER, Feeder, prepare, script  # noqa: E402
from bot.channels.inbox import Inbox  # noqa: E402
from bot.channels.telegram import (  # noqa: E402
    PerChatUpdateProcessor,
    TelegramChannel,
    TelegramDelivery,
    process_posted,
)
from bot.channels.webhook import WebhookServer  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.outbox.sender import Sender  # noqa: E402
from storage.models import Channel  # noqa: E402
from tests.dialogue import Clock  # noqa: E402
from tests.fakes.offline_telegram import TOKEN, AnyApplication, OfflineRequest, button_update, text_update  # noqa: E402

SECRET = "burst-secret"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
GOAL_P99 = 1.0  # seconds


class Watched(OfflineRequest):
    """The offline Bot API, waking whoever waits for a chat's next sendMessage."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, asyncio.Future[None]] = {}

    async def do_request(self, url: str, method: str, request_data: Any = None, *args: Any, **kwargs: Any) -> Any:
        answer = await super().do_request(url, method, request_data, *args, **kwargs)
        if url.endswith("/sendMessage"):
            chat = int(self.calls[-1].params["chat_id"])
            waiter = self.waiting.pop(chat, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        return answer


async def post(port: int, update: dict[str, Any]) -> int:
    """POST one update to the webhook as Telegram does; the HTTP status."""
    body = json.dumps(update).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST /nqbot/telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{HEADER}: {SECRET}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


async def burst(users: int, answers: int, database_url: str | None) -> list[float]:
    """One run: enrol `users`, then time their next `answers` steps posted side by side; each step's seconds."""
    with tempfile.TemporaryDirectory(prefix="nqbot-burst-") as folder:
        database, codes = await prepare(Path(folder) / "burst.sqlite3", users, database_url)
        engine = Engine(database, clock=Clock())
        api = Watched()
        application: AnyApplication = (
            ApplicationBuilder()
            .token(TOKEN)
            .request(api)
            .get_updates_request(api)
            .concurrent_updates(PerChatUpdateProcessor(Inbox(database, Channel.telegram, clock=engine.clock)))
            .build()
        )
        deliveries = {Channel.telegram.value: TelegramDelivery(application.bot)}
        sender = Sender(database, deliveries, timezone=engine.timezone, rate=1e9, per_chat=1e9)
        TelegramChannel(engine, "vi", sender).register(application)
        await application.initialize()
        scripts = [script(code) for code in codes]
        enrolling = Feeder(application, api)
        for number, steps in enumerate(scripts):  # straight through the handlers, untimed
            for kind, value in steps[:ENROLMENT]:
                await enrolling.step(FIRST_USER + number, kind, value, timed=False)
        server = WebhookServer(host="127.0.0.1", port=0)
        server.route("telegram", HEADER, SECRET, partial(process_posted, application))
        port = await server.start()
        update_ids = iter(range(10**6, 10**9))
        waits: list[float] = []

        async def user(number: int) -> None:
            chat = FIRST_USER + number
            for kind, value in scripts[number][ENROLMENT : ENROLMENT + answers]:
                if kind == "press":
                    message = api.message_with_button(chat, value)
                    update = button_update(next(update_ids), chat, message["message_id"], value, message=message)
                else:
                    update = text_update(next(update_ids), chat, value)
                replied = api.waiting[chat] = asyncio.get_running_loop().create_future()
                started = time.perf_counter()
                if await post(port, update) != 200:
                    raise SystemExit(f"the webhook refused an update of chat {chat}")
                await asyncio.wait_for(replied, 60)
                waits.append(time.perf_counter() - started)

        await asyncio.gather(*(user(number) for number in range(users)))
        await server.stop()
        await application.shutdown()
        api.assert_no_unexpected()
        database.dispose()
    return waits


def quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(options: argparse.Namespace) -> None:
    runs = [await burst(options.users, options.answers, options.database_url) for _ in range(options.repeat)]
    where = "PostgreSQL" if options.database_url else "SQLite file"
    print(f"{options.users} users × {options.answers} answers posted at once to the webhook, {where}, {len(runs)} runs")
    for name, share in (("p50", 0.5), ("p99", 0.99), ("max", 1.0)):
        each = [quantile(run, share) * 1000 for run in runs]
        shown = ", ".join(f"{value:.0f}" for value in each)
        print(f"  {name}  median {statistics.median(each):7.1f} ms   (runs: {shown})")
    p99 = statistics.median(quantile(run, 0.99) for run in runs)
    print(f"goal p99 < {GOAL_P99:.0f} s: {p99:.3f} s ({'met' if p99 < GOAL_P99 else 'NOT met'})")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50, help="reporters posting at once, each in a unit of their own")
    parser.add_argument("--answers", type=int, default=4, help="answers each posts, one after the other's reply")
    parser.add_argument("--repeat", type=int, default=3, help="runs (medians are shown)")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (emptied first) instead of SQLite")
    args = parser.parse_args(argv)
    if args.users < 1 or args.repeat < 1 or not 1 <= args.answers <= 20:
        parser.error("--users and --repeat must be at least 1, --answers from 1 to 20")
    return args


if __name__ == "__main__":
    asyncio.run(main(parse()))
