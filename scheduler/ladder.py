"""The reminder ladder of a campaign: when each step falls due, in local time, outside quiet hours.

Pure functions over the campaign file's `reminders` and deadlines; no database, no clock of their own.

    d7, d3, d1, d0   7, 3, 1 and 0 days before the units' deadline, at `at` (08:00)
    late1, late2 …   every `overdue_every_days` after the deadline, until the campaign closes
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.campaign_spec import CampaignSpec, QuietHours, Reminders
from storage.models import Campaign


@dataclass(frozen=True)
class Step:
    name: str  # stable: it is part of each nudge's unique key
    due: datetime  # aware UTC, already moved out of quiet hours
    deadline_offset: int  # days from the deadline: -7 … 0, then 1, 2 … overdue


def in_quiet_hours(moment: datetime, quiet: QuietHours, timezone: ZoneInfo) -> bool:
    """Whether `moment` (aware) falls in the quiet window, which may span midnight (21:00–07:00)."""
    clock = moment.astimezone(timezone).time()
    if quiet.start <= quiet.end:
        return quiet.start <= clock < quiet.end
    return clock >= quiet.start or clock < quiet.end


def after_quiet_hours(moment: datetime, quiet: QuietHours, timezone: ZoneInfo) -> datetime:
    """`moment` itself, or the end of the quiet window it falls in (aware UTC)."""
    if not in_quiet_hours(moment, quiet, timezone):
        return moment.astimezone(UTC)
    local = moment.astimezone(timezone)
    end = datetime.combine(local.date(), quiet.end, tzinfo=timezone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=timezone)
    return end.astimezone(UTC)


def ladder(reminders: Reminders, report_deadline: date, closes_on: date, timezone: ZoneInfo) -> list[Step]:
    """Every step of the campaign, in time order."""

    def at(day: date, clock: time) -> datetime:
        return after_quiet_hours(datetime.combine(day, clock, tzinfo=timezone), reminders.quiet_hours, timezone)

    steps = [
        Step(f"d{days}", at(report_deadline - timedelta(days=days), reminders.at), -days)
        for days in sorted(reminders.days_before, reverse=True)
    ]
    every = reminders.overdue_every_days
    late = every
    while every and report_deadline + timedelta(days=late) <= closes_on:
        steps.append(Step(f"late{late}", at(report_deadline + timedelta(days=late), reminders.at), late))
        late += every
    return sorted(steps, key=lambda step: step.due)


def campaign_steps(campaign: Campaign, spec: CampaignSpec, timezone: ZoneInfo) -> list[Step]:
    """The ladder of a campaign as loaded: its deadlines from the row, its reminders from the file."""
    return ladder(spec.reminders, campaign.report_deadline, campaign.closes_on, timezone)


def due_step(steps: list[Step], now: datetime) -> Step | None:
    """The latest step that has fallen due: after downtime only it is sent, never the ones it replaced."""
    fallen = [step for step in steps if step.due <= now]
    return fallen[-1] if fallen else None


def next_step(steps: list[Step], now: datetime) -> Step | None:
    return next((step for step in steps if step.due > now), None)
