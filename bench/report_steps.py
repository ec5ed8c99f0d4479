"""How many report steps per second nqbot handles through its Telegram handlers, against a plain durable PTB
form bot and a bare PTB echo bot.

Usage:
    .venv/bin/python bench/report_steps.py [--reporters 50] [--repeat 3] [--database-url postgresql://…]

Each reporter has a unit of their own and, through the real python-telegram-bot handlers fed in process
(``Application.process_update`` with the offline Bot API of tests/fakes/offline_telegram.py), enrols with
``/start <code>``, confirms, answers the whole NQ 15 questionnaire (tests.dialogue.FULL_REPORT) and submits.
The enrolment is not timed (its invite check is a deliberately slow scrypt, about 20 ms); the answers and
the submit are: one step is one update processed. Reporters run side by side (each one's steps in order, as
the bot's per-chat update processor handles them), then again taking turns one update at a time. The
database is a SQLite file (made by the Alembic migrations) in a temporary folder, fresh for every run,
opened as `nqbot run` opens it (its WAL checkpointed by a thread, not by the commits).

The references, fed the same updates the same way, in the same process, each round running nqbot, the peer
and the echo one after the other (a slow moment of the machine falls on all three): the peer, a PTB
ConversationHandler that commits each answer to SQLite (bench/form_peer.py: no checks, position in memory,
no versions, no redelivery guard, no inbox or outbox), and an Application with a single MessageHandler that
sends back the text it got. Printed: each system's medians of --repeat runs, nqbot ÷ peer and nqbot ÷ echo
(of the medians, and per round). With --database-url nqbot also runs on that PostgreSQL database (emptied
first!) with 1 and 3 worker processes sharing it, the reporters dealt out among them, side by side in each.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlmodel import func, select  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bench.form_peer import FormPeer  # noqa: E402
from bot.app import WAL_CHECKPOINT_EVERY  # noqa: E402
from bot.engine import Engine  # noqa: E402
from storage import campaigns, migrate, units  # noqa: E402
from storage.campaign_spec import load_campaign_file  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.models import SubmissionVersion, UnitBase, UnitKind  # noqa: E402
from tests.dialogue import FULL_REPORT, Clock, invite_code  # noqa: E402
from tests.fakes.offline_telegram import (  # noqa: E402
    TOKEN,
    AnyApplication,
    OfflineRequest,
    button_update,
    offline_application,
    text_update,
)

CAMPAIGN = ROOT / "campaigns" / "nq15-2022.yaml"
ENROLMENT = 2  # /start <code> and the confirm press: untimed
FIRST_USER = 10_001
# A step: ("say", text) or ("press", callback data), as in tests.dialogue.FULL_REPORT.
Step = tuple[str, str]


@dataclass
class Run:
    """One timed run: how many updates, how long in all, and each update's own time (and, when timed, the
    time spent in SQLite itself: DatabaseTime)."""

    steps: int
    wall: float
    latencies: list[float]
    database: DatabaseTime | None = None

    @property
    def per_second(self) -> float:
        return self.steps / self.wall


class DatabaseTime:
    """The time nqbot spends inside SQLite during the timed steps: each statement's execution (between the
    engine's before and after cursor events, which storage.prepared dispatches too) and each COMMIT (this
    engine's dialect's do_commit, wrapped). Listening costs Python time of its own: a run timed so is shown
    apart, never in the ratios."""

    def __init__(self, engine: Any) -> None:
        self.on = False  # set once the reporters are enrolled
        self.statements = self.commits = 0
        self.seconds = 0.0
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        commit = engine.dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            started = time.perf_counter()
            commit(dbapi_connection)
            if self.on:
                self.commits += 1
                self.seconds += time.perf_counter() - started

        engine.dialect.do_commit = do_commit

    def _before(self, *_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, *_: Any) -> None:
        if self.on:
            self.statements += 1
            self.seconds += time.perf_counter() - self._started


async def prepare(path: Path, reporters: int, database_url: str | None = None) -> tuple[Database, list[str]]:
    """A migrated database with the NQ 15 campaign and one unit (and invite) a reporter; the invite codes. A SQLite
    file at `path`, opened as `nqbot run` opens it, or the PostgreSQL database at `database_url`, emptied first."""
    if database_url is None:
        database = Database(f"sqlite:///{path}", checkpoint_every=WAL_CHECKPOINT_EVERY)
    else:
        database = Database(database_url)
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate.upgrade(database.engine)
    rows = [
        units.UnitRow(
            line=i + 2,
            unit=UnitBase(
                code=f"BENCH-{i:04}", name=f"Chi bộ thử nghiệm {i}", kind=UnitKind.grassroots_cell, member_count=29
            ),
            parent_code=None,
        )
        for i in range(reporters)
    ]
    with database.session() as session:
        campaigns.load_campaign(session, spec=load_campaign_file(CAMPAIGN))
        units.import_units(session, rows=rows, source="bench")
    codes = [invite_code(database, row.unit.code) for row in rows]
    return database, codes


def script(code: str) -> list[Step]:
    """Everything one reporter does, from the invite to the submitted report."""
    return [("say", f"/start {code}"), ("press", "join:yes"), *FULL_REPORT, ("press", "submit")]


class Feeder:
    """Feeds one application the scripted updates of its reporters, timing the steps after enrolment."""

    def __init__(self, application: AnyApplication, api: OfflineRequest, *, first_update: int = 1) -> None:
        self.application, self.api = application, api
        self.update_ids = iter(range(first_update, 10**12))
        self.latencies: list[float] = []

    async def step(self, user: int, kind: str, value: str, *, timed: bool) -> None:
        started = time.perf_counter()
        if kind == "press":
            message = self.api.message_with_button(user, value)
            data = button_update(next(self.update_ids), user, message["message_id"], value, message=message)
        else:
            data = text_update(next(self.update_ids), user, value)
        await self.application.process_update(Update.de_json(data, self.application.bot))
        if timed:
            self.latencies.append(time.perf_counter() - started)

    async def run(
        self,
        scripts: list[list[Step]],
        concurrent: bool,
        *,
        users: list[int] | None = None,
        enrolled: Callable[[], None] | None = None,
    ) -> Run:
        """Enrol every reporter (untimed: nqbot's invite check is a deliberately slow scrypt, ~20 ms), then time
        the rest of their scripts: side by side (each one's steps in order) or taking turns. `users`: their
        Telegram ids (default from FIRST_USER on); `enrolled`: called between the two (a barrier of workers)."""
        users = users or [FIRST_USER + number for number in range(len(scripts))]
        for user, steps in zip(users, scripts, strict=True):
            for kind, value in steps[:ENROLMENT]:
                await self.step(user, kind, value, timed=False)
        if enrolled is not None:
            enrolled()

        async def reporter(number: int) -> None:
            for kind, value in scripts[number][ENROLMENT:]:
                await self.step(users[number], kind, value, timed=True)

        gc.collect()
        started = time.perf_counter()
        if concurrent:
            await asyncio.gather(*(reporter(number) for number in range(len(scripts))))
        else:
            for turn in range(ENROLMENT, len(scripts[0])):
                for number, steps in enumerate(scripts):
                    await self.step(users[number], *steps[turn], timed=True)
        return Run(len(self.latencies), time.perf_counter() - started, self.latencies)


async def run_nqbot(reporters: int, concurrent: bool, *, timing_sqlite: bool = False) -> Run:
    """Every reporter's whole report through nqbot's handlers on a fresh SQLite file; checks they were all stored.
    `timing_sqlite`: also time what SQLite itself takes (DatabaseTime, in the run's .database)."""
    with tempfile.TemporaryDirectory(prefix="nqbot-bench-") as folder:
        database, codes = await prepare(Path(folder) / "bench.sqlite3", reporters)
        timer = DatabaseTime(database.engine) if timing_sqlite else None
        application, api = await offline_application(Engine(database, clock=Clock()))
        scripts = [script(code) for code in codes]
        run = await Feeder(application, api).run(
            scripts, concurrent, enrolled=(lambda: setattr(timer, "on", True)) if timer else None
        )
        run.database = timer
        await application.shutdown()
        api.assert_no_unexpected()
        with database.session() as session:
            stored = (session.exec(select(func.count()).select_from(SubmissionVersion))).one()
        database.dispose()
    if stored != reporters:
        raise SystemExit(f"only {stored} of {reporters} reports were stored: the benchmark is not measuring reports")
    return run


def postgres_worker(url: str, codes: list[str], numbers: list[int], barrier: Any, results: Any) -> None:
    """One worker process on PostgreSQL (as `nqbot run --webhook` workers are): its reporters side by side;
    puts (steps, wall-clock start, end) once done."""

    async def work() -> None:
        database = Database(url)
        application, api = await offline_application(Engine(database, clock=Clock()))
        feeder = Feeder(application, api, first_update=1 + numbers[0] * 10**6)  # update ids unique across workers
        started = time.time()

        def enrolled() -> None:
            nonlocal started
            barrier.wait()
            started = time.time()

        scripts = [script(codes[number]) for number in numbers]
        users = [FIRST_USER + number for number in numbers]
        run = await feeder.run(scripts, True, users=users, enrolled=enrolled)
        results.put((run.steps, started, time.time()))
        await application.shutdown()
        database.dispose()

    asyncio.run(work())


async def run_postgres(url: str, reporters: int, workers: int) -> Run:
    """Every reporter's report through `workers` processes sharing one PostgreSQL database (emptied first),
    reporters dealt out among them; steps/s from the first timed step anywhere to the last one."""
    database, codes = await prepare(Path("unused"), reporters, url)
    database.dispose()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(workers), context.Queue()
    shares = [list(range(w, reporters, workers)) for w in range(workers)]
    processes = [
        context.Process(target=postgres_worker, args=(url, codes, share, barrier, results)) for share in shares
    ]
    for process in processes:
        process.start()
    done = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    database = Database(url)
    with database.session() as session:
        stored = session.exec(select(func.count()).select_from(SubmissionVersion)).one()
    database.dispose()
    if stored != reporters:
        raise SystemExit(f"only {stored} of {reporters} reports were stored on PostgreSQL")
    steps = sum(count for count, _, _ in done)
    return Run(steps, max(end for _, _, end in done) - min(start for _, start, _ in done), [])


async def run_peer(reporters: int, concurrent: bool) -> Run:
    """The same scripts through the plain PTB ConversationHandler form bot (bench/form_peer.py) on a fresh
    SQLite file; checks every form was stored as submitted."""
    steps = script("x" * 9)
    with tempfile.TemporaryDirectory(prefix="nqbot-peer-") as folder:
        peer = await FormPeer.start(Path(folder) / "peer.sqlite3", steps)
        run = await Feeder(peer.application, peer.api).run([script(f"P{i}") for i in range(reporters)], concurrent)
        stored = peer.submitted()
        await peer.close()
    if stored != reporters:
        raise SystemExit(f"the peer stored {stored} of {reporters} forms: it is not measuring forms")
    return run


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is not None and update.effective_message is not None:
        await context.bot.send_message(update.effective_chat.id, update.effective_message.text or "")


async def run_echo(reporters: int, concurrent: bool) -> Run:
    """A bare PTB application that echoes text, through the same offline Bot API, fed as many text updates in
    the same pattern (reporters side by side, or taking turns)."""
    api = OfflineRequest()
    application: AnyApplication = (
        ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api).concurrent_updates(False).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    await application.initialize()
    texts = [("say", value) for _, value in script("x" * 9)]
    run = await Feeder(application, api).run([texts] * reporters, concurrent)
    await application.shutdown()
    return run


def median_of(runs: list[Run], measure: Callable[[Run], float]) -> float:
    return statistics.median(measure(run) for run in runs)


def describe(name: str, runs: list[Run]) -> list[str]:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.2f} ms"

    return [
        f"{name}: {runs[0].steps} steps, {len(runs)} runs",
        f"  wall time        median {median_of(runs, lambda r: r.wall):.3f} s"
        f"   (runs: {', '.join(f'{r.wall:.3f}' for r in runs)})",
        f"  steps/s          median {median_of(runs, lambda r: r.per_second):,.0f}"
        f"   (runs: {', '.join(f'{r.per_second:,.0f}' for r in runs)})",
        f"  per-step latency median {ms(median_of(runs, lambda r: statistics.median(r.latencies)))}"
        f"   p90 {ms(median_of(runs, lambda r: statistics.quantiles(r.latencies, n=10)[-1]))}"
        f"   max {ms(median_of(runs, lambda r: max(r.latencies)))}",
    ]


async def main(reporters: int, repeat: int, database_url: str | None = None) -> None:
    lines = [
        f"python {sys.version.split()[0]}, {reporters} reporters × {len(script('x')) - ENROLMENT} timed steps "
        f"({len(FULL_REPORT)} answers and the submit, after an untimed enrolment), SQLite files, "
        f"systems interleaved, medians of {repeat}"
    ]
    verdicts: list[str] = []
    for concurrent in (True, False):
        mode = "reporters side by side" if concurrent else "reporters taking turns, one update at a time"
        runs: dict[str, list[Run]] = {"nqbot": [], "peer": [], "echo": []}
        for _ in range(repeat):  # interleaved: a slow moment of the machine falls on all three alike
            runs["nqbot"].append(await run_nqbot(reporters, concurrent))
            runs["peer"].append(await run_peer(reporters, concurrent))
            runs["echo"].append(await run_echo(reporters, concurrent))
        rates = {name: median_of(measured, lambda r: r.per_second) for name, measured in runs.items()}
        by_peer = [n.per_second / p.per_second for n, p in zip(runs["nqbot"], runs["peer"], strict=True)]
        by_echo = [n.per_second / e.per_second for n, e in zip(runs["nqbot"], runs["echo"], strict=True)]
        lines += [
            "",
            f"== {mode} ==",
            *describe("nqbot report steps", runs["nqbot"]),
            *describe("PTB ConversationHandler + sqlite3, a commit per answer (bench/form_peer.py)", runs["peer"]),
            *describe("bare PTB echo", runs["echo"]),
            f"nqbot ÷ peer: {rates['nqbot'] / rates['peer']:.2f} (per round: {', '.join(f'{r:.2f}' for r in by_peer)})",
            f"nqbot ÷ echo: {rates['nqbot'] / rates['echo']:.2f} (per round: {', '.join(f'{r:.2f}' for r in by_echo)})",
        ]
        for name, ratio, goal in (
            ("peer", rates["nqbot"] / rates["peer"], 0.8),
            ("echo", rates["nqbot"] / rates["echo"], 0.4),
        ):
            verdicts.append(
                f"goal nqbot ÷ {name} ≥ {goal}, {mode}: {ratio:.2f} ({'met' if ratio >= goal else 'NOT met'})"
            )
        if not concurrent:
            lines += floor(runs, await run_nqbot(reporters, concurrent, timing_sqlite=True))
    if database_url is not None:
        lines += ["", f"== PostgreSQL ({database_url.rpartition('@')[2]}), reporters side by side in each worker =="]
        for workers in (1, 3):
            runs = [await run_postgres(database_url, reporters, workers) for _ in range(repeat)]
            each = ", ".join(f"{run.per_second:,.0f}" for run in runs)
            rate = median_of(runs, lambda r: r.per_second)
            lines.append(f"nqbot, {workers} worker(s): steps/s median {rate:,.0f}   (runs: {each})")
    print("\n".join([*lines, "", *verdicts]))


def floor(runs: dict[str, list[Run]], timed: Run) -> list[str]:
    """What SQLite itself takes of nqbot's step (one more run, timed: not in the ratios), and the best ratio to
    the peer that leaves: nqbot's step is at least the echo's (PTB receiving one update, sending one
    message) plus its statements and commits, whatever its own Python costs."""
    assert timed.database is not None
    sqlite = timed.database.seconds / timed.steps
    step = {name: 1 / median_of(measured, lambda r: r.per_second) for name, measured in runs.items()}
    return [
        "where nqbot's step goes (one more run, reporters taking turns, SQLite timed; not in the ratios):",
        f"  SQLite itself {sqlite * 1000:.2f} ms a step ({timed.database.statements / timed.steps:.1f} statements "
        f"and {timed.database.commits / timed.steps:.1f} commits a step, in the cold caches of a real step); "
        f"the step {step['nqbot'] * 1000:.2f} ms, the peer's {step['peer'] * 1000:.2f}, the echo's "
        f"{step['echo'] * 1000:.2f}",
        f"  so nqbot ÷ peer ≤ {step['peer'] / (step['echo'] + sqlite):.2f} however little nqbot's own Python took "
        "(the echo's step plus SQLite's time)",
    ]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reporters", type=int, default=50, help="reporters, each in a unit of their own")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (medians are shown)")
    parser.add_argument(
        "--database-url", help="also run nqbot on this PostgreSQL database (emptied!) with 1 and 3 worker processes"
    )
    args = parser.parse_args(argv)
    if args.reporters < 1 or args.repeat < 1:
        parser.error("--reporters and --repeat must be at least 1")
    return args


if __name__ == "__main__":
    options = parse()
    asyncio.run(main(options.reporters, options.repeat, options.database_url))
