"""Three `nqbot run --webhook` workers on one PostgreSQL database, behind a round-robin proxy (issue 11).

The fake Telegram posts every update to a small load balancer (`RoundRobin`, below) that hands each request to
the next worker. 50 reporters start their reports at once. The test holds the lead itself at first (as a
leader outside the three would), so the fan-out of a due ladder step starts when it lets go, with the reporters
halfway through: one worker takes the lead and sends 15 reminders; the fake holds the 16th (in flight, never
delivered), the 50 reporters go on answering at once, and the leader is killed with SIGKILL. Another worker
takes the lead within a minute (LEAD_CHECK, 15 s) and sends the rest. Then everyone submits, and:

- every reporter got exactly one reminder, and every nudge row is marked sent;
- every reporter got every reply exactly once, in order (the same dialogue as every other reporter), and every
  outbox row is marked sent;
- every update was handled once (answered 200 once, recorded once) and every unit's one submitted version
  holds the answers typed.

The kill is deterministic: the proxy lets no new request through, the leader answers the ones it has (each once
its update is stored) and the workers handle what they stored (their replies sent and marked), then the leader
is killed while its reminder is held; the fake
answers that request 500 afterwards, to nobody. So no message can be in flight but the held one.

Usage:
    NQBOT_TEST_DATABASE_URL=postgresql://nqbot_test:nqbot_test@127.0.0.1/nqbot_test pytest tests/test_e2e_workers.py
It drops and rebuilds that database's tables; without a PostgreSQL URL it is skipped. It takes about 50 s, half
of it waiting for a follower's next try to lead (twice).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text, update
from sqlmodel import SQLModel, col, select

from bot.app import LEAD_CHECK
from bot.texts import say
from storage import leader, migrate, submissions
from storage.database import Database
from storage.models import InboundEvent, NudgeStatus, OutboxKind, OutboxMessage, Unit
from tests.dialogue import FULL_REPORT_QUESTIONS
from tests.fakes.bot_process import BotProcess, free_port, wait_for
from tests.fakes.telegram_api import JSON, FakeTelegram
from tests.test_e2e_nudges import TOKEN, VN, bot_process, campaign_for, populate, statuses
from tests.test_e2e_telegram import LAST_OF_A_TURN, Reporter, steps_for

URL = os.environ.get("NQBOT_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not URL.startswith(("postgresql", "postgres:")), reason="needs a PostgreSQL server (CI's second run)"
)

REPORTERS = 50
WORKERS = 3
HELD_AFTER = 15  # reminders delivered before the leader's next one is held and the leader killed
HALFWAY = 9  # answers each reporter gives before the fan-out starts; the rest come during it
SECRET = "webhook_secret-workers"
LEADS = "this process leads"
FOLLOWS = "another nqbot run leads"
REMINDER = say("nudge.heading", "vi", title="")  # "Nhắc báo cáo: ", how every reminder starts
TURN_TIMEOUT = 30.0
T = TypeVar("T")
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def is_reminder(params: JSON) -> bool:
    return str(params.get("text") or "").startswith(REMINDER)


class RoundRobin:
    """A load balancer on 127.0.0.1 in front of the workers' webhook servers, as nginx's upstream does it: each
    request goes to the next worker; a worker that refuses the connection (dead) is passed over for the next one;
    a worker that drops a request it took is answered 502 (and Telegram posts the update again).

    `pause()` holds new requests at the door, `resume()` lets them in; `busy(port)` counts the requests a worker
    is handling now, `answered[port]` the statuses it answered. Its event loop runs in a thread of its own."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = 0
        self.answered: dict[int, Counter[str]] = {port: Counter() for port in ports}
        self.failures: list[str] = []
        self._busy: Counter[int] = Counter()
        self._turn = itertools.cycle(range(len(ports)))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="RoundRobin", daemon=True)
        self._open = asyncio.Event()
        self._server: asyncio.Server | None = None

    def __enter__(self) -> RoundRobin:
        self._thread.start()
        self.port = self._call(self._start())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def pause(self) -> None:
        self._call(self._set_open(False))

    def resume(self) -> None:
        self._call(self._set_open(True))

    def busy(self, port: int) -> int:
        return self._busy[port]

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _set_open(self, value: bool) -> None:
        if value:
            self._open.set()
        else:
            self._open.clear()

    async def _start(self) -> int:
        self._open.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            request = head + await reader.readexactly(int(length.group(1)) if length else 0)
            await self._open.wait()
            answer = await self._forward(request)
            writer.write(answer)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self.failures.append(repr(exc))
            with suppress(OSError):
                writer.write(BAD_GATEWAY)
        finally:
            writer.close()

    async def _forward(self, request: bytes) -> bytes:
        """The answer of the first worker that takes the request, from the next one in turn."""
        first = next(self._turn)
        for port in self.ports[first:] + self.ports[:first]:
            self._busy[port] += 1  # counted before any await: after pause(), busy() sees every request let in
            try:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    continue  # nobody listens there (a dead worker): the next one
                try:
                    writer.write(request)
                    await writer.drain()
                    answer = await reader.read()  # the workers answer with Connection: close
                finally:
                    writer.close()
                self.answered[port][answer.split(b" ", 2)[1].decode() if answer else "dropped"] += 1
                return answer or BAD_GATEWAY
            finally:
                self._busy[port] -= 1
        return BAD_GATEWAY


