"""Shared fixtures: a fresh in-memory database per test, the shipped campaign, the sample units."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from bot.engine import Engine
from storage import campaigns, units
from storage.campaign_spec import CampaignSpec, load_campaign_file
from storage.database import Database
from storage.models import Campaign
from tests.dialogue import Clock

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CAMPAIGN = ROOT / "campaigns" / "nq15-2022.yaml"
SAMPLE_UNITS = ROOT / "examples" / "units-sample.csv"


@pytest.fixture
def database() -> Iterator[Database]:
    """An empty database with every table: in-memory SQLite, or the server NQBOT_TEST_DATABASE_URL names
    (e.g. postgresql://nqbot:nqbot@127.0.0.1/nqbot, to run the same tests on PostgreSQL)."""
    db = Database(os.environ.get("NQBOT_TEST_DATABASE_URL", "sqlite://"))
    SQLModel.metadata.drop_all(db.engine)
    SQLModel.metadata.create_all(db.engine)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def nq15() -> CampaignSpec:
    return load_campaign_file(SHIPPED_CAMPAIGN)


@pytest.fixture
def loaded(database: Database, nq15: CampaignSpec) -> Campaign:
    """The database with the NQ 15 campaign and the sample units in it; returns the campaign."""
    with database.session() as session:
        result = campaigns.load_campaign(session, spec=nq15)
        units.import_units(session, rows=units.read_units_csv(SAMPLE_UNITS), source="sample")
    return result.campaign


@pytest.fixture
def clock() -> Clock:
    """The engine's clock: 15/09/2022 08:00 in Hà Nội, five days before NQ 15's deadline (tests move it)."""
    return Clock()


@pytest.fixture
def engine(database: Database, loaded: Campaign, clock: Clock) -> Engine:
    """An engine on the loaded database, reading the test's clock."""
    return Engine(database, clock=clock)
