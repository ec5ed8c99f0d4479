"""The demo: a fresh SQLite file with a campaign dated from today, the sample units and an invite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.engine import Engine
from storage import campaigns, invites, migrate, units
from storage.campaign_spec import CampaignSpec, load_campaign_file
from storage.database import Database
from storage.models import Role

DEMO_UNIT = "CB-SNV"


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


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