class Typist(Reporter):
    """A reporter (tests/test_e2e_telegram.py) who checks now and then whether the bot has answered: fifty of
    them waiting on the fake's condition would wake at every call it takes and copy every message each time."""

    def __init__(self, server: FakeTelegram, user_id: int, abandon: threading.Event) -> None:
        super().__init__(server, user_id)
        self.abandon = abandon  # set when the test has failed: stop waiting

    def _turn(self, act: Callable[[], Any]) -> str:
        seen = self.server.sent_count(self.user_id)
        act()
        deadline = time.monotonic() + TURN_TIMEOUT
        while True:
            if self.server.sent_count(self.user_id) > seen:
                texts = [m["text"] or "" for m in self.server.messages_since(self.user_id, seen)]
                if any(LAST_OF_A_TURN.search(t) for t in texts):
                    return "\n".join(texts)
            if time.monotonic() > deadline or self.abandon.is_set():
                sent = [m["text"] for m in self.server.sent_messages(self.user_id)][-3:]
                raise AssertionError(f"user {self.user_id}: no answer within {TURN_TIMEOUT}s; last messages: {sent}")
            time.sleep(0.05)


def settled(database: Database) -> bool:
    """Every update stored is handled and every reply sent: a webhook call is answered once its update is stored
    (the inbox), and handled after."""
    with database.session() as session:
        unhandled = session.exec(select(InboundEvent.id).where(col(InboundEvent.handled_at).is_(None))).first()
        replies = select(OutboxMessage.id).where(OutboxMessage.kind == OutboxKind.reply)
        sending = session.exec(replies.where(OutboxMessage.status == NudgeStatus.sending)).first()
        return unhandled is None and sending is None


