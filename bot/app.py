"""The composition root: builds the database, the engine, the channels and the reminders from settings.

Usage:
    run(settings)  # `nqbot run`: every channel whose token is set, until SIGINT/SIGTERM
    run(settings, webhook=settings.require_webhook())  # `nqbot run --webhook`

One event loop serves Telegram and Zalo side by side, each by long polling, or with `--webhook` through one
webhook server (bot/channels/webhook.py) where each has its route. They share the database, the engine and
one sender, which reaches each person through their own channel: every reply, notice and nudge goes
through it, paced per channel. A channel that cannot start (network down, token refused) is tried again in
the background with a growing pause while the other runs; its messages wait in the outbox until it is up.
One process per database leads (storage/leader.py): it runs the reminders and drains the outbox. On SQLite
a second `nqbot run` refuses to start; on PostgreSQL the others handle updates and send their own replies,
and one of them takes over within LEAD_CHECK seconds when the leader stops.
Every update is stored before it is handled (the inbox, bot/channels/inbox.py): at start each channel first
handles what its last run stored and left unhandled, and every process sweeps every SWEEP_EVERY seconds for
updates a stopped worker left (`sweep`).
The CLI only calls these; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from functools import partial
from typing import Protocol

from telegram import Update
from telegram.error import TelegramError

from bot.channels import telegram, zalo
from bot.channels.inbox import SWEEP_EVERY
from bot.channels.telegram import AnyApplication
from bot.channels.webhook import WebhookServer
from bot.channels.zalo_api import ZaloApi
from bot.engine import Engine
from bot.outbox.delivery import Delivery
from bot.outbox.digest import write_digest
from bot.outbox.sender import Sender
from bot.settings import Settings, Webhook
from bot.texts import say
from scheduler.jobs import Reminders
from storage import leader, migrate
from storage.database import Database
from storage.errors import NqbotError
from storage.models import Channel

logger = logging.getLogger(__name__)

RETRY_FIRST = 10.0  # seconds before a channel that did not start is tried again; doubled up to RETRY_MAX
RETRY_MAX = 300.0
WAL_CHECKPOINT_EVERY = 1.0  # seconds: SQLite's WAL is written back by a thread, not in the loop's commits
LEAD_CHECK = 15.0  # seconds between a follower's tries to lead, and the leader's checks that it still does


def configure_logging(verbose: bool = False) -> None:
    # force: the CLI group has already configured logging at WARNING, which would make this a no-op.
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # two lines a minute for the outbox job


def make_engine(settings: Settings, database: Database) -> Engine:
    return Engine(database, timezone=settings.timezone, language=settings.nqbot_language)


class Service(Protocol):
    """A channel as the app runs it: started (which first handles the updates it stored and left unhandled),
    stopped, its stored updates left unhandled taken again, and its way of sending the outbox's messages."""

    @property
    def name(self) -> str: ...

    @property
    def delivery(self) -> Delivery: ...

    async def start(self) -> None: ...

    async def replay(self, *, only_process: bool) -> None: ...

    async def stop(self) -> None: ...


class TelegramService:
    """python-telegram-bot's application, started by hand (run_polling would own the event loop): long
    polling, or the webhook server's "telegram" route."""

    name = Channel.telegram.value
    SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

    def __init__(
        self,
        application: AnyApplication,
        *,
        webhook: tuple[Webhook, WebhookServer] | None = None,
        only_process: bool = True,
    ) -> None:
        self.application = application
        self.webhook = webhook
        self.only_process = only_process  # at start, every stored update left unhandled is this process's
        self.delivery = telegram.TelegramDelivery(application.bot)

    async def start(self) -> None:
        application = self.application
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await self.replay(only_process=self.only_process)
        if self.webhook is None:
            assert application.updater is not None
            await application.updater.start_polling(  # deletes a webhook left from an earlier --webhook run
                allowed_updates=Update.ALL_TYPES, error_callback=self._poll_error
            )
            await application.start()
            logger.info("Telegram bot @%s: long polling", application.bot.username)
            return
        settings, server = self.webhook
        await application.start()
        server.route(self.name, self.SECRET_HEADER, settings.secret, partial(telegram.process_posted, application))
        url = settings.url_for(self.name)
        await application.bot.set_webhook(url, secret_token=settings.secret, allowed_updates=Update.ALL_TYPES)
        logger.info("Telegram bot @%s: webhook %s", application.bot.username, url)

    async def replay(self, *, only_process: bool) -> None:
        """Handle stored updates left unhandled (at start, then every few seconds: app.sweep)."""
        await telegram.replay(self.application, only_process=only_process)

    def _poll_error(self, exc: TelegramError) -> None:
        """A failed getUpdates goes to the application's error handler, as run_polling does it."""
        self.application.create_task(self.application.process_error(error=exc, update=None))

    async def stop(self) -> None:
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()


