"""The terminal demo: a fresh database with a campaign dated from today, an invite, and a whole report; the
staff's side (`nqbot demo --staff`) with sample reports, the chart and the exports saved as files."""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import cli, demo
from bot.channels.terminal import TerminalChat
from bot.engine.messages import Attachment, Reply
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


def demo_staff(root: Path, monkeypatch: pytest.MonkeyPatch, typed: list[str], *switches: str) -> str:
    """`nqbot demo --staff` with its data folder under `root`, typing `typed`; what it printed."""
    monkeypatch.setattr(cli, "PROJECT_ROOT", root)
    monkeypatch.delenv("NQBOT_LANGUAGE", raising=False)
    result = CliRunner().invoke(cli.cli, ["demo", "--staff", *switches], input="\n".join(typed) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_staff_shows_the_sample_reports_and_saves_the_chart_and_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    screen = demo_staff(tmp_path, monkeypatch, ["/tinhhinh", "/chuanop", "/donvi Tư pháp", "/thongke", "/xuat"])
    assert "Đồng chí đã được thêm là cán bộ của Ban." in screen  # joined without typing an invite
    assert "Đã báo cáo: 3/22 đơn vị" in screen
    assert "Đang làm dở: 1 đơn vị" in screen
    assert "Đảng viên tham gia: 76/79 đồng chí" in screen  # 22/23, 31/31, 23/25 (members minus exempt)
    waiting = screen.split("Chưa báo cáo")[1].split("> ")[0]
    assert "Chi bộ Sở Nội vụ (CB-SNV)" in waiting and "(CB-STP)" not in waiting
    assert "Người báo cáo: Nguyễn Thị Lan" in screen
    files = tmp_path / "data" / "demo-files"
    saved = {Path(line.split(": ", 1)[1]) for line in screen.splitlines() if line.startswith("📎 Đã lưu tệp: ")}
    assert {path.parent for path in saved} == {files}
    assert sorted(path.suffix for path in saved) == [".docx", ".png", ".xlsx"]
    for path in saved:
        assert path.read_bytes()[:4] in (b"\x89PNG", b"PK\x03\x04")  # a picture, or an Office document (zip)
    assert "nqbot demo --staff --keep" in screen


def test_demo_staff_keep_adds_no_second_set_of_samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    demo_staff(tmp_path, monkeypatch, [])
    again = demo_staff(tmp_path, monkeypatch, ["/tinhhinh"], "--keep")
    assert "Đã báo cáo: 3/22 đơn vị" in again
    assert "Mã mời dành cho cán bộ" not in again  # already staff: no second invite


def test_a_file_is_named_when_the_chat_has_no_folder_for_files(tmp_path: Path) -> None:
    engine = demo.prepare(tmp_path / "demo.db", SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=date.today()).engine
    try:
        chart = Reply("", attachment=Attachment("thongke.png", b"\x89PNG", picture=True))
        assert TerminalChat(engine).shown(chart) == "📎 Tệp thongke.png (không lưu)"
    finally:
        engine.database.dispose()
