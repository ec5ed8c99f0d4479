"""The composition root: builds the database, the engine and the channels from settings.

The CLI only calls these; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.channels import telegram
from bot.channels.telegram import AnyApplication
from bot.engine import Engine
from bot.settings import Settings
from scheduler.jobs import Reminders
from scheduler.sender import Sender
from storage import migrate
from storage.database import Database
from storage.models import Channel

logger = logging.getLogger(__name__)


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def make_engine(settings: Settings, database: Database) -> Engine:
    return Engine(database, timezone=settings.timezone, language=settings.nqbot_language)


def run_telegram(settings: Settings) -> None:
    """Run the bot with long polling, and its reminders, until interrupted (SIGINT/SIGTERM)."""
    token = settings.require_telegram_token()
    database = Database(settings.database_url)
    engine = make_engine(settings, database)
    running: list[Reminders] = []

    async def start(application: AnyApplication) -> None:
        await asyncio.to_thread(migrate.upgrade, database.engine)
        deliveries = {Channel.telegram.value: telegram.TelegramDelivery(application.bot)}
        sender = Sender(
            database,
            deliveries,
            timezone=settings.timezone,
            language=settings.nqbot_language,
            rate=settings.nqbot_send_rate,
        )
        reminders = Reminders(database, sender, timezone=settings.timezone, language=settings.nqbot_language)
        await reminders.start()
        running.append(reminders)
        logger.info("database ready, reminders scheduled; polling Telegram")

    async def stop(application: AnyApplication) -> None:
        for reminders in running:
            reminders.shutdown()
        await asyncio.to_thread(database.dispose)

    application = telegram.build_application(
        token=token,
        base_url=settings.telegram_api_base_url,
        engine=engine,
        language=settings.nqbot_language,
        on_start=start,
        on_stop=stop,
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES)