def build_services(
    settings: Settings,
    engine: Engine,
    sender: Sender,
    webhook: tuple[Webhook, WebhookServer] | None = None,
    *,
    only_process: bool = True,
) -> list[Service]:
    """A service for each channel whose token is set, sending through `sender`; with `webhook`, each takes its
    updates through it. `only_process`: no other process shares the database (at start, every stored update
    left unhandled is this one's)."""
    services: list[Service] = []
    if token := settings.telegram_token():
        application = telegram.build_application(
            token=token,
            base_url=settings.telegram_api_base_url,
            engine=engine,
            language=settings.nqbot_language,
            sender=sender,
        )
        services.append(TelegramService(application, webhook=webhook, only_process=only_process))
    if token := settings.zalo_token():
        quota = zalo.Quota(
            engine.database,
            timezone=settings.timezone,
            monthly=settings.zalo_monthly_quota,
            language=settings.nqbot_language,
        )
        channel = zalo.ZaloChannel(
            engine,
            ZaloApi(token, settings.zalo_api_base_url),
            quota=quota,
            actions=zalo.TypedActions(),
            language=settings.nqbot_language,
            sender=sender,
            poll_interval=settings.zalo_poll_interval,
            board_contact=settings.board_contact,
        )
        services.append(zalo.ZaloService(channel, webhook=webhook, only_process=only_process))
    engine.channels = {Channel(service.name) for service in services}
    return services


async def serve(settings: Settings, stop: asyncio.Event, *, webhook: Webhook | None = None) -> None:
    """Run the configured channels and, in the leading process, the reminders and the outbox's drain, until
    `stop` is set; with `webhook`, the channels take their updates through one webhook server."""
    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    secrets = [value for value in (settings.telegram_token(), settings.zalo_token(), webhook_secret) if value]
    database = Database(settings.database_url, checkpoint_every=WAL_CHECKPOINT_EVERY)
    lease = leader.lease_for(database)
    if isinstance(lease, leader.FileLease) and not lease.take():
        database.dispose()
        lock, pid = lease.path, lease.holder() or "?"
        raise NqbotError(say("run.already_running", settings.nqbot_language, lock=str(lock), pid=pid))
    server = None if webhook is None else WebhookServer(host=webhook.host, port=webhook.port)
    services: list[Service] = []
    tasks: list[asyncio.Task[None]] = []
    reminders: Reminders[object] | None = None
    try:
        await asyncio.to_thread(migrate.upgrade, database.engine)
        engine = make_engine(settings, database)
        deliveries: dict[str, Delivery] = {}  # only channels that are up: the sender leaves the others' rows
        sender = Sender(
            database,
            deliveries,
            timezone=settings.timezone,
            language=settings.nqbot_language,
            rate=settings.nqbot_send_rate,
        )
        if webhook is not None and server is not None:
            await server.start()
            logger.info("webhook server listening on %s:%d", server.host, server.port)
        hook = None if webhook is None or server is None else (webhook, server)
        only_process = not isinstance(lease, leader.AdvisoryLease)
        services = build_services(settings, engine, sender, hook, only_process=only_process)
        digest = partial(write_digest, timezone=settings.timezone, language=settings.nqbot_language)
        reminders = Reminders(
            database, sender, digest=digest, timezone=settings.timezone, language=settings.nqbot_language
        )
        # Each channel gets a first try before the reminders start, so the first drain finds them up.
        started = await asyncio.gather(*(_try_start(service, secrets) for service in services))
        for service, up in zip(services, started, strict=True):
            if up:
                deliveries[service.name] = service.delivery
            else:
                tasks.append(asyncio.create_task(_keep_trying(service, deliveries, secrets)))
        tasks.append(asyncio.create_task(lead(lease, reminders, sender), name="lead"))
        tasks.append(asyncio.create_task(sweep(services, deliveries), name="inbox"))
        logger.info("database ready; channels up: %s", ", ".join(deliveries) or "none")
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        if reminders is not None:
            reminders.shutdown()
        for service in services:
            try:
                await service.stop()
            except Exception as exc:
                logger.warning("%s did not stop cleanly: %s", service.name, _scrub(exc, secrets))
        if server is not None:
            await server.stop()
        await asyncio.to_thread(lease.release)
        await asyncio.to_thread(database.dispose)


