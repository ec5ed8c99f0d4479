"""How fast reporters' answers are answered, and whether any reply is lost, while a reminder fan-out runs.

Usage:
    .venv/bin/python bench/reply_latency.py [--reporters 400] [--answering 20] [--limit 30] [--rate 25]
        [--think 2] [--steps N] [--repeat 3] [--before REV] [--after REV] [--keep-log FILE] [--dump FILE]
    .venv/bin/python bench/reply_latency.py --before a341dda^   # also the code before the outbox

The scenario: a bot whose whole traffic Telegram holds to ``--limit`` messages a second (the fake Bot API of
tests/fakes/telegram_api.py answers sendMessage calls above it 429 with parameters.retry_after, as Telegram
does) fans a ladder step out to ``--reporters`` reporters, one unit each (storage.nudges.plan on a populated
SQLite file), while ``--answering`` of them, spread over the fan-out's order, each answer a whole report:
/baocao, the NQ 15 questionnaire as tests.dialogue.FULL_REPORT types it, and the submit button (or the first
``--steps`` of these). A reporter answers once the turn's replies have all arrived (or a "send again" came,
or ``--give-up`` seconds passed: the bot's state moved on all the same), after thinking half to one and a half
times ``--think`` seconds (the same draws in every run); the first answers come within ``--think`` of the start.

The bot is the real one, in a process of its own: nqbot's python-telegram-bot application
(bot.channels.telegram.build_application, long polling the fake), its engine on the SQLite file (on a fixed
clock, 2022-09-15 08:00 in Hà Nội, so every turn's texts are known in advance), and the one Sender shared by
the replies and the drain, at ``--rate`` messages a second; the drain is started when the reporters start,
as the leader's ``Sender.run()``. With ``--before REV`` the same scenario also runs that revision's code
(``git archive REV``; the code before the outbox sent replies straight through python-telegram-bot and the
nudges through its own sender, ``a341dda^``), and both are printed; ``--after REV`` measures a revision
instead of the working tree.

What each turn should say is worked out first: the same steps through the engine alone, on a copy of the
database. A reply is a message the engine said for a reporter's turn; it is matched, in order, to the
messages the fake accepted for that chat. Printed, as medians over ``--repeat`` runs (with each run's figure):

- reply latency p50/p99: from the update being queued at the fake to the reply being accepted by it, for the
  turns queued while the fan-out ran (the goal) and for all turns; of the replies delivered (a lost one has
  none, so where replies are lost the tail is worse than shown);
- replies lost (the replies that failed): said by the engine, never accepted by the fake; replies refused:
  429s to sends that were neither nudges nor "send again" (a refused reply the bot sends again later is not
  lost); "send again": the catalog's error.retry texts the bot sent (and the 429s to its tries); replies
  duplicated: accepted more often than said; turns whose replies had not all come after ``--give-up``;
- the fan-out: nudges accepted, sent twice (to a chat that already had one), refused (429), and its duration
  (from the start to the last nudge accepted); the outbox's rows after the first run.

The goal: no reply lost or duplicated, no "send again", no nudge sent twice. ``--keep-log`` keeps the last
run's bot log (the sender's waits are in it), ``--dump`` every send accepted or refused, with its time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH"
FIRST_USER = 100_000
MEMBERS = 29  # each unit's register: FULL_REPORT's 30 members are within its 10 %
QUIET = 6.0  # seconds without a send after everything is done: more than the drain's poll (5 s)
MARK = "@@ "  # the child's protocol lines on its stdout start with this

# A step: ("say", text) or ("press", callback data), as in tests.dialogue.FULL_REPORT.
Step = tuple[str, str]


# --- the bot's side: a process of its own, running one revision's code --------------------------------------------
# The imports are in the functions: the child puts the revision's folder first on sys.path before importing
# anything of nqbot's (the parent only imports the fake server, from this tree).


async def child(options: argparse.Namespace) -> None:
    """Set up the database, work out each turn's replies, run the bot against the fake; driven by stdin."""
    code = Path(options.code)
    # nqbot from `code` alone: the editable install's finder would serve a module the revision lacks (or a
    # migration it never had) from this working tree.
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
    sys.path[:] = [str(code), *(entry for entry in sys.path if "__editable__" not in entry)]
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, without PTB's warning
    import logging

    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)8.0f %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    workdir = Path(options.workdir)
    database, chats = prepare(code, workdir / "bench.sqlite3", options.reporters, options.answering)
    script = reporter_script(options.steps)
    expected = await calibrate(workdir / "bench.sqlite3", workdir / "calibration.sqlite3", chats, script)
    plan = {
        "chats": chats,
        "script": script,
        "expected": {str(chat): turns for chat, turns in expected.items()},
        "nudge_prefix": said("nudge.heading", title="").strip(),
        "retry_text": said("error.retry"),
    }
    (workdir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False))

    application, sender = wire(database, options.base_url, options.rate)
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.updater.start_polling()
    await application.start()
    say_to_parent("READY")

    await read_line()  # GO
    drain = asyncio.create_task(keep_draining(sender))
    await fan_out(database)
    say_to_parent("FANOUT-DONE")
    await read_line()  # STOP
    drain.cancel()
    await application.updater.stop()
    await application.stop()
    await application.shutdown()
    say_to_parent("DONE " + json.dumps(await outcome_rows(database)))
    database.dispose()


