"""The terminal demo: a fresh database with a campaign dated from today, an invite, and a whole report."""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta
from pathlib import Path

from bot import demo
from bot.channels.terminal import TerminalChat
from tests.conftest import SAMPLE_UNITS, SHIPPED_CAMPAIGN


async def test_the_demo_walks_a_whole_report_in_the_terminal(tmp_path: Path) -> None:
    today = date.today()
    prepared = demo.prepare(tmp_path / "demo.db", SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=today)
    assert prepared.spec.report_deadline == today + timedelta(days=7)
    typed = deque(
        [
            f"/start {prepared.invite_code}",
            "Xác nhận",
            "1",
            "hôm qua",
            "1",
            "1",
            "Đồng chí Trần Văn Cường, Bí thư",
            "29",
            "0",
            "29",
            "4",
            "0",
            "0",
            "3",
            "1",
            "3",
            "bỏ qua",
            "bỏ qua",
            "bỏ qua",
            "Gửi báo cáo",
        ]
    )
    screen: list[str] = []

    async def read() -> str | None:
        return typed.popleft() if typed else None

    try:
        await TerminalChat(prepared.engine).run(read, screen.append)
    finally:
        prepared.database.dispose()
    text = "\n".join(screen)
    assert "   [Xác nhận]  [Không phải]" in text
    assert "   1. Đã tự tổ chức" in text  # choices are numbered in the terminal
    assert "Tỷ lệ tham gia: 29/29, đạt 100,00%" in text
    assert "Đã gửi báo cáo của Chi bộ Sở Nội vụ (lần 1)" in screen[-1]


async def test_keep_reuses_the_last_demo(tmp_path: Path) -> None:
    first = demo.prepare(tmp_path / "demo.db", SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=date.today())
    await TerminalChat(first.engine, "p").send(f"/start {first.invite_code}")
    first.database.dispose()
    again = demo.prepare(tmp_path / "demo.db", SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=date.today(), keep=True)
    try:
        outcome = await TerminalChat(again.engine, "p").send("Xác nhận")  # the confirm step survived
        assert "Đồng chí đã được ghi nhận là người báo cáo" in outcome.replies[0].text
    finally:
        again.database.dispose()
