"""End to end on Zalo: the real `nqbot run` process (no Telegram token) against a fake Zalo Bot API on 127.0.0.1.

First run, long polling: a reporter enrols by typing the invite code and answers the whole report by typing
(numbered choices, "bỏ qua", "gửi"); a second unit's reporter starts; an update delivered twice is handled
once; a sticker gets a request to type. Second run, webhook mode: the ladder's due step nudges the reporter
whose unit has not reported (only them); webhook calls with a missing or wrong secret are refused and change
nothing; with the secret, typing the nudge's action label resumes the report. Every message the bot sent is
counted in the database. The campaign has no quiet hours, so the test passes at any time of day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage import campaigns, invites, migrate, units, usage
from storage.database import Database
from storage.models import Channel, Role
from tests.conftest import SAMPLE_UNITS
from tests.fakes.bot_process import BotProcess, free_port
from tests.fakes.zalo_api import FakeZalo
from tests.test_e2e_nudges import campaign_for
from tests.test_e2e_telegram import steps_for
from tests.test_zalo import typed_steps

TOKEN = "1459232241454765289:zalo-e2e-token"
SECRET = "webhook-secret-e2e"
VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the bot's default NQBOT_TIMEZONE


def bot_process(workdir: Path, server: FakeZalo, database_url: str) -> BotProcess:
    """`nqbot run` with only a Zalo token."""
    return BotProcess(
        workdir,
        {
            "ZALO_BOT_TOKEN": TOKEN,
            "ZALO_API_BASE_URL": server.base_url,
            "ZALO_POLL_INTERVAL": "0.02",
            "DATABASE_URL": database_url,
            "NQBOT_TIMEZONE": "Asia/Ho_Chi_Minh",
        },
    )


class Reporter:
    """A person in their private chat with the Zalo bot; each turn ends when the bot is done with the update."""

    def __init__(self, server: FakeZalo, user_id: str, *, webhook: bool = False) -> None:
        self.server = server
        self.user_id = user_id
        self.webhook = webhook

    def say(self, text: str) -> str:
        seen = self.server.sent_count(self.user_id)
        update = self.server.text_update(self.user_id, text, name=f"Đ/c {self.user_id}")
        if self.webhook:
            assert self.server.post_webhook(update, secret=SECRET) == 200
        else:
            self.server.wait_until_handled(self.server.queue(update))
        return "\n".join(self.server.texts(self.user_id, seen))


def server_wait_for(server: FakeZalo, chat_id: str, since: int, needle: str) -> list[str]:
    """The chat's texts from number `since` on, once one of them holds `needle` (a webhook's update is handled
    after its call is answered)."""
    server.wait_until(
        lambda: any(needle in text for text in server.texts(chat_id, since)), timeout=20, description=needle
    )
    return server.texts(chat_id, since)


def prepare(path: Path, today: date) -> dict[str, str]:
    database = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(database.engine)
        with database.session() as session:
            campaigns.load_campaign(session, spec=campaign_for(today), source_file="test")
            units.import_units(session, rows=units.read_units_csv(SAMPLE_UNITS), source="sample")
            codes = {}
            for code in ("CB-SNV", "CB-SVH"):
                unit = units.get_unit(session, code=code)
                assert unit is not None
                codes[code] = invites.create_invite(session, role=Role.reporter, unit_id=unit.id).code
        return codes
    finally:
        database.dispose()


def test_enrol_report_dedupe_nudge_and_webhook_on_zalo(tmp_path: Path) -> None:
    today = datetime.now(UTC).astimezone(VN).date()
    url = f"sqlite:///{tmp_path / 'nqbot.db'}"
    codes = prepare(tmp_path / "nqbot.db", today)
    steps = typed_steps(steps_for(today), campaign_for(today))
    port = free_port()
    with FakeZalo(token=TOKEN, max_poll=1.0) as server:
        bot = bot_process(tmp_path, server, url)
        try:
            # --- long polling ---
            bot.start()
            server.wait_until(lambda: server.polls > 0, timeout=20, description="the bot polls")
            assert server.webhook is None and "deleteWebhook" in server.calls

            secretary = Reporter(server, "6ede9afa66b88fe6d6a9")
            assert "Mã mời dành cho đơn vị: Chi bộ Sở Nội vụ." in secretary.say(codes["CB-SNV"])
            first = secretary.say("Xác nhận")
            assert "Câu 1." in first and "\n1. Đã tự tổ chức\n2. Đã học cùng hội nghị cấp Khối" in first
            for typed in steps:
                secretary.say(typed)
            assert "Gõ “gửi” để gửi báo cáo" in server.texts(secretary.user_id)[-1]
            assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1)" in secretary.say("gửi")

            deputy = Reporter(server, "7fe0a1b2c3d4e5f6a7b8")
            deputy.say(f"/start {codes['CB-SVH']}")
            assert "Câu 1." in deputy.say("có")
            for typed in steps[:3]:
                deputy.say(typed)
            seen = server.sent_count(deputy.user_id)
            twice = server.text_update(deputy.user_id, steps[3])
            server.queue(twice)
            server.wait_until_handled(server.queue(twice))  # Zalo delivers the same message again
            answered = server.texts(deputy.user_id, seen)
            assert sum("Câu 5." in text for text in answered) == 1 and not any("Câu 6." in t for t in answered)
            sticker = server.event_update(deputy.user_id, "message.sticker.received", sticker="0e078a2fb66a5f34067b")
            server.wait_until_handled(server.queue(sticker))
            assert server.texts(deputy.user_id)[-1].startswith("Bot chỉ đọc được tin nhắn chữ.")
            assert not [r for r in server.rejections if r["method"] != "getUpdates"]
            assert bot.stop() == 0

            # --- webhook mode: the due step nudges the unit that has not reported ---
            before = {chat: server.sent_count(chat) for chat in (secretary.user_id, deputy.user_id)}
            bot.start(
                "--webhook",
                WEBHOOK_URL=f"http://127.0.0.1:{port}/nqbot",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_HOST="127.0.0.1",
                WEBHOOK_PORT=str(port),
            )

            def nudged() -> bool:
                return any("Nhắc báo cáo" in m["text"] for m in server.messages[before[deputy.user_id] :])

            server.wait_until(nudged, timeout=20, description="the deputy is nudged")
            assert server.webhook == {"url": f"http://127.0.0.1:{port}/nqbot/zalo", "secret_token": SECRET}
            [nudge] = server.texts(deputy.user_id, before[deputy.user_id])
            assert nudge.count("\n") == 3 and "Chi bộ Sở Văn hóa, Thể thao và Du lịch chưa gửi báo cáo" in nudge
            assert server.sent_count(secretary.user_id) == before[secretary.user_id]  # reported: no nudge

            resume = server.text_update(deputy.user_id, "Làm báo cáo")  # the nudge's button, typed
            assert server.post_webhook(resume, secret=None) == 401
            assert server.post_webhook(resume, secret="not-the-secret") == 403
            assert server.sent_count(deputy.user_id) == before[deputy.user_id] + 1  # refused: nothing handled
            assert server.post_webhook(resume, secret=SECRET) == 200  # once stored: the reply follows
            reply = "\n".join(server_wait_for(server, deputy.user_id, before[deputy.user_id] + 1, "Câu 5."))
            assert "Tiếp tục báo cáo đang làm dở" in reply
            handled = server.sent_count(deputy.user_id)
            assert server.post_webhook(resume, secret=SECRET) == 200  # sent again: stored already, not handled
            assert server.post_webhook(server.text_update(deputy.user_id, steps[4]), secret=SECRET) == 200
            later = server_wait_for(server, deputy.user_id, handled, "Câu 6.")  # handled in order, after it
            assert not any("Tiếp tục báo cáo đang làm dở" in text for text in later)
            assert bot.stop() == 0
        finally:
            bot.stop()
            output = bot.output()
            print(output)  # shown when the test fails
        sent = len(server.messages)
    assert TOKEN not in output and TOKEN.split(":")[1] not in output and SECRET not in output

    database = Database(url)
    try:
        with database.session() as session:
            assert usage.sent_in(session, channel=Channel.zalo, month=today.strftime("%Y-%m")) == sent
    finally:
        database.dispose()


def test_one_process_serves_both_channels_and_one_that_cannot_start_does_not_stop_the_other(tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegram

    telegram_token = "123456:TEST-TOKEN"
    url = f"sqlite:///{tmp_path / 'nqbot.db'}"
    prepare(tmp_path / "nqbot.db", datetime.now(UTC).astimezone(VN).date())
    with FakeZalo(token=TOKEN) as zalo_server, FakeTelegram(token=telegram_token) as telegram_server:
        bot = bot_process(tmp_path, zalo_server, url)
        try:
            # Telegram's API cannot be reached: it is retried in the background while Zalo serves.
            bot.start(TELEGRAM_BOT_TOKEN=telegram_token, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot")
            zalo_server.wait_until(lambda: zalo_server.polls > 0, timeout=20, description="the bot polls Zalo")
            assert "mã mời" in Reporter(zalo_server, "z1").say("/trogiup")
            assert bot.stop() == 0
            assert "telegram did not start" in bot.output()

            # Both up: one process answers on both.
            bot.start(TELEGRAM_BOT_TOKEN=telegram_token, TELEGRAM_API_BASE_URL=telegram_server.base_url)
            telegram_server.wait_until(
                lambda: "getUpdates" in telegram_server.calls, timeout=20, description="the bot polls Telegram"
            )
            telegram_server.send_text(5001, "/trogiup")
            assert "mã mời" in telegram_server.wait_for_message(5001, 0, timeout=20)["text"]
            assert "mã mời" in Reporter(zalo_server, "z2").say("/trogiup")
            assert bot.stop() == 0
        finally:
            bot.stop()
            output = bot.output()
            print(output)
    for secret in (TOKEN, TOKEN.split(":")[1], telegram_token, telegram_token.split(":")[1]):
        assert secret not in output
