"""The staff digest: progress, who is missing, who cannot be nudged, and the next reminder.

Usage:
    reminders = Reminders(database, sender, digest=partial(write_digest, timezone=tz, language="vi"))
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import formatting
from bot.texts import say
from scheduler import ladder
from storage import campaigns, outbox, people, reports, units
from storage.models import Campaign
from storage.reports import MissingUnit, Progress, ReporterState

LISTED = 30  # names shown per list; the rest are counted


def names(units: list[MissingUnit], language: str) -> str:
    shown = ", ".join(unit.name for unit in units[:LISTED])
    if len(units) > LISTED:
        return say("digest.more", language, shown=shown, more=len(units) - LISTED)
    return shown


def digest_text(
    *,
    campaign: Campaign,
    progress: Progress,
    total_units: int,
    missing: list[MissingUnit],
    next_nudge: datetime | None,
    today: date,
    timezone: ZoneInfo,
    language: str,
) -> str:
    when = formatting.days_to(campaign.report_deadline, today, language)
    lines = [
        say("digest.heading", language, title=campaign.title, date=formatting.day(today)),
        say(
            "digest.progress",
            language,
            reported=formatting.number(progress.submitted),
            total=formatting.number(total_units),
            late=progress.late,
            deadline=formatting.day(campaign.report_deadline),
            when=when,
        ),
    ]
    if not missing:
        lines.append(say("digest.all_done", language))
    no_reporter = [u for u in missing if u.state is ReporterState.none]
    unreachable = [u for u in missing if u.state is ReporterState.unreachable]
    if missing:
        lines.append(say("digest.missing", language, count=len(missing), units=names(missing, language)))
    if no_reporter:
        lines.append(say("digest.no_reporter", language, count=len(no_reporter), units=names(no_reporter, language)))
    if unreachable:
        lines.append(say("digest.unreachable", language, count=len(unreachable), units=names(unreachable, language)))
    if next_nudge is not None and missing:
        lines.append(say("digest.next", language, at=formatting.moment(next_nudge.astimezone(timezone), language)))
    elif missing:
        lines.append(say("digest.no_next", language))
    return "\n".join(lines)


def write_digest(session: Session, *, campaign_id: int, now: datetime, timezone: ZoneInfo, language: str) -> None:
    """Write today's digest of the campaign to every staff member (once a day each) in the outbox."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return
    today = now.astimezone(timezone).date()
    upcoming = ladder.next_step(ladder.campaign_steps(campaign, campaigns.spec_of(campaign), timezone), now)
    text = digest_text(
        campaign=campaign,
        progress=reports.progress(session, campaign_id=campaign_id),
        total_units=units.count_units(session),
        missing=reports.missing_units(session, campaign_id=campaign_id),
        next_nudge=upcoming.due if upcoming else None,
        today=today,
        timezone=timezone,
        language=language,
    )
    for person in people.staff_members(session):
        outbox.add_notice(
            session,
            person=person,
            campaign_id=campaign_id,
            key=f"digest:{campaign_id}:{today.isoformat()}",
            text=text,
            now=now,
        )
