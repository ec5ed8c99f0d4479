"""How long the compiled report takes to export for a big campaign: 10,000 units, both files.

Usage:
    .venv/bin/python bench/export_report.py [--units 10000] [--repeat 3] [--keep DIR]

Builds a SQLite file (made by the Alembic migrations) with the NQ 15 campaign and `--units` units, one
reporter each; about 88 % of the units have submitted (a tenth of them twice, some late, some not held
yet), the others have a draft, no reporter, or an unreachable one. The answers are random but follow the
questionnaire's rules, with a seed, so every run exports the same campaign. Then it times `export_files`
(read the campaign, write the DOCX and the XLSX) and each step on its own, repeated; the medians of the wall
time and of the process's CPU time are printed (on a busy shared machine the CPU time is the export's own
cost). The goal is under 10 s for both files.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from bot.exports import build_docx, build_xlsx, export_files  # noqa: E402
from storage import campaigns, migrate, units  # noqa: E402
from storage.campaign_spec import load_campaign_file  # noqa: E402
from storage.compiled import compile_report  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.models import (  # noqa: E402
    Campaign,
    Channel,
    Person,
    PersonState,
    Role,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    Unit,
    UnitBase,
    UnitKind,
)

CAMPAIGN = ROOT / "campaigns" / "nq15-2022.yaml"
TODAY = date(2022, 10, 5)
GOAL_SECONDS = 10.0
AGENCIES = [
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Xây dựng",
    "Sở Nội vụ",
    "Sở Giáo dục và Đào tạo",
    "Sở Công Thương",
    "Sở Ngoại vụ",
    "Sở Giao thông vận tải",
    "Sở Khoa học và Công nghệ",
    "Kho bạc Nhà nước",
    "Bệnh viện Đa khoa",
    "Trường Chính trị",
    "Báo tỉnh",
    "Đài Phát thanh và Truyền hình",
]
NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Thị Giang",
    "Đỗ Văn Hải",
    "Bùi Thị Hoa",
    "Đặng Văn Khoa",
    "Ngô Thị Lan",
]
NOTES = {
    "strengths": ["Tổ chức nghiêm túc, đúng kế hoạch.", "Đảng viên tham gia đầy đủ, thảo luận sôi nổi."],
    "weaknesses": ["Thời gian chuẩn bị gấp.", "Một số đảng viên đi công tác dài ngày nên chưa dự đầy đủ."],
    "proposals": ["Đề nghị cung cấp thêm tài liệu hỏi đáp.", "Đề nghị tổ chức học tập trực tuyến cho các điểm cầu."],
}


def unit_rows(count: int, names: list[tuple[str, str, UnitKind, int]] | None = None) -> list[units.UnitRow]:
    """The register: given names, or `count` made-up units (a third of them grassroots committees)."""
    if names is None:
        names = []
        for i in range(count):
            committee = i % 3 == 0
            kind = UnitKind.grassroots_committee if committee else UnitKind.grassroots_cell
            title = f"{'Đảng bộ' if committee else 'Chi bộ'} {AGENCIES[i % len(AGENCIES)]} {i // len(AGENCIES) + 1}"
            names.append((f"U{i:05}", title, kind, 60 + i % 90 if committee else 12 + i % 30))
    return [
        units.UnitRow(
            line=i + 2, unit=UnitBase(code=code, name=name, kind=kind, member_count=members), parent_code=None
        )
        for i, (code, name, kind, members) in enumerate(names)
    ]


def answers(rng: random.Random, register: int) -> dict[str, Any]:
    """One unit's report, random but within the questionnaire's rules (JSON form, as stored)."""
    held = rng.choices(["self_organised", "with_bloc", "not_yet"], [70, 25, 5])[0]
    report: dict[str, Any] = {"held": held}
    if held == "not_yet":
        report |= {"planned_date": "2022-10-12", "not_held_reason": "Chờ hội nghị của chi bộ."}
    else:
        day = date(2022, 9, rng.randint(1, 22))
        total = max(register + rng.randint(-2, 2), 1)
        exempt = rng.randint(0, min(2, total - 1))
        attended = max(total - exempt - rng.choices([0, 1, 2, 3], [50, 25, 15, 10])[0], 0)
        form = rng.choices(["in_person", "online", "hybrid"], [80, 5, 15])[0]
        report |= {
            "session_dates": [day.isoformat()],
            "format": form,
            **({"video_sites": rng.randint(1, 5)} if form != "in_person" else {}),
            "sessions": rng.randint(1, 2),
            "presenter": f"{rng.choice(NAMES)}, Bí thư",
            "members_total": total,
            "members_exempt": exempt,
            "members_attended": attended,
            "key_officials": min(rng.randint(1, 8), attended),
        }
        if attended < total - exempt:
            makeup = rng.random() < 0.6
            report |= {"absent_reasons": rng.sample(["sick", "business", "study", "maternity", "other"], 2)}
            report |= {"makeup": makeup, **({"makeup_date": (day + timedelta(days=3)).isoformat()} if makeup else {})}
        non_members = rng.randint(0, 10)
        report |= {"non_members": non_members, "essays": rng.randint(0, attended + non_members)}
    plan = rng.choices(["issued", "drafting", "not_yet"], [60, 30, 10])[0]
    report["action_plan"] = plan
    if plan == "issued":
        report |= {"action_plan_number": f"{rng.randint(1, 99):02}-KH/CB", "action_plan_date": "2022-09-10"}
    forms = rng.sample(["website", "bulletin", "social_media", "meetings"], rng.randint(1, 3))
    report |= {"dissemination": forms, "dissemination_items": rng.randint(0, 12)}
    for question, texts in NOTES.items():
        if rng.random() < 0.3:
            report[question] = rng.choice(texts)
    return report


def populate(database: Database, rows: list[units.UnitRow], *, seed: int = 15) -> None:
    """The campaign, the units, one reporter each, and their reports, inserted in bulk."""
    rng = random.Random(seed)
    with database.session() as session:
        campaigns.load_campaign(session, spec=load_campaign_file(CAMPAIGN))
        units.import_units(session, rows=rows, source="bench")
    with database.session() as session:
        campaign_id = session.exec(select(Campaign.id)).one()
        ids = dict(session.exec(select(Unit.code, Unit.id)).all())
        people, subs, versions = [], [], []
        for n, row in enumerate(rows):
            unit_id, roll = ids[row.unit.code], rng.random()
            state = PersonState.unreachable if 0.95 < roll < 0.97 else PersonState.active
            if roll < 0.99:  # the last 1 %: nobody enrolled
                people.append(
                    dict(
                        channel=Channel.telegram,
                        channel_user_id=str(n),
                        chat_id=str(n),
                        display_name=rng.choice(NAMES),
                        role=Role.reporter,
                        unit_id=unit_id,
                        state=state,
                    )
                )
            if roll < 0.88:
                report = answers(rng, row.unit.member_count)
                when = datetime(2022, 9, 23 if roll < 0.05 else rng.randint(10, 20), rng.randint(1, 12), tzinfo=UTC)
                count = 2 if rng.random() < 0.1 else 1
                subs.append(
                    dict(
                        id=n + 1,
                        campaign_id=campaign_id,
                        unit_id=unit_id,
                        status=SubmissionStatus.submitted,
                        draft_answers=report,
                        latest_version=count,
                        first_submitted_at=when,
                    )
                )
                for version in range(1, count + 1):
                    versions.append(
                        dict(
                            submission_id=n + 1,
                            version=version,
                            answers=report,
                            questionnaire_version=1,
                            submitted_at=when + timedelta(days=version - 1),
                            submitted_by=len(people),
                            late=when.date() > date(2022, 9, 20),
                        )
                    )
            elif roll < 0.93:
                subs.append(
                    dict(
                        id=n + 1,
                        campaign_id=campaign_id,
                        unit_id=unit_id,
                        status=SubmissionStatus.draft,
                        draft_answers={"held": "self_organised"},
                    )
                )
        for model, values in ((Person, people), (Submission, subs), (SubmissionVersion, versions)):
            if values:
                session.execute(insert(model), values)


def prepare(path: Path, count: int) -> Database:
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    populate(database, unit_rows(count))
    return database


def timed(work: Any, repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of this process for `work()` over `repeat` runs (on a
    shared machine the CPU time is what the export itself costs)."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="leave the exported files in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nqbot-export-") as folder:
        started = time.perf_counter()
        database = prepare(Path(folder) / "bench.sqlite3", args.units)
        print(f"campaign of {args.units:,} units built in {time.perf_counter() - started:.1f} s")
        out = args.keep or Path(folder) / "out"
        code = "nq15-2022"
        with database.session() as session:
            data = compile_report(session, campaign_code=code, today=TODAY)
        t = data.totals
        print(
            f"reported {t.reported:,} (late {t.late:,}, amended {t.amended:,}), versions {len(data.versions):,}, "
            f"not reported {t.missing:,}"
        )

        def read() -> None:
            with database.session() as session:
                compile_report(session, campaign_code=code, today=TODAY)

        steps = {
            "read the campaign (compile_report)": read,
            "build the XLSX": lambda: build_xlsx(data, language="vi", today=TODAY),
            "build the DOCX": lambda: build_docx(data, language="vi", today=TODAY),
            "export_files (read + both files + write)": lambda: export_files(database, code, out, today=TODAY),
        }
        results = {name: timed(work, args.repeat) for name, work in steps.items()}
        for name, (wall, cpu) in results.items():
            print(f"{name:<45} median of {args.repeat}: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
        for path in sorted(out.iterdir()):
            print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB")
        wall, cpu = results["export_files (read + both files + write)"]
        verdict = "met" if wall < GOAL_SECONDS else "NOT met" + (" (CPU time under it)" if cpu < GOAL_SECONDS else "")
        print(f"goal: under {GOAL_SECONDS:.0f} s for both files: {verdict}")
        database.dispose()


if __name__ == "__main__":
    main()
