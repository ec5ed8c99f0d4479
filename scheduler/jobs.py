"""The scheduler in the leading bot process: the ladder's steps and the staff digest.

Usage:
    reminders = Reminders(database, sender, digest=write_digest, timezone=tz)
    await reminders.start()      # jobs from the database; catching up on what fell due runs as a job

Jobs are rebuilt from the database at start and whenever a campaign is loaded or changed (a watch job
compares the open campaigns with what the jobs were built from). Their ids are stable
("step:nq15-2022:d3"), so rebuilding replaces, never duplicates. Every job only writes outbox rows and
wakes the outbox's drain (`sender`, which the bot gives: the scheduler knows no channel and no text), so a
job that runs twice, or late, sends nothing twice; when several steps have fallen due at once (after
downtime, or a clock that jumped), only the latest is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from scheduler import ladder
from storage import campaigns, inbound, nudges
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, utcnow

logger = logging.getLogger(__name__)

KEEP_UPDATES = timedelta(days=7)  # platforms redeliver within a day
R = TypeVar("R", covariant=True)


class Drains(Protocol[R]):
    """The outbox's sender, as the scheduler sees it."""

    def drain(self) -> Awaitable[R]: ...


DigestWriter = Callable[..., None]  # (session, *, campaign_id, now): writes the day's digest notices


class Reminders(Generic[R]):
    """Plans nudges for the ladder's steps and digests for staff, and has the outbox drained."""

    def __init__(
        self,
        database: Database,
        sender: Drains[R],
        *,
        digest: DigestWriter,
        timezone: ZoneInfo,
        language: str = "vi",
        clock: Callable[[], datetime] = utcnow,
        scheduler: AsyncIOScheduler | None = None,
    ) -> None:
        self.database = database
        self.sender = sender
        self.digest = digest
        self.timezone = timezone
        self.language = language
        self.clock = clock
        self.scheduler = scheduler or AsyncIOScheduler(timezone=timezone)
        self._built_from: tuple[tuple[int, datetime], ...] = ()

    # --- jobs ---

    async def start(self) -> None:
        await self.rebuild()
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
        for campaign, spec in open_now:
            self._log_next_step(campaign, spec, now)

    def _log_next_step(self, campaign: Campaign, spec: CampaignSpec, now: datetime) -> None:
        """The operator's answer to "when does the bot remind next?" in the log."""
        coming = [step for step in self.steps(campaign, spec) if step.due > now]
        if coming:
            step = min(coming, key=lambda s: s.due)
            local = step.due.astimezone(self.timezone).strftime("%H:%M %d/%m/%Y")
            logger.info("campaign %s: next reminder step %s due at %s", campaign.code, step.name, local)
        else:
            logger.info("campaign %s: no reminder step left", campaign.code)

    def steps(self, campaign: Campaign, spec: CampaignSpec) -> list[ladder.Step]:
        return ladder.campaign_steps(campaign, spec, self.timezone)

    # --- what the jobs do ---

    async def catch_up(self) -> R:
        """At start: plan the latest step of each open campaign that has fallen due (not the ones it
        replaced), then send what is pending."""
        now = self.clock()
        for campaign, spec in await self._open_campaigns():
            step = ladder.due_step(self.steps(campaign, spec), now)
            if step is not None:
                await self.plan(campaign.id or 0, step.name, step.due)
        return await self.drain()

    async def run_step(self, campaign_id: int, step_name: str) -> R:
        """A step's time has come: write its nudges, then send them; unless a later step has fallen due
        too (the clock jumped, or the process slept), which replaces it."""
        found = await self._campaign(campaign_id)
        if found is not None:
            campaign, spec = found
            latest = ladder.due_step(self.steps(campaign, spec), self.clock())
            if latest is not None and latest.name == step_name:
                await self.plan(campaign_id, latest.name, latest.due)
            elif latest is not None:
                logger.info("campaign %s: step %s replaced by %s, due too", campaign_id, step_name, latest.name)
            self._log_next_step(campaign, spec, self.clock())
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

    async def drain(self) -> R:
        return await self.sender.drain()

    async def send_digest(self, campaign_id: int) -> R:
        """Write today's digest for every staff member (once a day each), then send."""
        await self.database.run(partial(self.digest, campaign_id=campaign_id, now=self.clock()))
        return await self.drain()

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
