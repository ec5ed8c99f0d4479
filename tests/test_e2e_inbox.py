"""End to end (issue 13): the real `nqbot run --webhook` is killed (SIGKILL) after it answered a Zalo update 200
and before it handled it; after the restart the reporter gets their reply and the answer is stored once.

Deterministic, without sleeps: the fake Zalo holds the bot's reply to the reporter's first answer (its
sendMessage is neither answered nor recorded), so that answer's turn is done but its handling still holds
the chat; the second answer is then stored and answered 200 and waits behind it. Killed there, the second
answer is in the inbox, unhandled; the next run handles it at start.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from storage.database import Database
from storage.models import InboundEvent, Submission
from tests.fakes.bot_process import free_port
from tests.fakes.zalo_api import ApiError, FakeZalo
from tests.test_e2e_nudges import campaign_for
from tests.test_e2e_telegram import steps_for
from tests.test_e2e_zalo import SECRET, TOKEN, VN, bot_process, prepare, server_wait_for
from tests.test_zalo import typed_steps

REPORTER = "6ede9afa66b88fe6d6a9"


class HoldingZalo(FakeZalo):
    """The fake Zalo, which can hold the bot's next sendMessage until released (then it fails with 500)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hold_next = False
        self.held = threading.Event()
        self.released = threading.Event()

    def hold_next_send(self) -> None:
        with self._cond:
            self._hold_next = True

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            hold, self._hold_next = self._hold_next, False
        if not hold:
            return super()._send_message(params)
        self.held.set()
        self.released.wait(timeout=30)
        raise ApiError(500, "the bot that sent this was killed")


def test_a_webhook_update_answered_200_and_not_yet_handled_is_handled_after_a_kill_and_stored_once(
    tmp_path: Path,
) -> None:
    today = datetime.now(UTC).astimezone(VN).date()
    path = tmp_path / "nqbot.db"
    codes = prepare(path, today)
    steps = typed_steps(steps_for(today), campaign_for(today))
    port = free_port()
    with HoldingZalo(token=TOKEN) as server:
        bot = bot_process(tmp_path, server, f"sqlite:///{path}")
        hooked = {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/nqbot",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }

        def start() -> None:
            bot.start("--webhook", **hooked)
            server.wait_until(lambda: server.webhook is not None, timeout=20, description="the webhook is set")

        def say(text: str) -> None:
            assert server.post_webhook(server.text_update(REPORTER, text), secret=SECRET) == 200

        try:
            start()
            for text, needle in ((codes["CB-SNV"], "Mã mời"), ("Xác nhận", "Câu 1.")):
                seen = server.sent_count(REPORTER)
                say(text)
                server_wait_for(server, REPORTER, seen, needle)

            server.hold_next_send()
            say(steps[0])  # answers question 1: stored, handled, its reply held
            assert server.held.wait(timeout=20)
            second = server.text_update(REPORTER, steps[1])  # answers question 2
            assert server.post_webhook(second, secret=SECRET) == 200  # stored; waits for the chat
            bot.kill()
            server.released.set()
            assert _unhandled(path) == [second["message"]["message_id"]]

            seen = server.sent_count(REPORTER)
            start()
            replies = server_wait_for(server, REPORTER, seen, "Câu 3.")
            assert server.post_webhook(second, secret=SECRET) == 200  # Zalo sends it again: not handled twice
            server_wait_for(server, REPORTER, seen, "Câu 2.")  # the held reply, sent again by the outbox
            assert bot.stop() == 0
        finally:
            bot.stop()
            print(bot.output())  # shown when the test fails
        after = server.texts(REPORTER, seen)
    assert sum("Câu 3." in text for text in after) == 1 and not any("Câu 4." in text for text in after), replies
    assert _unhandled(path) == []
    assert len(_draft(path)) == 2  # each answer once


def _unhandled(path: Path) -> list[str]:
    """The Zalo message ids of the updates stored and not handled."""
    database = Database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            rows = session.exec(select(InboundEvent).where(InboundEvent.handled_at == None)).all()  # noqa: E711
            return [row.event_id.partition(":")[2] for row in rows]
    finally:
        database.dispose()


def _draft(path: Path) -> dict[str, Any]:
    database = Database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            [submission] = session.exec(select(Submission)).all()
            return dict(submission.draft_answers)
    finally:
        database.dispose()
