"""The demo: a fresh SQLite file with a campaign dated from today, the sample units and an invite.

For the staff's side (`nqbot demo --staff`) a few sample units report through the engine first, as their
reporters would in a chat, so the figures, lists, chart and exports are not empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.channels.terminal import TerminalChat
from bot.engine import Engine, Reply
from storage import campaigns, invites, migrate, people, reports, units
from storage.campaign_spec import CampaignSpec, load_campaign_file
from storage.database import Database
from storage.models import Channel, Role

DEMO_UNIT = "CB-SNV"
STAFF_USER = "demo-staff"


@dataclass(frozen=True)
class SampleReport:
    """One sample unit's answers to the shipped campaign; a draft stops after the attendance figures."""

    unit: str
    reporter: str
    members: int
    exempt: int
    attended: int
    cadres: int
    guests: int
    essays: int
    plan: str  # the action plan's document number once issued; "2" (being drafted) or "3" (none) otherwise
    publicity: str  # the positions of the publicity channels, typed in one message
    posts: int
    absence: str = ""  # the positions of the reasons for absence, when some members missed it (made up since)
    absent_by_reason: tuple[int, ...] = ()  # how many for each reason, when there are several (one takes all)
    submitted: bool = True

    def answers(self) -> list[str]:
        given = ["Xác nhận", "1", "hôm qua", "1", "1", f"Đồng chí {self.reporter}, Bí thư"]
        given += [str(n) for n in (self.members, self.exempt, self.attended)]
        if not self.submitted:
            return given
        given.append(str(self.cadres))
        if self.absence:
            given += [self.absence, *(str(n) for n in self.absent_by_reason), "Có", "hôm nay"]
        given += [str(self.guests), str(self.essays)]
        given += [self.plan] if self.plan in ("2", "3") else ["1", self.plan, "hôm qua"]
        return [*given, self.publicity, str(self.posts), "bỏ qua", "bỏ qua", "bỏ qua", "Gửi báo cáo"]


SAMPLE_REPORTS = (
    SampleReport("CB-STP", "Nguyễn Thị Lan", 24, 1, 22, 4, 3, 22, "07-KH/CB", "1, 3", 2, absence="2"),
    SampleReport("CB-SVH", "Lê Văn Hùng", 31, 0, 31, 5, 0, 31, "2", "2", 1),
    SampleReport(
        "CB-SCT", "Phạm Minh Tuấn", 27, 2, 23, 4, 6, 23, "3", "1, 2", 3, absence="1, 2", absent_by_reason=(1, 1)
    ),
    SampleReport("CB-TTRA", "Hoàng Thu Hà", 22, 0, 20, 0, 0, 0, "", "", 0, submitted=False),
)


@dataclass(frozen=True)
class Demo:
    database: Database
    engine: Engine
    unit_name: str
    invite_code: str
    spec: CampaignSpec


def demo_campaign(source: CampaignSpec, today: date) -> CampaignSpec:
    """The shipped campaign moved to today: resolution two months ago, deadline in a week."""
    resolution = source.resolution.model_copy(update={"date": today - timedelta(days=60)})
    return source.model_copy(
        update={
            "code": "demo",
            "title": source.title + " (demo)",
            "resolution": resolution,
            "report_deadline": today + timedelta(days=7),
            "board_deadline": today + timedelta(days=14),
            "closes_on": today + timedelta(days=21),
        }
    )


def prepare(
    path: Path, campaign_file: Path, units_file: Path, *, today: date, language: str = "vi", keep: bool = False
) -> Demo:
    """Create (or, with `keep`, reuse) the demo database and return what the chat needs."""
    if not keep:
        _remove_database(path)
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    spec = demo_campaign(load_campaign_file(campaign_file), today)
    with database.session() as session:
        campaigns.load_campaign(session, spec=spec, source_file="demo")
        units.import_units(session, rows=units.read_units_csv(units_file), source=str(units_file))
        unit = units.get_unit(session, code=DEMO_UNIT)
        assert unit is not None and unit.id is not None
        new = invites.create_invite(session, role=Role.reporter, unit_id=unit.id, max_uses=5)
    return Demo(database, Engine(database, language=language), unit.name, new.code, spec)


async def report_samples(demo: Demo, samples: tuple[SampleReport, ...] = SAMPLE_REPORTS) -> None:
    """Each sample unit's reporter joins with an invite and answers in a chat, as a real one would (once:
    a kept demo that has them already is left as it is)."""
    for number, sample in enumerate(samples, start=1):
        user = f"sample-{number}"
        with demo.database.session() as session:
            if people.find_person(session, channel=Channel.terminal, user_id=user) is not None:
                continue
            unit = units.get_unit(session, code=sample.unit)
            assert unit is not None and unit.id is not None
            code = invites.create_invite(session, role=Role.reporter, unit_id=unit.id, max_uses=1).code
        chat = TerminalChat(demo.engine, user, display_name=sample.reporter)
        for typed in [f"/start {code}", *sample.answers()]:
            await chat.send(typed)
    with demo.database.session() as session:
        campaign = campaigns.get_campaign(session, code=demo.spec.code)
        assert campaign is not None and campaign.id is not None
        figures = reports.progress(session, campaign_id=campaign.id)
    submitted = sum(sample.submitted for sample in samples)
    if figures.submitted < submitted or figures.submitted + figures.drafts < len(samples):
        raise RuntimeError(f"the sample answers no longer fit the campaign {demo.spec.code!r}: {figures}")


async def join_as_staff(demo: Demo, chat: TerminalChat) -> list[Reply]:
    """The person at the keyboard joins the board's staff (once: a kept demo remembers them)."""
    with demo.database.session() as session:
        if people.find_person(session, channel=Channel.terminal, user_id=chat.user_id) is not None:
            return []
        code = invites.create_invite(session, role=Role.staff, max_uses=1).code
    replies = (await chat.send(f"/start {code}")).replies
    return replies + (await chat.send("Xác nhận")).replies


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
