"""The composition root: builds the database, the engine and the channels from settings.

The CLI only calls these; nothing here runs at import time.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot.channels import telegram
from bot.engine import Engine
from bot.settings import Settings
from storage import migrate
from storage.database import Database

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
    """Run the bot with long polling until interrupted (SIGINT/SIGTERM)."""
    token = settings.require_telegram_token()
    database = Database(settings.database_url)
    engine = make_engine(settings, database)

    async def start() -> None:
        await asyncio.to_thread(migrate.upgrade, database.engine)
        logger.info("database ready; polling Telegram")

    async def stop() -> None:
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
