"""`nqbot run` as a real process for end-to-end tests, with only the settings a test gives it.

Usage:
    bot = BotProcess(tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.base_url, ...})
    bot.start(); ...; bot.kill(); bot.start(); ...; bot.stop(); print(bot.output())

Its log goes to a file, not a pipe: a pipe nobody reads fills up and stalls the bot.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

SETTINGS = ("TELEGRAM_", "ZALO_", "DATABASE_", "NQBOT_", "WEBHOOK_")  # left out of the inherited environment


def free_port() -> int:
    """A port free on 127.0.0.1 now (for a webhook server the bot is to start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    def __init__(self, workdir: Path, env: Mapping[str, str]) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)} | dict(env)
        self.log_path = workdir / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, *options: str, **env: str) -> None:
        """Start `python -m bot run [options]`, with `env` added to the settings given at construction."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *options],
            cwd=self.workdir,
            env=self.env | env,
            stdout=self._log,
            stderr=self._log,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close()

    def stop(self) -> int | None:
        """SIGINT (Ctrl-C) if it still runs; its exit code."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
            try:
                code = self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close()
        return code

    def output(self) -> str:
        """Everything every run logged."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _close(self) -> None:
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def wait_for(condition: Callable[[], bool], timeout: float, description: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{description}: not within {timeout}s")
        time.sleep(0.05)