async def lead(lease: leader.Lease, reminders: Reminders[object], sender: Sender) -> None:
    """Run the reminders and the outbox's drain while this process holds the lease; take it when it is free,
    give them up when it is lost."""
    drain: asyncio.Task[None] | None = None
    waiting_said = False
    try:
        while True:
            try:
                if drain is None:
                    if await asyncio.to_thread(lease.take):
                        logger.info("this process leads: it runs the reminders and drains the outbox")
                        await sender.recover(only_process=not isinstance(lease, leader.AdvisoryLease))
                        await reminders.start()
                        drain = asyncio.create_task(sender.run(), name="outbox")
                    elif not waiting_said:
                        logger.info("another nqbot run leads; this one handles updates and takes over if it stops")
                        waiting_said = True
                elif not await asyncio.to_thread(lease.holds):
                    logger.warning("the lead was lost: the reminders and the drain stop here")
                    reminders.shutdown()
                    drain.cancel()
                    drain, waiting_said = None, False
                    continue
            except Exception:  # the database out of reach for a moment: a process that gave up would never lead
                logger.exception("leading: a check failed; trying again in %.0f s", LEAD_CHECK)
            await asyncio.sleep(LEAD_CHECK)
    finally:
        if drain is not None:
            drain.cancel()


async def sweep(services: list[Service], deliveries: dict[str, Delivery]) -> None:
    """Every SWEEP_EVERY seconds, on the channels that are up: renew the claims of the updates this process has
    in hand and handle the stored updates whose claim has expired: a worker stopped before handling them (every
    process sweeps, so none waits for a new leader), or their handling failed. Each process handles what it
    stores at once, and at its start what its last run left; only these would otherwise wait for a restart."""
    while True:
        await asyncio.sleep(SWEEP_EVERY)
        for service in services:
            if service.name in deliveries:
                try:
                    await service.replay(only_process=False)
                except Exception:  # the inbox logs its own; anything else must not end the sweeping for good
                    logger.exception("sweeping the stored %s updates failed; tried again later", service.name)


async def _try_start(service: Service, secrets: list[str]) -> bool:
    try:
        await service.start()
    except Exception as exc:  # e.g. python-telegram-bot's InvalidToken names the token: logged scrubbed
        logger.error("%s did not start: %s", service.name, _scrub(exc, secrets))
        return False
    return True


async def _keep_trying(service: Service, deliveries: dict[str, Delivery], secrets: list[str]) -> None:
    pause = RETRY_FIRST
    while True:
        logger.info("trying %s again in %.0f s", service.name, pause)
        await asyncio.sleep(pause)
        if await _try_start(service, secrets):
            deliveries[service.name] = service.delivery
            return
        pause = min(RETRY_MAX, pause * 2)


def _scrub(exc: BaseException, secrets: list[str]) -> str:
    text = f"{type(exc).__name__}: {exc}"
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def run(settings: Settings, *, webhook: Webhook | None = None) -> None:
    """Run the bot on every configured channel, and its reminders, until interrupted (SIGINT/SIGTERM)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop, webhook=webhook)

    asyncio.run(main())
