"""How fast staff get their answers on a national-size campaign: /tinhhinh, /chuanop, /thongke.

Usage:
    .venv/bin/python bench/staff_commands.py [--units 10000] [--campaigns 5] [--repeat 5]

Builds a SQLite file (made by the migrations) with N units, one reporter each, and C campaigns (the last
one open), each with about 80 % of the units reported (a fifth of them amended, a tenth late) and 5 % in
draft; then times each staff command through the engine (the same path a Telegram update takes, less
the Bot API call) and prints medians. Goal: each command under 200 ms; /thongke (chart included) under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.engine import Engine, Inbound  # noqa: E402
from storage import campaigns, migrate  # noqa: E402
from storage.campaign_spec import load_campaign_file  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.models import Channel, Person, Role, Submission, SubmissionVersion, Unit  # noqa: E402

GOAL_MS, CHART_GOAL_MS = 200, 1000


def build(database: Database, n_units: int, n_campaigns: int, today: date) -> None:
    """Bulk-load units, reporters, campaigns and their submissions (Core inserts, one transaction each)."""
    random.seed(15)
    spec = load_campaign_file(ROOT / "campaigns" / "nq15-2022.yaml")
    now = datetime.now(UTC)
    with database.session() as session:
        session.execute(
            insert(Unit),
            [
                {
                    "code": f"U{i:05d}",
                    "name": f"Chi bộ đơn vị số {i}",
                    "kind": "grassroots_cell",
                    "member_count": random.randint(10, 200),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n_units)
            ],
        )
        session.execute(
            insert(Person),
            [
                {
                    "channel": Channel.telegram,
                    "channel_user_id": str(100_000 + i),
                    "chat_id": str(100_000 + i),
                    "display_name": f"Bí thư {i}",
                    "role": Role.reporter,
                    "unit_id": i + 1,
                    "state": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(n_units)
            ],
        )
        session.add(Person(channel=Channel.telegram, channel_user_id="1", chat_id="1", role=Role.staff))
    for c in range(n_campaigns):
        deadline = today + timedelta(days=3) if c == n_campaigns - 1 else today - timedelta(days=400 - 60 * c)
        moved = spec.model_copy(
            update={
                "code": f"bench-{c}",
                "title": f"Đợt {c + 1}",
                "resolution": spec.resolution.model_copy(update={"date": deadline - timedelta(days=60)}),
                "report_deadline": deadline,
                "board_deadline": deadline + timedelta(days=14),
                "closes_on": deadline + timedelta(days=20),
            }
        )
        with database.session() as session:
            campaign = campaigns.load_campaign(session, spec=moved).campaign
            campaign_id = campaign.id or 0
        submissions, versions = [], []
        for unit in range(1, n_units + 1):
            roll = random.random()
            if roll > 0.85:
                continue
            submitted = roll < 0.80
            first = datetime.combine(deadline, datetime.min.time(), UTC) - timedelta(hours=random.randint(-48, 24 * 14))
            count = (2 if random.random() < 0.2 else 1) if submitted else 0
            total = random.randint(10, 200)
            answers = {
                "held": "self_organised",
                "members_total": total,
                "members_exempt": 0,
                "members_attended": random.randint(total // 2, total),
                "sessions": 1,
            }
            submissions.append(
                {
                    "campaign_id": campaign_id,
                    "unit_id": unit,
                    "status": "submitted" if submitted else "draft",
                    "draft_answers": answers,
                    "draft_questionnaire_version": 1,
                    "latest_version": count,
                    "first_submitted_at": first if submitted else None,
                    "updated_at": now,
                }
            )
            for v in range(1, count + 1):
                versions.append(
                    {
                        "submission_id": len(submissions),
                        "version": v,
                        "answers": answers,
                        "questionnaire_version": 1,
                        "submitted_at": first + timedelta(days=v - 1),
                        "late": first.date() > deadline,
                    }
                )
        with database.session() as session:
            offset = session.connection().exec_driver_sql("SELECT coalesce(max(id), 0) FROM submission").scalar() or 0
            session.execute(insert(Submission), submissions)
            for row in versions:
                row["submission_id"] += offset
            session.execute(insert(SubmissionVersion), versions)


async def timed(engine: Engine, text: str, repeat: int) -> tuple[float, str]:
    times, reply = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        outcome = await engine.handle(Inbound(Channel.telegram, "1", "1", text=text))
        times.append((time.perf_counter() - started) * 1000)
        reply = outcome.replies[0].text
    return statistics.median(times), reply


async def main(n_units: int, n_campaigns: int, repeat: int) -> None:
    from bot import charts
    from storage import reports, units

    with tempfile.TemporaryDirectory(prefix="nqbot-staff-bench-") as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        migrate.upgrade(database.engine)
        started = time.perf_counter()
        build(database, n_units, n_campaigns, date.today())
        print(f"built {n_units:,} units, {n_campaigns} campaigns in {time.perf_counter() - started:.1f} s")
        engine = Engine(database)
        rows = []
        for command in ("/tinhhinh", "/chuanop", "/thongke"):
            median, reply = await timed(engine, command, repeat)
            rows.append((command, median))
            print(f"{command:<10} median {median:7.1f} ms   first line: {reply.splitlines()[0][:70]}")
        with database.session() as session:
            campaign = campaigns.list_campaigns(session)[-1]
            people = reports.attendance(session, campaign_id=campaign.id or 0)
            firsts = reports.first_submissions(session, campaign_id=campaign.id or 0)
            total = units.count_units(session)
        chart_times = []
        for _ in range(repeat):
            started = time.perf_counter()
            charts.progress_chart(
                title="x",
                first_submissions=firsts,
                total_units=total,
                deadline=campaign.report_deadline,
                attendance=people,
                timezone=engine.timezone,
                language="vi",
            )
            chart_times.append((time.perf_counter() - started) * 1000)
        print(f"{'chart only':<10} median {statistics.median(chart_times):7.1f} ms")
        database.dispose()
    figures = [m for c, m in rows if c != "/thongke"]
    verdict = all(m < GOAL_MS for m in figures) and rows[-1][1] < CHART_GOAL_MS
    print(
        f"goal (/tinhhinh and /chuanop < {GOAL_MS} ms, /thongke with its chart < {CHART_GOAL_MS} ms): "
        f"{'met' if verdict else 'NOT met'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--campaigns", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.units, arguments.campaigns, arguments.repeat))
