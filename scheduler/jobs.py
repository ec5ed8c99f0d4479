"""The scheduler in the bot's process: the ladder's steps, the staff digest, and the outbox drain.

Usage:
    reminders = Reminders(database, sender, timezone=tz)
    await reminders.start()      # jobs from the database; catching up on what fell due runs as a job

Jobs are rebuilt from the database at start and whenever a campaign is loaded or changed (a watch job
compares the open campaigns with what the jobs were built from). Their ids are stable
("step:nq15-2022:d3"), so rebuilding replaces, never duplicates. Every job only writes rows and drains
the outbox, so a job that runs twice, or late, sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from scheduler import digest, ladder
from scheduler.sender import DrainReport, Sender
from storage import campaigns, inbound, nudges, people, reports, units
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, utcnow

logger = logging.getLogger(__name__)

DRAIN_EVERY = timedelta(minutes=1)
KEEP_UPDATES = timedelta(
    days=7
)  # platforms redeliver within a day  # retries, deferred (quiet hours) and /nhac rows go out within this


class Reminders:
    """Plans nudges for the ladder's steps and digests for staff, and drains the outbox."""

    def __init__(
        self,
        database: Database,
        sender: Sender,
        *,
        timezone: ZoneInfo,
        language: str = "vi",
        clock: Callable[[], datetime] = utcnow,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.database = database
        self.sender = sender
        self.timezone = timezone
        self.language = language
        self.clock = clock
        self.scheduler = scheduler or AsyncIOScheduler(timezone=timezone)
        self._built_from: tuple[tuple[int, datetime], ...] = ()

    # --- jobs ---

    async def start(self) -> None:
        await self.rebuild()
        self.scheduler.add_job(
            self.drain,
            IntervalTrigger(seconds=DRAIN_EVERY.total_seconds()),
            id="outbox",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.forget_old_updates,
            IntervalTrigger(hours=24),
            id="inbound-cleanup",
            replace_existing=True,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.watch,
            IntervalTrigger(minutes=1),
            id="campaigns",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        # Catching up may mean a long fan-out: it runs as a job, so start-up (and polling) need not wait.
        self.scheduler.add_job(self.catch_up, id="catch-up", replace_existing=True)
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def watch(self) -> None:
        """Rebuild the jobs when a campaign was loaded, changed, opened or closed."""
        if await self._fingerprint() != self._built_from:
            await self.rebuild()
            await self.catch_up()

    async def rebuild(self) -> None:
        """One job per future step of each open campaign and one daily digest; stale jobs removed."""
        now = self.clock()
        open_now = await self._open_campaigns()
        wanted: set[str] = set()
        for campaign, spec in open_now:
            for step in self.steps(campaign, spec):
                if step.due > now:
                    job_id = f"step:{campaign.code}:{step.name}"
                    wanted.add(job_id)
                    self.scheduler.add_job(
                        self.run_step,
                        DateTrigger(step.due),
                        args=[campaign.id, step.name],
                        id=job_id,
                        replace_existing=True,
                        misfire_grace_time=None,
                    )
            if spec.reminders.digest_at is not None:
                job_id = f"digest:{campaign.code}"
                wanted.add(job_id)
                at = spec.reminders.digest_at
                self.scheduler.add_job(
                    self.send_digest,
                    CronTrigger(hour=at.hour, minute=at.minute, timezone=self.timezone),
                    args=[campaign.id],
                    id=job_id,
                    replace_existing=True,
                    coalesce=True,
                )
        for job in self.scheduler.get_jobs():
            if job.id.startswith(("step:", "digest:")) and job.id not in wanted:
                job.remove()
        self._built_from = tuple((c.id or 0, c.updated_at) for c, _ in open_now)
        logger.info("reminder jobs rebuilt: %d", len(wanted))

    def steps(self, campaign: Campaign, spec: CampaignSpec) -> list[ladder.Step]:
        return ladder.ladder(spec.reminders, campaign.report_deadline, campaign.closes_on, self.timezone)

    # --- what the jobs do ---

    async def catch_up(self) -> DrainReport:
        """At start: plan the latest step of each open campaign that has fallen due (not the ones it
        replaced), then send what is pending."""
        now = self.clock()
        for campaign, spec in await self._open_campaigns():
            step = ladder.due_step(self.steps(campaign, spec), now)
            if step is not None:
                await self.plan(campaign.id or 0, step.name, step.due)
        return await self.drain()

    async def run_step(self, campaign_id: int, step_name: str) -> DrainReport:
        """A step's time has come: write its nudges, then send them."""
        found = await self._campaign(campaign_id)
        if found is not None:
            campaign, spec = found
            step = next((s for s in self.steps(campaign, spec) if s.name == step_name), None)
            if step is not None:
                await self.plan(campaign_id, step.name, step.due)
        return await self.drain()

    async def plan(self, campaign_id: int, step: str, due_at: datetime) -> int:
        now = self.clock()
        written = await self.database.run(
            partial(nudges.plan, campaign_id=campaign_id, step=step, due_at=min(due_at, now), now=now)
        )
        logger.info("campaign %s step %s: %d nudges written", campaign_id, step, written)
        return written

    async def forget_old_updates(self) -> None:
        """Drop the record of updates older than any redelivery (it would grow by one row an update)."""
        before = self.clock() - KEEP_UPDATES
        await self.database.run(partial(inbound.forget_before, before=before))

    async def drain(self) -> DrainReport:
        return await self.sender.drain()

    async def send_digest(self, campaign_id: int) -> DrainReport:
        """Write today's digest for every staff member (once a day each), then send."""
        await self.database.run(partial(self._write_digest, campaign_id=campaign_id))
        return await self.drain()

    def _write_digest(self, session: Session, *, campaign_id: int) -> None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            return
        now = self.clock()
        today = now.astimezone(self.timezone).date()
        upcoming = ladder.next_step(self.steps(campaign, campaigns.spec_of(campaign)), now)
        text = digest.digest_text(
            campaign=campaign,
            progress=reports.progress(session, campaign_id=campaign_id),
            total_units=units.count_units(session),
            missing=reports.missing_units(session, campaign_id=campaign_id),
            next_nudge=upcoming.due if upcoming else None,
            today=today,
            timezone=self.timezone,
            language=self.language,
        )
        for person in people.staff_members(session):
            nudges.add_notice(
                session,
                campaign_id=campaign_id,
                person_id=person.id or 0,
                key=f"digest:{campaign_id}:{today.isoformat()}",
                text=text,
            )

    # --- reading campaigns ---

    async def _open_campaigns(self) -> list[tuple[Campaign, CampaignSpec]]:
        today = self.clock().astimezone(self.timezone).date()

        def load(session: Session) -> list[tuple[Campaign, CampaignSpec]]:
            # The spec column is deferred in the listing; reading it here loads it in this session.
            return [(c, campaigns.spec_of(c)) for c in campaigns.open_campaigns(session, today=today)]

        return await self.database.run(load)

    async def _campaign(self, campaign_id: int) -> tuple[Campaign, CampaignSpec] | None:
        def load(session: Session) -> tuple[Campaign, CampaignSpec] | None:
            campaign = session.get(Campaign, campaign_id)
            return (campaign, campaigns.spec_of(campaign)) if campaign is not None else None

        return await self.database.run(load)

    async def _fingerprint(self) -> tuple[tuple[int, datetime], ...]:
        today = self.clock().astimezone(self.timezone).date()
        rows = await self.database.run(lambda s: campaigns.open_campaigns(s, today=today))
        return tuple((c.id or 0, c.updated_at) for c in rows)
