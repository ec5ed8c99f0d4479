"""The README's "Running the bot", word for word, in a fresh folder: its commands are read from the README
itself, run as the operator would (the Telegram token put into the copied .env, the Bot API a fake one on
127.0.0.1), and a reporter who opens a printed invite reaches question 1 of an open campaign.

If the README's commands change, this test runs the new ones; if they stop working, it fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.fakes.bot_process import SETTINGS, BotProcess
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "424242:README-TOKEN"


def readme_commands() -> list[str]:
    """The shell lines of the first code block under "## Running the bot", comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Running the bot\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def run(workdir: Path, line: str, deadline: str) -> subprocess.CompletedProcess[str]:
    """One README line: `cp` as the shell does it, `.venv/bin/nqbot …` as this Python's `-m bot …`."""
    words = shlex.split(line.replace("DD/MM/YYYY", deadline))
    if words[0] == "cp":
        shutil.copy(workdir / words[1], workdir / words[2])
        return subprocess.CompletedProcess(words, 0, "", "")
    assert words[0] == ".venv/bin/nqbot", f"a README command this test does not know: {line}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *words[1:]], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )


def put_token(env_file: Path, base_url: str) -> None:
    """What the README asks of the operator: the token into .env (and here, the fake API's address)."""
    text = env_file.read_text(encoding="utf-8")
    assert "TELEGRAM_BOT_TOKEN=changeme" in text
    text = text.replace("TELEGRAM_BOT_TOKEN=changeme", f"TELEGRAM_BOT_TOKEN={TOKEN}")
    env_file.write_text(text + f"\nTELEGRAM_API_BASE_URL={base_url}\n", encoding="utf-8")


def test_the_readmes_running_the_bot_brings_a_new_reporter_to_question_1(tmp_path: Path) -> None:
    for name in ("campaigns", "examples"):  # what a fresh clone has beside the commands
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env.example")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    deadline = f"{today + timedelta(days=20):%d/%m/%Y}"
    commands = readme_commands()
    assert commands[0].startswith("cp .env.example .env") and commands[-1].startswith(".venv/bin/nqbot run")

    with FakeTelegram(token=TOKEN) as server:
        results = {}
        for line in commands[:-1]:
            result = run(tmp_path, line, deadline)
            assert result.returncode == 0, f"{line}\n{result.stderr}"
            results[line.split()[1] if line.startswith(".venv") else "cp"] = result
            if line.startswith("cp .env.example .env"):
                put_token(tmp_path / ".env", server.base_url)
        # The shipped campaign is 2022's: init says no campaign is open; once `campaign new` made one, invite
        # does not.
        assert "Không có đợt báo cáo nào đang mở" in results["init"].stderr
        assert "Không có đợt báo cáo nào đang mở" not in results["invite"].stderr
        assert (tmp_path / "campaigns" / "nq15-nay.yaml").exists()
        first = results["invite"].stdout.splitlines()[0]
        unit_code, unit_name, link = first.split("\t")
        code = re.fullmatch(r"https://t\.me/\w+\?start=([0-9A-Z-]+)", link)
        assert code is not None, link  # the token reached getMe: a real t.me link, not "/start CODE"
        assert (tmp_path / "invites" / f"{unit_code}.png").exists()

        bot = BotProcess(tmp_path, {})  # only the .env the operator wrote
        bot.start()
        try:
            server.wait_until(lambda: server.calls.count("getUpdates") > 0, timeout=30, description="polling")
            seen = server.sent_count(7001)
            server.send_text(7001, f"/start {code[1]}")
            confirm = server.wait_for_message(7001, seen, timeout=20)
            assert unit_name in confirm["text"] and "xác nhận" in confirm["text"]
            seen = server.sent_count(7001)
            server.press_button(7001, confirm["message_id"], "join:yes")
            server.wait_until(
                lambda: any("Câu 1." in (m["text"] or "") for m in server.messages_since(7001, seen)),
                timeout=20,
                description=f"question 1 (sent: {server.messages_since(7001, seen)})",
            )
            said = "\n".join(m["text"] or "" for m in server.messages_since(7001, seen))
        finally:
            bot.stop()
        assert "đã kết thúc" not in said and "Câu 1." in said
        assert f"hạn báo cáo {deadline}" in said or deadline in said, said