def said(key: str, **values: Any) -> str:
    from bot.texts import say

    return str(say(key, "vi", **values))


def say_to_parent(line: str) -> None:
    print(MARK + line, flush=True)


async def read_line() -> str:
    return await asyncio.to_thread(sys.stdin.readline)


def fixed_clock() -> Any:
    """The engine's and the sender's now: 2022-09-15 08:00 in Hà Nội, inside the shipped campaign, outside its
    quiet hours; fixed, so the calibration says the very texts the run will."""
    from datetime import UTC, datetime

    return datetime(2022, 9, 15, 1, 0, tzinfo=UTC)


def reporter_script(steps: int | None) -> list[Step]:
    from tests.dialogue import FULL_REPORT

    script: list[Step] = [("say", "/baocao"), *FULL_REPORT, ("press", "submit")]
    return script[:steps] if steps else script


def prepare(code: Path, path: Path, reporters: int, answering: int) -> tuple[Any, list[int]]:
    """A migrated SQLite file (opened as `nqbot run` opens it) with the shipped campaign, `reporters` units with
    one active Telegram reporter each (bulk inserts) and one ladder step planned for them all; the chats of the
    `answering` reporters, spread evenly over the fan-out's order."""
    from sqlalchemy import insert
    from sqlmodel import select

    from bot.app import WAL_CHECKPOINT_EVERY
    from storage import campaigns, migrate, nudges
    from storage.campaign_spec import load_campaign_file
    from storage.database import Database
    from storage.models import Channel, Person, PersonState, Role, Unit, UnitKind

    # The bulk inserts are bench/nudge_fanout.py's, written again: the child also runs trees older than any
    # helper they could share.
    database = Database(f"sqlite:///{path}", checkpoint_every=WAL_CHECKPOINT_EVERY)
    migrate.upgrade(database.engine)
    now = fixed_clock()
    with database.session() as session:
        spec = load_campaign_file(code / "campaigns" / "nq15-2022.yaml")
        campaign_id = campaigns.load_campaign(session, spec=spec).campaign.id
        session.execute(
            insert(Unit),
            [
                {
                    "code": f"B{i:06d}",
                    "name": f"Chi bộ thử nghiệm {i}",
                    "kind": UnitKind.grassroots_cell,
                    "member_count": MEMBERS,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(reporters)
            ],
        )
        unit_ids = dict(session.exec(select(Unit.code, Unit.id)).all())
        session.execute(
            insert(Person),
            [
                {
                    "channel": Channel.telegram,
                    "channel_user_id": str(FIRST_USER + i),
                    "chat_id": str(FIRST_USER + i),
                    "display_name": "Test",
                    "role": Role.reporter,
                    "unit_id": unit_ids[f"B{i:06d}"],
                    "state": PersonState.active,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(reporters)
            ],
        )
    with database.session() as session:
        planned = nudges.plan(session, campaign_id=campaign_id, step="d0", due_at=now, now=now)
    if planned != reporters:
        raise SystemExit(f"{planned} nudges planned for {reporters} reporters: the fan-out is not the one asked")
    return database, [FIRST_USER + (i * reporters) // answering for i in range(answering)]


async def calibrate(source: Path, copy: Path, chats: list[int], script: list[Step]) -> dict[int, list[list[str]]]:
    """The texts each reporter's turns say (chat → one list a step), from the engine alone on a copy of the
    database; the run's channel sends these, each as one message (none is over Telegram's 4,096)."""
    import sqlite3

    from bot.engine import Engine, Inbound
    from storage.database import Database
    from storage.models import Channel

    with sqlite3.connect(source) as original, sqlite3.connect(copy) as duplicate:
        original.backup(duplicate)
    database = Database(f"sqlite:///{copy}")
    engine = Engine(database, clock=fixed_clock)
    turns: dict[int, list[list[str]]] = {}
    for chat in chats:
        turns[chat] = []
        for number, (kind, value) in enumerate(script):
            event = Inbound(
                Channel.telegram,
                str(chat),
                str(chat),
                text=value if kind == "say" else None,
                button=value if kind == "press" else None,
                display_name="Test",
                event_id=f"calibration-{chat}-{number}",
            )
            outcome = await engine.handle(event)
            texts = [reply.text.strip() for reply in outcome.replies if reply.text.strip()]
            if any(len(text.encode("utf-16-le")) // 2 > 4096 for text in texts):
                raise SystemExit("a reply is longer than one Telegram message: the matching does not handle that")
            turns[chat].append(texts)
    database.dispose()
    return turns


def wire(database: Any, base_url: str, rate: float) -> tuple[Any, Any]:
    """The application with nqbot's handlers and the Sender the drain uses, as bot/app.py serve() wires them:
    one Sender shared with the channel where the revision has one (its replies then go through it), else the
    channel sends its replies itself and the Sender only the outbox's nudges."""
    import importlib
    import inspect
    from zoneinfo import ZoneInfo

    from bot.channels.telegram import TelegramDelivery, build_application
    from bot.engine import Engine

    try:
        sender_module = importlib.import_module("bot.outbox.sender")
    except ModuleNotFoundError:  # before the outbox: scheduler/sender.py drained the nudges
        sender_module = importlib.import_module("scheduler.sender")
    assert Path(sender_module.__file__ or "").is_relative_to(Path(sys.path[0])), "nqbot imported from elsewhere"
    timezone = ZoneInfo("Asia/Ho_Chi_Minh")
    deliveries: dict[str, Any] = {}  # filled once the application has its bot, as serve() does
    sender = sender_module.Sender(database, deliveries, timezone=timezone, rate=rate, clock=fixed_clock)
    engine = Engine(database, clock=fixed_clock, timezone=timezone)
    settings: dict[str, Any] = {"token": TOKEN, "base_url": base_url, "engine": engine, "language": "vi"}
    if "sender" in inspect.signature(build_application).parameters:
        settings["sender"] = sender
    application = build_application(**settings)
    deliveries["telegram"] = TelegramDelivery(application.bot)
    return application, sender


async def keep_draining(sender: Any) -> None:
    """The leader's drain: Sender.run() where the revision has it; before, a drain a few seconds (its job)."""
    if hasattr(sender, "run"):
        await sender.run()
    while True:
        await sender.drain()
        await asyncio.sleep(5.0)


async def fan_out(database: Any) -> None:
    """Return once no nudge is waiting or on its way out."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from storage.models import Nudge, NudgeStatus

    waiting = [status for name, status in NudgeStatus.__members__.items() if name in ("pending", "sending")]
    query = select(func.count()).select_from(Nudge).where(col(Nudge.status).in_(waiting))
    while True:  # the rows are the only news of it
        if not await database.run(lambda session: session.exec(query).one()):
            return
        await asyncio.sleep(0.2)


async def outcome_rows(database: Any) -> dict[str, dict[str, int]]:
    """The nudges' statuses, and the outbox's (kind/status) where the revision has one."""
    from sqlmodel import select

    from storage import models

    with database.session() as session:
        counts = {"nudges": dict(Counter(str(s) for s in session.exec(select(models.Nudge.status)).all()))}
        if hasattr(models, "OutboxMessage"):
            rows = session.exec(select(models.OutboxMessage.kind, models.OutboxMessage.status)).all()
            counts["outbox"] = dict(Counter(f"{kind}/{status}" for kind, status in rows))
    return counts


# --- the users' side: the fake Bot API and the reporters --------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the child worked out: the answering chats, their steps, what each turn says, how to tell a nudge
    and a "send again" apart."""

    chats: list[int]
    script: list[Step]
    expected: dict[int, list[list[str]]]
    nudge_prefix: str
    retry_text: str

    @classmethod
    def read(cls, path: Path) -> Plan:
        plan = json.loads(path.read_text())
        return cls(
            chats=plan["chats"],
            script=[(kind, value) for kind, value in plan["script"]],
            expected={int(chat): turns for chat, turns in plan["expected"].items()},
            nudge_prefix=plan["nudge_prefix"],
            retry_text=plan["retry_text"],
        )

    def is_nudge(self, text: str | None) -> bool:
        return (text or "").startswith(self.nudge_prefix)

    def is_retry(self, text: str | None) -> bool:
        return (text or "").strip() == self.retry_text

    def is_reply(self, text: str | None) -> bool:
        return not self.is_nudge(text) and not self.is_retry(text)


@dataclass
class Received:
    """A message the fake accepted for a chat."""

    message_id: int
    text: str
    buttons: list[str]
    at: float


class Watcher:
    """Reads what the fake accepted (only what is new, every few milliseconds) and wakes the chats'
    reporters."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.seen = 0
        self.chats: dict[int, list[Received]] = defaultdict(list)
        self.news: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def run(self) -> None:
        while True:
            self.read()
            await asyncio.sleep(0.005)

    def read(self) -> None:
        fresh = self.server.sent_messages(start=self.seen)
        self.seen += len(fresh)
        for sent in fresh:
            markup = sent["reply_markup"] or {}
            rows = (json.loads(markup) if isinstance(markup, str) else markup).get("inline_keyboard", [])
            data = [button["callback_data"] for row in rows for button in row if "callback_data" in button]
            self.chats[sent["chat_id"]].append(Received(sent["message_id"], sent["text"] or "", data, sent["sent_at"]))
            self.news[sent["chat_id"]].set()

    def carrier(self, chat: int, data: str) -> int | None:
        """The bot's latest message in the chat with a button `data`, else its latest one (the question was
        lost), else None."""
        received = self.chats[chat]
        for message in reversed(received):
            if data in message.buttons:
                return message.message_id
        return received[-1].message_id if received else None

    async def turn_said(self, chat: int, since: int, texts: list[str], retry_text: str, give_up: float) -> bool:
        """Wait until the chat's messages from number `since` on hold `texts` (or a "send again"); False when
        `give_up` seconds passed first."""
        deadline = time.monotonic() + give_up
        while True:
            arrived = Counter(message.text.strip() for message in self.chats[chat][since:])
            if not Counter(texts) - arrived or arrived[retry_text]:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.news[chat].clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.news[chat].wait(), left)


async def reporter(server: Any, watcher: Watcher, plan: Plan, chat: int, options: argparse.Namespace) -> Turns:
    """One reporter answering each step once the turn before has said all it should (or said "send again",
    or --give-up seconds passed), after thinking between half and one and a half times --think (drawn from a
    generator seeded by the chat, so every run and revision has the same reporters; the first answer comes
    within --think of the start, so they are not in step)."""
    pace = random.Random(chat)
    turns = Turns()
    typed = 0  # the reporter's last message: a button's carrier when the bot's never came
    await asyncio.sleep(pace.uniform(0.0, options.think))
    for (kind, value), texts in zip(plan.script, plan.expected[chat], strict=True):
        since = len(watcher.chats[chat])
        turns.queued.append(time.monotonic())
        if kind == "press":
            server.press_button(chat, watcher.carrier(chat, value) or typed, value, check=False)
        else:
            typed = server.send_text(chat, value)
        if not await watcher.turn_said(chat, since, texts, plan.retry_text, options.give_up):
            turns.given_up += 1
        await asyncio.sleep(pace.uniform(0.5, 1.5) * options.think)
    return turns


@dataclass
class Turns:
    """When a reporter's updates were queued at the fake, and how many turns they stopped waiting for."""

    queued: list[float] = field(default_factory=list)
    given_up: int = 0


@dataclass
class Matched:
    """A chat's said replies against what arrived: (queued at, latency) of each delivered one, and the rest."""

    delivered: list[tuple[float, float]]
    lost: int
    duplicated: int
    unexpected: int


def match(expected: list[list[str]], queued: list[float], replies: list[Received]) -> Matched:
    """Each said reply matched, in order, to the first later message with its text."""
    used = [False] * len(replies)
    delivered: list[tuple[float, float]] = []
    lost, position = 0, 0
    for step, texts in enumerate(expected):
        for text in texts:
            found = next((i for i in range(position, len(replies)) if replies[i].text.strip() == text), None)
            if found is None:
                lost += 1
                continue
            used[found] = True
            position = found + 1
            delivered.append((queued[step], replies[found].at - queued[step]))
    said = {text for texts in expected for text in texts}
    extra = [reply.text.strip() for reply, taken in zip(replies, used, strict=True) if not taken]
    duplicated = sum(1 for text in extra if text in said)
    return Matched(delivered, lost, duplicated, len(extra) - duplicated)


@dataclass
class Run:
    """What one run measured."""

    latencies_during: list[float]
    latencies_all: list[float]
    replies: int
    refused: int
    send_again: int
    send_again_refused: int
    lost: int
    duplicated: int
    unexpected: int
    nudges: int
    nudges_twice: int
    nudges_refused: int
    fan_out: float
    given_up: int
    rows: dict[str, dict[str, int]]


def measure(
    plan: Plan,
    watcher: Watcher,
    turns: dict[int, Turns],
    rejections: list[dict[str, Any]],
    started: float,
    rows: dict[str, dict[str, int]],
) -> Run:
    """The run's figures from what the fake accepted and refused."""
    nudged = Counter(chat for chat, messages in watcher.chats.items() for m in messages if plan.is_nudge(m.text))
    fan_out_end = max(
        (m.at for messages in watcher.chats.values() for m in messages if plan.is_nudge(m.text)), default=started
    )
    matched = {
        chat: match(plan.expected[chat], turns[chat].queued, [m for m in watcher.chats[chat] if plan.is_reply(m.text)])
        for chat in plan.chats
    }
    delivered = [pair for chat in plan.chats for pair in matched[chat].delivered]
    too_many = [r for r in rejections if r["method"].lower() == "sendmessage" and r["status"] == 429]
    return Run(
        latencies_during=[latency for at, latency in delivered if at <= fan_out_end],
        latencies_all=[latency for _, latency in delivered],
        replies=sum(len(texts) for chat in plan.chats for texts in plan.expected[chat]),
        refused=sum(1 for r in too_many if plan.is_reply(r["text"])),
        send_again=sum(1 for messages in watcher.chats.values() for m in messages if plan.is_retry(m.text)),
        send_again_refused=sum(1 for r in rejections if plan.is_retry(r["text"])),
        lost=sum(m.lost for m in matched.values()),
        duplicated=sum(m.duplicated for m in matched.values()),
        unexpected=sum(m.unexpected for m in matched.values()),
        nudges=sum(nudged.values()),
        nudges_twice=sum(count - 1 for count in nudged.values()),
        nudges_refused=sum(1 for r in too_many if plan.is_nudge(r["text"])),
        fan_out=fan_out_end - started,
        given_up=sum(t.given_up for t in turns.values()),
        rows=rows,
    )


async def run_once(code: Path, options: argparse.Namespace) -> Run:
    """One run of the scenario against `code`: the fake and the reporters here, the bot in a child process."""
    from tests.fakes.telegram_api import FakeTelegram

    with tempfile.TemporaryDirectory(prefix="nqbot-reply-latency-") as folder, FakeTelegram(token=TOKEN) as server:
        workdir = Path(folder)
        server.rate_limit_per_second = options.limit
        command = [sys.executable, __file__, "--child", "--code", str(code), "--workdir", folder]
        command += ["--base-url", server.base_url, "--rate", str(options.rate), "--steps", str(options.steps or 0)]
        command += ["--reporters", str(options.reporters), "--answering", str(options.answering)]
        with (workdir / "bot.log").open("w") as log:
            bot = await asyncio.create_subprocess_exec(
                *command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, cwd=folder
            )
        try:
            await expect(bot, "READY", workdir)
            plan = Plan.read(workdir / "plan.json")
            watcher = Watcher(server)
            watching = asyncio.create_task(watcher.run())
            await tell(bot, "GO")
            started = time.monotonic()
            fan_out_done = asyncio.create_task(expect(bot, "FANOUT-DONE", workdir, within=600))
            answered = await asyncio.gather(*(reporter(server, watcher, plan, chat, options) for chat in plan.chats))
            await fan_out_done
            await settle(watcher)
            await tell(bot, "STOP")
            rows = json.loads(await expect(bot, "DONE", workdir))
            await asyncio.wait_for(bot.wait(), 60)
            watching.cancel()
            watcher.read()
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        if bot.returncode != 0:
            raise SystemExit(f"the bot exited {bot.returncode}:\n{tail(workdir / 'bot.log')}")
        rejections = server.rejections
        keep(workdir, options, watcher, rejections, started)
    return measure(plan, watcher, dict(zip(plan.chats, answered, strict=True)), rejections, started, rows)


def keep(
    workdir: Path, options: argparse.Namespace, watcher: Watcher, rejections: list[dict[str, Any]], started: float
) -> None:
    """With --keep-log and --dump: the run's bot log, and every send accepted or refused (seconds from the
    start), for a closer look."""
    if options.keep_log:
        Path(options.keep_log).write_text((workdir / "bot.log").read_text())
    if options.dump:
        sends = [
            {"at": m.at - started, "chat": chat, "text": m.text[:60]}
            for chat, messages in watcher.chats.items()
            for m in messages
        ]
        refused = [{**r, "at": r["at"] - started} for r in rejections]
        dump = {"sends": sorted(sends, key=lambda s: s["at"]), "refused": refused}
        Path(options.dump).write_text(json.dumps(dump, ensure_ascii=False, indent=0))


def tail(log: Path) -> str:
    return log.read_text()[-5000:]


async def tell(bot: asyncio.subprocess.Process, line: str) -> None:
    assert bot.stdin is not None
    bot.stdin.write(line.encode() + b"\n")
    await bot.stdin.drain()


async def expect(bot: asyncio.subprocess.Process, tag: str, workdir: Path, within: float = 300) -> str:
    """The rest of the child's next protocol line, which must carry `tag`."""
    assert bot.stdout is not None
    while True:
        try:
            line = (await asyncio.wait_for(bot.stdout.readline(), within)).decode()
        except TimeoutError:
            raise SystemExit(f"the bot did not say {tag} within {within:g} s") from None
        if not line:
            raise SystemExit(f"the bot stopped before saying {tag}:\n{tail(workdir / 'bot.log')}")
        if line.startswith(MARK):
            said_tag, _, rest = line[len(MARK) :].strip().partition(" ")
            if said_tag != tag:
                raise SystemExit(f"the bot said {said_tag}, not {tag}")
            return rest


async def settle(watcher: Watcher) -> None:
    """Wait until nothing was sent for QUIET seconds (so replies left to the drain have gone too)."""
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < QUIET:
        if watcher.seen != last_count:
            last_count, last_change = watcher.seen, time.monotonic()
        await asyncio.sleep(0.1)


# --- the report ----------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of them lie (nearest rank); NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def figures(runs: list[Run], measure: Callable[[Run], float], unit: str = "", digits: int = 0) -> str:
    values = [measure(run) for run in runs]
    shown = ", ".join(f"{value:.{digits}f}" for value in values)
    return f"{statistics.median(values):.{digits}f}{unit}   (runs: {shown})"


def describe(name: str, runs: list[Run]) -> list[str]:
    ms = 1000.0
    rows = ", ".join(f"{key} {value}" for key, value in runs[0].rows.items())
    goal = all(r.lost == r.duplicated == r.send_again == r.nudges_twice == 0 for r in runs)
    return [
        f"== {name}: {len(runs)} runs ==",
        f"  replies said                 {runs[0].replies} (by the engine, in every answering reporter's turns)",
        f"  latency p50 during fan-out   {figures(runs, lambda r: percentile(r.latencies_during, 0.5) * ms, ' ms')}",
        f"  latency p99 during fan-out   {figures(runs, lambda r: percentile(r.latencies_during, 0.99) * ms, ' ms')}",
        f"    replies to turns queued during the fan-out: {figures(runs, lambda r: len(r.latencies_during))}",
        f"  latency p50 all turns        {figures(runs, lambda r: percentile(r.latencies_all, 0.5) * ms, ' ms')}",
        f"  latency p99 all turns        {figures(runs, lambda r: percentile(r.latencies_all, 0.99) * ms, ' ms')}",
        f"  replies lost (failed)        {figures(runs, lambda r: r.lost)}",
        f"  replies refused (429)        {figures(runs, lambda r: r.refused)}",
        f'  "send again" sent            {figures(runs, lambda r: r.send_again)}',
        f'  "send again" refused (429)   {figures(runs, lambda r: r.send_again_refused)}',
        f"  replies duplicated           {figures(runs, lambda r: r.duplicated)}",
        f"  other messages to reporters  {figures(runs, lambda r: r.unexpected)}",
        f"  turns waited out (--give-up) {figures(runs, lambda r: r.given_up)}",
        f"  nudges accepted              {figures(runs, lambda r: r.nudges)}",
        f"  nudges sent twice            {figures(runs, lambda r: r.nudges_twice)}",
        f"  nudges refused (429)         {figures(runs, lambda r: r.nudges_refused)}",
        f"  fan-out duration             {figures(runs, lambda r: r.fan_out, ' s', 1)}",
        f"  rows after the first run     {rows}",
        f"  goal (no reply lost or duplicated, no send again, no nudge twice): {'met' if goal else 'NOT met'}",
    ]


def snapshot(revision: str, into: Path) -> Path:
    """The revision's files, from `git archive` (the working tree and its index are not touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True)
    into.mkdir()
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


async def main(options: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    codes: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="nqbot-revisions-") as folder:
        if options.before:
            codes.append((f"before ({options.before})", snapshot(options.before, Path(folder) / "before")))
        after = snapshot(options.after, Path(folder) / "after") if options.after else ROOT
        codes.append((f"after ({options.after or 'working tree'})", after))
        lines = [
            f"python {sys.version.split()[0]}; {options.reporters} reporters nudged at {options.rate:g}/s, "
            f"{options.answering} of them answering ({options.steps or 'whole report'} steps, "
            f"{options.think:g} s to think); the fake refuses above {options.limit:g} messages/s; "
            f"medians of {options.repeat}"
        ]
        for name, code in codes:
            runs = [await run_once(code, options) for _ in range(options.repeat)]
            lines += ["", *describe(name, runs)]
        print("\n".join(lines))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reporters", type=int, default=400, help="units, one reporter each, all nudged")
    parser.add_argument("--answering", type=int, default=20, help="reporters answering a report meanwhile")
    parser.add_argument("--steps", type=int, default=None, help="steps each answers (default: the whole report)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds a reporter takes to answer")
    parser.add_argument("--limit", type=float, default=30.0, help="the fake's messages a second (default 30)")
    parser.add_argument("--rate", type=float, default=25.0, help="the sender's rate (NQBOT_SEND_RATE, default 25)")
    parser.add_argument("--give-up", type=float, default=10.0, help="seconds a reporter waits for a turn's replies")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each revision (medians are shown)")
    parser.add_argument("--before", help="also run this revision's code (e.g. a341dda^, before the outbox)")
    parser.add_argument("--after", help="run this revision's code instead of the working tree")
    parser.add_argument("--keep-log", help="write the last run's bot log here")
    parser.add_argument("--dump", help="write the last run's sends and refusals (JSON) here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reporters < 1 or args.repeat < 1 or not 1 <= args.answering <= args.reporters:
        parser.error("--reporters and --repeat must be at least 1, --answering between 1 and --reporters")
    return args


if __name__ == "__main__":
    options = parse()
    asyncio.run(child(options) if options.child else main(options))
