"""How many Zalo messages a whole report costs: a reporter joins by typing the invite code, answers the shipped
campaign's whole report by typing (numbers for choices, "bỏ qua" to skip) and sends it, through the real Zalo
channel (ZaloChannel.handle_update, in process) against the fake Zalo Bot API (tests/fakes/zalo_api.py), which
counts every sendMessage call. Zalo's free plan allows 3,000 a month.

Usage:
    .venv/bin/python bench/zalo_messages.py
    .venv/bin/python bench/zalo_messages.py --before /tmp/old      # first on an older revision's code:
    # git worktree add /tmp/old 93deae0 (the bench imports bot, storage and tests from that tree)

Prints the messages per step and in all, and per question answered (aim: one per answer, plus two).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.append(str(Path(__file__).resolve().parent.parent))  # run from a checkout (PYTHONPATH wins)

from bot.channels.zalo import Quota, TypedActions, ZaloChannel
from bot.channels.zalo_api import ZaloApi
from bot.engine import Engine
from storage import campaigns, invites, migrate, units
from storage.campaign_spec import CampaignSpec, load_campaign_file
from storage.database import Database
from storage.models import Role
from tests.dialogue import FULL_REPORT
from tests.fakes.zalo_api import FakeZalo

ROOT = Path(campaigns.__file__).resolve().parent.parent  # the tree the code comes from, with its campaign file
CAMPAIGN = ROOT / "campaigns" / "nq15-2022.yaml"
UNITS = ROOT / "examples" / "units-sample.csv"
TOKEN = "1459232241454765289:bench-zalo-token"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2022, 9, 15, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội, five days before the deadline


def typed(spec: CampaignSpec) -> list[str]:
    """FULL_REPORT as a Zalo reporter types it: a pressed choice by its number, a skip as "bỏ qua"."""
    questions = {q.id: q for q in spec.questionnaire}
    steps = []
    for kind, value in FULL_REPORT:
        action, _, rest = value.partition(":")
        if kind == "say":
            steps.append(value)
        elif action == "ans":
            qid, _, choice = rest.partition(":")
            steps.append(str([c.id for c in questions[qid].choices].index(choice) + 1))
        else:
            steps.append("bỏ qua")
    return steps


async def whole_report(workdir: Path) -> list[tuple[str, int]]:
    """(what the reporter typed, messages the bot sent for it), for a whole report."""
    spec = load_campaign_file(CAMPAIGN)
    database = Database(f"sqlite:///{workdir / 'bench.db'}")
    migrate.upgrade(database.engine)
    with database.session() as session:
        campaigns.load_campaign(session, spec=spec)
        units.import_units(session, rows=units.read_units_csv(UNITS), source="sample")
        unit = units.get_unit(session, code="CB-SNV")
        assert unit is not None
        code = invites.create_invite(session, role=Role.reporter, unit_id=unit.id, now=NOW).code
    engine = Engine(database, clock=lambda: NOW, timezone=VN)
    counts: list[tuple[str, int]] = []
    with FakeZalo(token=TOKEN, max_poll=0.2) as server:
        api = ZaloApi(TOKEN, server.base_url)
        channel = ZaloChannel(
            engine, api, quota=Quota(database, timezone=VN, clock=lambda: NOW), actions=TypedActions()
        )
        try:
            for text in [code, "Xác nhận", *typed(spec), "gửi"]:
                before = server.sent_count("u1")
                await channel.handle_update(server.text_update("u1", text))
                counts.append((text, server.sent_count("u1") - before))
        finally:
            await api.close()
            database.dispose()
    return counts


def main() -> None:
    """With `--before PATH`: the same run on the code at PATH (a git worktree of an older revision) first."""
    if len(sys.argv) == 3 and sys.argv[1] == "--before":
        env = {**os.environ, "PYTHONPATH": sys.argv[2]}
        before = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True, check=True)
        print(f"before ({sys.argv[2]}):\n{before.stdout}after (this checkout):")
    with tempfile.TemporaryDirectory() as workdir:
        counts = asyncio.run(whole_report(Path(workdir)))
    for text, sent in counts:
        print(f"{sent:3d}  {text[:40]}")
    total, answers = sum(sent for _, sent in counts), len(FULL_REPORT)
    print(
        f"messages per whole report: {total} (join 2 steps, {answers} answers, send 1; {total / answers:.2f} an answer)"
    )


if __name__ == "__main__":
    main()
