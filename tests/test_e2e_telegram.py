"""End to end: the real `nqbot run` process over HTTP against a fake Telegram Bot API on 127.0.0.1.

A reporter enrols through an invite and submits a full report; a second reporter is halfway through
when the bot is killed with SIGKILL; after a restart they finish, and the database holds every answer.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from bot import demo
from bot.texts import say
from storage import invites, submissions, units
from storage.database import Database
from storage.models import NudgeStatus, OutboxMessage, Role
from tests.conftest import SAMPLE_UNITS, SHIPPED_CAMPAIGN
from tests.dialogue import FULL_REPORT
from tests.fakes.bot_process import BotProcess, free_port, wait_for
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook_secret-e2e"
LAST_OF_A_TURN = re.compile(r"^(Câu \d+\.|Báo cáo của|Đã gửi báo cáo)", re.MULTILINE)


def steps_for(today: date) -> list[tuple[str, str]]:
    """FULL_REPORT with its dates moved next to `today` (the bot runs on the real clock)."""
    moved = {
        "13/9, 14/9": f"{today - timedelta(days=3):%d/%m/%Y}, {today - timedelta(days=2):%d/%m/%Y}",
        "10/9/2022": f"{today - timedelta(days=5):%d/%m/%Y}",
    }
    return [(kind, moved.get(value, value)) for kind, value in FULL_REPORT]


class Bot(BotProcess):
    """`nqbot run` against the fake Bot API; started means polling."""

    def __init__(self, workdir: Path, server: FakeTelegram, database_url: str) -> None:
        settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url, "DATABASE_URL": database_url}
        super().__init__(workdir, settings)
        self.server = server

    def start(self, **env: str) -> None:
        polls = self.server.calls.count("getUpdates")
        super().start(**env)
        self.server.wait_until(
            lambda: self.server.calls.count("getUpdates") > polls, timeout=30, description="the bot polls for updates"
        )


class Reporter:
    """A person in their private chat with the bot."""

    def __init__(self, server: FakeTelegram, user_id: int) -> None:
        self.server = server
        self.user_id = user_id

    def _turn(self, act: Any) -> str:
        seen = self.server.sent_count(self.user_id)
        act()

        def done() -> bool:
            return any(LAST_OF_A_TURN.search(m["text"] or "") for m in self.server.messages_since(self.user_id, seen))

        self.server.wait_until(done, timeout=20, description=f"the bot answers user {self.user_id}")
        return "\n".join(m["text"] or "" for m in self.server.messages_since(self.user_id, seen))

    def say(self, text: str) -> str:
        return self._turn(lambda: self.server.send_text(self.user_id, text))

    def press(self, data: str) -> str:
        message_id = next(
            m["message_id"] for m in reversed(self.server.sent_messages(self.user_id)) if data in _button_data(m)
        )
        return self._turn(lambda: self.server.press_button(self.user_id, message_id, data))

    def step(self, kind: str, value: str) -> str:
        return self.press(value) if kind == "press" else self.say(value)

    def join(self, code: str) -> str:
        seen = self.server.sent_count(self.user_id)
        self.server.send_text(self.user_id, f"/start {code}")
        confirm = self.server.wait_for_message(self.user_id, seen, timeout=20)
        assert "xác nhận" in confirm["text"]
        return self.press("join:yes")


def _button_data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row]


def claimed_replies(path: Path) -> int:
    """Replies the bot has claimed and not yet marked sent."""
    database = Database(f"sqlite:///{path}")
    try:
        with database.session() as session:
            return len(session.exec(select(OutboxMessage.id).where(OutboxMessage.status == NudgeStatus.sending)).all())
    finally:
        database.dispose()


def test_enrol_report_and_survive_sigkill_mid_report(tmp_path: Path) -> None:
    workdir = tmp_path
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the bot's "today" (its clock is the real one)
    url = f"sqlite:///{workdir / 'nqbot.db'}"
    codes = _prepare(workdir / "nqbot.db", today)
    steps = steps_for(today)
    with FakeTelegram(token=TOKEN) as server:
        bot = Bot(workdir, server, url)
        bot.start()
        try:
            assert server.commands, "the command menu is registered"
            secretary = Reporter(server, 5001)
            reply = secretary.join(codes["CB-SNV"])
            assert "Chi bộ Sở Nội vụ" in reply and "Câu 1." in reply
            for kind, value in steps:
                secretary.step(kind, value)
            assert "Gửi báo cáo" in str(server.sent_messages(5001)[-1]["reply_markup"])
            assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1)" in secretary.say("gửi")
            edits = [e for e in server.edits if "➜" in (e.get("text") or "")]
            assert edits, "questions answered by a button are edited to show the choice"

            # A second unit's reporter; the bot is killed after question 9 was answered and stored, and its
            # reply marked sent (a kill between the send and its mark would send that one reply again).
            deputy = Reporter(server, 5002)
            deputy.join(codes["CB-SVH"])
            for kind, value in steps[:9]:
                deputy.step(kind, value)
            wait_for(lambda: not claimed_replies(workdir / "nqbot.db"), timeout=10, description="replies marked sent")
            bot.kill()
            bot.start()
            reply = deputy.say("/baocao")
            assert "Tiếp tục báo cáo đang làm dở" in reply and "Câu 10." in reply
            for kind, value in steps[9:]:
                deputy.step(kind, value)
            assert "Đã gửi báo cáo của Chi bộ Sở Văn hóa, Thể thao và Du lịch (lần 1)" in deputy.say("gửi")
        finally:
            bot.stop()
            output = bot.output()
        assert TOKEN not in output and TOKEN.split(":")[1] not in output  # never in the logs

    answers = _submitted(workdir / "nqbot.db")
    assert answers["CB-SNV"] == answers["CB-SVH"]  # the same answers, the second across a SIGKILL
    assert answers["CB-SVH"]["members_attended"] == 26 and answers["CB-SVH"]["proposals"] is None
    assert len(answers["CB-SVH"]) == 25  # with the counts of the two reasons for absence


def test_a_reply_refused_for_now_is_sent_again_once_and_the_next_answer_lands_in_the_next_question(
    tmp_path: Path,
) -> None:
    """The answer is stored before its reply is sent: a reply Telegram refuses for now (429 with retry_after,
    a 502) is sent again from the outbox, once, and nobody is asked to send their answer again, so the next
    answer goes to the next question. The secretary's report meets failures, the deputy's none: same answers."""
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    url = f"sqlite:///{tmp_path / 'nqbot.db'}"
    codes = _prepare(tmp_path / "nqbot.db", today)
    steps = steps_for(today)
    failures = {
        2: ("sendMessage", 429, "Too Many Requests: retry after 1", 1),
        5: ("sendMessage", 502, "Bad Gateway", None),
        8: ("sendMessage", 429, "Too Many Requests: retry after 1", 1),
    }
    with FakeTelegram(token=TOKEN) as server:
        bot = Bot(tmp_path, server, url)
        bot.start()
        try:
            secretary, deputy = Reporter(server, 5001), Reporter(server, 5002)
            secretary.join(codes["CB-SNV"])
            deputy.join(codes["CB-SVH"])
            for number, (kind, value) in enumerate(steps):
                if number in failures:
                    method, status, description, retry_after = failures[number]
                    server.fail_next(method, status, description, retry_after=retry_after)
                seen = server.sent_count(5001)
                secretary.step(kind, value)
                asked = re.findall(
                    r"^Câu (\d+)\.", "\n".join(m["text"] for m in server.messages_since(5001, seen)), re.M
                )
                assert len(asked) <= 1, f"step {number}: questions asked {asked}"  # each reply once
                deputy.step(kind, value)
            secretary.say("gửi")
            deputy.say("gửi")
        finally:
            bot.stop()
        refused = [(r["chat_id"], r["status"]) for r in server.rejections]
        assert refused == [(5001, 429), (5001, 502), (5001, 429)]  # each failure happened, to a reply
        retry = say("error.retry", "vi")
        assert not [m for m in server.sent_messages(5001) if m["text"] == retry]  # never "please send again"
    answers = _submitted(tmp_path / "nqbot.db")
    assert answers["CB-SNV"] == answers["CB-SVH"] and len(answers["CB-SNV"]) == 25


def test_webhook_mode_reports_refuses_strangers_handles_a_resent_update_once_then_polls_again(
    tmp_path: Path,
) -> None:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    url = f"sqlite:///{tmp_path / 'nqbot.db'}"
    codes = _prepare(tmp_path / "nqbot.db", today)
    port = free_port()
    with FakeTelegram(token=TOKEN) as server:
        settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url, "DATABASE_URL": url}
        hooked = BotProcess(tmp_path, settings | {"WEBHOOK_URL": f"http://127.0.0.1:{port}/nqbot"})
        polling = Bot(tmp_path, server, url)
        try:
            hooked.start("--webhook", WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=str(port))
            server.wait_until(lambda: server.webhook is not None, timeout=30, description="the bot sets its webhook")
            assert server.webhook == {"url": f"http://127.0.0.1:{port}/nqbot/telegram", "secret_token": SECRET}
            secretary = Reporter(server, 5001)
            assert "Câu 1." in secretary.join(codes["CB-SNV"])
            for kind, value in steps_for(today):
                secretary.step(kind, value)
            assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1)" in secretary.say("gửi")
            assert "getUpdates" not in server.calls and set(server.webhook_answers) == {200}

            # Calls without the secret are refused unhandled; a good one is answered once handled, and the
            # same update posted again (as Telegram does when it got no answer) is not handled twice.
            view = _text_update(900_001, 5001, "/xem")
            hook = f"http://127.0.0.1:{port}/nqbot/telegram"
            seen = server.sent_count(5001)
            assert _post(hook, view, secret=None) == 401 and _post(hook, view, secret="not-the-secret") == 403
            assert _post(f"http://127.0.0.1:{port}/nqbot/zalo", view, secret=SECRET) == 404  # no Zalo here
            assert server.sent_count(5001) == seen
            assert _post(hook, view, secret=SECRET) == 200  # once stored: handled after
            assert "Chi bộ Sở Nội vụ" in server.wait_for_message(5001, seen, timeout=20)["text"]
            handled = server.sent_count(5001)
            assert _post(hook, view, secret=SECRET) == 200 and server.sent_count(5001) == handled
            assert hooked.stop() == 0

            polling.start()  # without --webhook: the webhook is deleted and the bot polls again
            assert server.webhook is None
            assert "Chi bộ Sở Nội vụ" in Reporter(server, 5001).say("/xem")
        finally:
            hooked.stop()
            polling.stop()
            output = hooked.output()
        assert SECRET not in output and TOKEN.split(":")[1] not in output


def _text_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    chat = {"id": user_id, "type": "private", "first_name": "Test"}
    message = {
        "message_id": update_id,
        "from": {"id": user_id, "is_bot": False, "first_name": "Test"},
        "chat": chat,
        "date": int(time.time()),
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return {"update_id": update_id, "message": message}


def _post(url: str, update: dict[str, Any], *, secret: str | None) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return httpx.post(url, json=update, headers=headers, timeout=30).status_code


def _prepare(path: Path, today: date) -> dict[str, str]:
    prepared = demo.prepare(path, SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=today)
    try:
        with prepared.database.session() as session:
            unit = units.get_unit(session, code="CB-SVH")
            assert unit is not None
            second = invites.create_invite(session, role=Role.reporter, unit_id=unit.id)
        return {"CB-SNV": prepared.invite_code, "CB-SVH": second.code}
    finally:
        prepared.database.dispose()


def _submitted(path: Path) -> dict[str, dict[str, Any]]:
    database = Database(f"sqlite:///{path}")
    found = {}
    try:
        with database.session() as session:
            for code in ("CB-SNV", "CB-SVH"):
                unit = units.get_unit(session, code=code)
                assert unit is not None and unit.id is not None
                sub = submissions.get_submission(session, campaign_id=1, unit_id=unit.id)
                assert sub is not None and sub.id is not None
                [version] = submissions.list_versions(session, submission_id=sub.id)
                found[code] = version.answers
    finally:
        database.dispose()
    return found
