"""The reference bench/report_steps.py measures nqbot against: the plainest durable form bot in PTB.

A python-telegram-bot ConversationHandler that walks a fixed list of steps (the same script nqbot's
reporters follow: /start, the confirm press, the answers, the final press), keeps the position in memory
(PTB's conversation state: lost on kill -9), and commits each answer to a SQLite file (WAL, synchronous
NORMAL): one upsert keyed by chat and step, one COMMIT, then the next question sent (with a button when the
next step is a press, so the offline Bot API can press it). No checks of the answers, no versions, no
redelivery guard, no inbox or outbox: what a developer writes in an afternoon.

Usage:
    peer = await FormPeer.start(path, steps)   # steps: ("say", text) / ("press", data), as in bench/report_steps.py
    await peer.application.process_update(update)
    await peer.close()
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from tests.fakes.offline_telegram import TOKEN, AnyApplication, OfflineRequest

ANSWERING = 0


class FormPeer:
    """The peer bot: its application (fed with process_update), its Bot API recorder and its database."""

    def __init__(self, path: Path, steps: list[tuple[str, str]]) -> None:
        self.steps = steps
        self.api = OfflineRequest()
        self.db = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT: a commit per answer
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS answer (chat_id INTEGER, step INTEGER, value TEXT, PRIMARY KEY (chat_id, step))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS form (chat_id INTEGER PRIMARY KEY, submitted INTEGER)")
        self.application: AnyApplication = (
            ApplicationBuilder()
            .token(TOKEN)
            .request(self.api)
            .get_updates_request(self.api)
            .concurrent_updates(False)
            .build()
        )
        answer = [MessageHandler(filters.TEXT & ~filters.COMMAND, self.answer), CallbackQueryHandler(self.answer)]
        self.application.add_handler(
            ConversationHandler(
                entry_points=[CommandHandler("start", self.begin)],
                states={ANSWERING: answer},
                fallbacks=[],
                per_message=False,
            )
        )

    @classmethod
    async def start(cls, path: Path, steps: list[tuple[str, str]]) -> FormPeer:
        peer = cls(path, steps)
        await peer.application.initialize()
        return peer

    async def begin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        chat = update.effective_chat
        assert chat is not None and context.user_data is not None
        self.db.execute("BEGIN")
        self.db.execute("INSERT OR REPLACE INTO form (chat_id, submitted) VALUES (?, 0)", (chat.id,))
        self.db.execute("COMMIT")
        context.user_data["step"] = 1
        await self.ask(context, chat.id, 1)
        return ANSWERING

    async def answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        chat = update.effective_chat
        assert chat is not None and context.user_data is not None
        step: int = context.user_data["step"]
        query = update.callback_query
        value = query.data if query is not None else update.effective_message.text  # type: ignore[union-attr]
        last = step == len(self.steps) - 1
        self.db.execute("BEGIN")
        self.db.execute(
            "INSERT INTO answer (chat_id, step, value) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, step) DO UPDATE SET value = excluded.value",
            (chat.id, step, value),
        )
        if last:
            self.db.execute("UPDATE form SET submitted = 1 WHERE chat_id = ?", (chat.id,))
        self.db.execute("COMMIT")
        if query is not None:
            await query.answer()
        if last:
            await context.bot.send_message(chat.id, "Đã gửi báo cáo.")
            return ConversationHandler.END
        context.user_data["step"] = step + 1
        await self.ask(context, chat.id, step + 1)
        return ANSWERING

    async def ask(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, step: int) -> None:
        """The question of `step`: a button carrying the press's data when that step is a press."""
        kind, value = self.steps[step]
        markup: Any = None
        if kind == "press":
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(value, callback_data=value)]])
        await context.bot.send_message(chat_id, f"Câu {step}.", reply_markup=markup)

    def submitted(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM form WHERE submitted = 1").fetchone()[0])

    async def close(self) -> None:
        await self.application.shutdown()
        self.db.close()