def lock_holders(database: Database) -> list[int]:
    """The server pids of the sessions holding nqbot's advisory lock (storage/leader.py)."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"
    )
    with database.engine.connect() as connection:
        key = {"high": leader.LOCK_KEY >> 32, "low": leader.LOCK_KEY & 0xFFFFFFFF}
        return [int(pid) for pid in connection.execute(query, key).scalars()]


def test_three_workers_share_fifty_reporters_and_a_killed_leaders_fan_out_goes_exactly_once(tmp_path: Path) -> None:
    started = time.monotonic()
    timeline: list[str] = []

    def note(event: str) -> None:
        timeline.append(f"{time.monotonic() - started:5.1f}s {event}")

    now = datetime.now(UTC)
    today = now.astimezone(VN).date()
    steps = steps_for(today)
    database = Database(URL)
    lease = leader.AdvisoryLease(database)
    try:
        SQLModel.metadata.drop_all(database.engine)
        with database.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        migrate.upgrade(database.engine)
        with database.session() as session:
            people = populate(session, campaign_for(today), units=REPORTERS, reported=0)
            session.execute(update(Unit).values(member_count=29))  # FULL_REPORT's answers fit a 29-member register
        note("database ready")
        assert lease.take()  # the test leads: the workers start as followers

        with (
            FakeTelegram(token=TOKEN, webhook_connections=REPORTERS) as server,
            RoundRobin([free_port() for _ in range(WORKERS)]) as proxy,
            ThreadPoolExecutor(max_workers=REPORTERS) as pool,
        ):
            workers: list[BotProcess] = []
            for n, port in enumerate(proxy.ports):
                (tmp_path / f"worker{n}").mkdir()
                workers.append(bot_process(tmp_path / f"worker{n}", server, URL))
                workers[-1].start(
                    "--webhook",
                    WEBHOOK_URL=f"http://127.0.0.1:{proxy.port}/nqbot",
                    WEBHOOK_SECRET=SECRET,
                    WEBHOOK_PORT=str(port),
                )
            halfway: list[int] = []
            fanning_out, fanned_out, abandon = threading.Event(), threading.Event(), threading.Event()

            def report(chat: int) -> None:
                """One reporter's whole report: half before the fan-out, half during it, sent once it is over."""
                reporter = Typist(server, chat, abandon)
                assert "Câu 1." in reporter.say("/baocao")
                for kind, value in steps[:HALFWAY]:
                    reporter.step(kind, value)
                halfway.append(chat)
                assert fanning_out.wait(timeout=60)
                for kind, value in steps[HALFWAY:]:
                    reporter.step(kind, value)
                assert fanned_out.wait(timeout=90)
                unit = people.targets[chat]
                assert f"Đã gửi báo cáo của {unit} (lần 1)" in reporter.say("gửi")

            reporters: list[Future[None]] = []

            def reporters_until(condition: Callable[[], bool], timeout: float, description: str) -> None:
                """Wait for `condition`; a reporter that failed meanwhile fails the test with its own error."""
                wait_for(lambda: condition() or any(r.done() for r in reporters), timeout, description)
                for finished in [r for r in reporters if r.done()]:
                    finished.result()
                assert condition(), description

            try:
                for worker in workers:
                    wait_for(lambda w=worker: FOLLOWS in w.output(), timeout=60, description="each worker follows")
                server.wait_until(lambda: server.webhook is not None, timeout=10, description="the webhook is set")
                note("three workers up, all following")

                server.hold_after(HELD_AFTER, only=is_reminder)
                reporters.extend(pool.submit(report, chat) for chat in people.targets)
                reporters_until(lambda: len(halfway) == REPORTERS, 60, "every reporter is halfway")
                note(f"{REPORTERS} reporters halfway; the test lets the lead go")
                lease.release()

                held = server.wait_until_held(timeout=2 * LEAD_CHECK)
                held_at = time.monotonic()
                note(f"reminder {HELD_AFTER + 1} held (chat {held['chat_id']})")
                [first] = [w for w in workers if LEADS in w.output()]
                [holder] = lock_holders(database)
                fanning_out.set()  # the second halves, at once, while the leader is killed
                time.sleep(0.5)  # so the workers, the leader among them, are busy with them

                proxy.pause()
                port = proxy.ports[workers.index(first)]
                wait_for(lambda: proxy.busy(port) == 0, timeout=2, description="the leader answers its requests")
                wait_for(lambda: settled(database), timeout=2, description="the workers handle what they stored")
                first.kill()
                killed_at = time.monotonic()
                note(f"leader worker{workers.index(first)} killed ({proxy.answered[port]['200']} updates handled)")
                # Within python-telegram-bot's 5 s read timeout: the leader was still waiting for the held reminder.
                assert killed_at - held_at < 4, "the kill came too late: the held reminder may have timed out"
                assert server.release_held() == 1  # answered 500 to nobody: never delivered
                with database.session() as session:  # mid-fan-out: the rest claimed by the dead leader, or not yet
                    left = statuses(session)
                assert left[NudgeStatus.sent] == HELD_AFTER
                assert left[NudgeStatus.sending] + left[NudgeStatus.pending] == REPORTERS - HELD_AFTER
                handled_by_first = sum(proxy.answered[port].values())
                proxy.resume()

                survivors = [w for w in workers if w is not first]
                wait_for(lambda: any(LEADS in w.output() for w in survivors), 60, "a follower takes the lead")
                note(f"worker{workers.index(next(w for w in survivors if LEADS in w.output()))} leads")
                assert time.monotonic() - killed_at < 60
                [new_holder] = lock_holders(database)
                assert new_holder != holder

                def all_reminded() -> bool:
                    with database.session() as session:
                        return statuses(session) == Counter({NudgeStatus.sent: REPORTERS})

                reporters_until(all_reminded, 60, "every nudge is sent and marked")
                note("every reminder sent")
                fanned_out.set()
                for reporter in reporters:
                    reporter.result(timeout=120)
                note("every report submitted")
            finally:
                abandon.set()
                fanning_out.set()
                fanned_out.set()
                with ThreadPoolExecutor(max_workers=WORKERS) as stopping:  # SIGINT to all at once
                    codes = list(stopping.map(BotProcess.stop, workers))
                outputs = [worker.output() for worker in workers]
                print("\n".join(timeline))  # shown when the test fails
                print(f"requests answered by each worker: {proxy.answered}; failed: {proxy.failures}")
                for n, output in enumerate(outputs):
                    print(f"--- worker{n} ---\n{output[-20_000:]}")

            assert [code for worker, code in zip(workers, codes, strict=True) if worker is not first] == [0, 0]
            assert all("Traceback" not in output for output in outputs)
            assert sum(proxy.answered[port].values()) == handled_by_first  # nothing reached the dead one
            assert all(proxy.answered[p]["200"] for p in proxy.ports)  # each worker took its share

            # Every reminder exactly once: the one held was never delivered and went again after the takeover.
            reminders = Counter(m["chat_id"] for m in server.sent_messages() if is_reminder(m["params"]))
            assert reminders == dict.fromkeys(people.targets, 1)
            assert [(r["chat_id"], r["status"]) for r in server.rejections] == [(held["chat_id"], 500)]

            # Every reply exactly once, in order: each reporter had the same dialogue, ending with the submission.
            dialogues = {
                chat: [
                    (m["text"] or "").replace(unit, "<unit>")
                    for m in server.sent_messages(chat)
                    if not is_reminder(m["params"])
                ]
                for chat, unit in people.targets.items()
            }
            reference = dialogues[min(dialogues)]
            assert len(reference) >= len(steps) + 2 and reference[-1].startswith("Đã gửi báo cáo của <unit> (lần 1)")
            assert all(dialogue == reference for dialogue in dialogues.values())

            # Every update handled once: answered 200 once (none needed posting again), recorded once.
            updates = REPORTERS * (len(steps) + 2)
            assert server.pending_updates == [] and Counter(server.webhook_answers) == {200: updates}

        with database.session() as session:
            assert len(session.exec(select(InboundEvent.id)).all()) == updates
            replies = session.exec(select(OutboxMessage)).all()
            assert {(row.kind, row.status) for row in replies} == {(OutboxKind.reply, NudgeStatus.sent)}
            assert Counter(int(row.chat_id) for row in replies) == {chat: len(reference) for chat in people.targets}
            answers = []
            for unit_id in session.exec(select(Unit.id)).all():
                submission = submissions.get_submission(session, campaign_id=people.campaign_id, unit_id=unit_id or 0)
                assert submission is not None and submission.id is not None and submission.latest_version == 1
                [version] = submissions.list_versions(session, submission_id=submission.id)
                answers.append(version.answers)
        assert len(answers) == REPORTERS and all(given == answers[0] for given in answers)
        assert set(answers[0]) == set(FULL_REPORT_QUESTIONS)
        assert answers[0]["members_attended"] == 26 and answers[0]["proposals"] is None
    finally:
        lease.release()
        database.dispose()
