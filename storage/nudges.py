"""The nudge outbox: rows written before anything is sent, drained by the sender, never sent twice.

Every query here covers a whole campaign at once (no query per unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage import reports
from storage.campaigns import WITHOUT_SPEC
from storage.database import dialect_insert
from storage.models import (
    Campaign,
    Notice,
    Nudge,
    NudgeStatus,
    Person,
    PersonState,
    Role,
    Submission,
    SubmissionStatus,
    Unit,
    utcnow,
)

RECENTLY = timedelta(hours=12)  # a unit nudged this recently is not nudged again by another step


@dataclass(frozen=True)
class Outgoing:
    """One nudge to deliver, with what its text needs."""

    nudge_id: int
    step: str
    person_id: int
    channel: str
    chat_id: str
    unit_name: str
    register_members: int
    campaign_id: int
    campaign_title: str
    report_deadline: date
    closes_on: date
    submitted: bool
    draft_answers: dict[str, Any]


@dataclass(frozen=True)
class OutgoingNotice:
    notice_id: int
    person_id: int
    channel: str
    chat_id: str
    text: str


def targets(session: Session, *, campaign_id: int) -> list[tuple[int, int]]:
    """(unit id, person id) of every active reporter of a unit that has not submitted its report."""
    query = select(col(Person.unit_id), col(Person.id)).where(
        Person.role == Role.reporter,
        Person.state == PersonState.active,
        col(Person.unit_id).is_not(None),
        col(Person.unit_id).not_in(reports.reported_units(campaign_id)),
    )
    return [(int(unit or 0), int(person or 0)) for unit, person in session.exec(query).all()]


def reach(session: Session, *, campaign_id: int, now: datetime) -> list[tuple[int, int]]:
    """The targets a new step would write nudges for: not reported, and not nudged in the last hours."""
    recent = select(Nudge.person_id).where(
        Nudge.campaign_id == campaign_id, Nudge.status == NudgeStatus.sent, col(Nudge.sent_at) > now - RECENTLY
    )
    recently_nudged = set(session.exec(recent).all())
    return [
        (unit, person) for unit, person in targets(session, campaign_id=campaign_id) if person not in recently_nudged
    ]


def plan(session: Session, *, campaign_id: int, step: str, due_at: datetime, now: datetime | None = None) -> int:
    """Write the step's nudges (idempotent: the unique key drops repeats) and return how many are new.

    A pending nudge of an earlier step is replaced (skipped), so a unit never gets two at once, and a
    reporter nudged in the last hours (by `/nhac`, say) is not nudged again by this step."""
    now = now or utcnow()
    session.execute(
        update(Nudge)
        .where(col(Nudge.campaign_id) == campaign_id, col(Nudge.status) == NudgeStatus.pending, col(Nudge.step) != step)
        .values(status=NudgeStatus.skipped)
    )
    rows = [
        {
            "campaign_id": campaign_id,
            "unit_id": unit,
            "person_id": person,
            "step": step,
            "due_at": due_at,
            "status": NudgeStatus.pending,
            "attempts": 0,
            "created_at": now,
        }
        for unit, person in reach(session, campaign_id=campaign_id, now=now)
    ]
    if not rows:
        return 0
    statement = (
        dialect_insert(session)(Nudge)
        .on_conflict_do_nothing(index_elements=["campaign_id", "unit_id", "person_id", "step"])
        .returning(col(Nudge.id))  # the rows returned are the new ones (row counts differ between drivers)
    )
    result: Any = session.connection().execute(statement, rows)
    return len(result.all())


def due(session: Session, *, now: datetime, limit: int = 200) -> list[Outgoing]:
    """Pending nudges whose time has come, oldest first, with everything their text needs."""
    query = (  # SQLAlchemy's select: sqlmodel's takes at most four entities
        sa_select(Nudge, Person, Unit, Campaign, Submission)
        .join(Person, col(Person.id) == col(Nudge.person_id))
        .join(Unit, col(Unit.id) == col(Nudge.unit_id))
        .join(Campaign, col(Campaign.id) == col(Nudge.campaign_id))
        .outerjoin(
            Submission,
            and_(col(Submission.unit_id) == col(Nudge.unit_id), col(Submission.campaign_id) == col(Nudge.campaign_id)),
        )
        .where(
            col(Nudge.status) == NudgeStatus.pending,
            col(Nudge.due_at) <= now,
            col(Person.state) == PersonState.active,  # before the limit: a batch is never all skipped rows
        )
        .order_by(col(Nudge.due_at), col(Nudge.id))
        .limit(limit)
        .options(WITHOUT_SPEC)  # 20 kB of JSON a row, unused here
    )
    return [
        Outgoing(
            nudge_id=nudge.id or 0,
            step=nudge.step,
            person_id=person.id or 0,
            channel=person.channel,
            chat_id=person.chat_id,
            unit_name=unit.name,
            register_members=unit.member_count,
            campaign_id=campaign.id or 0,
            campaign_title=campaign.title,
            report_deadline=campaign.report_deadline,
            closes_on=campaign.closes_on,
            submitted=submission is not None and submission.status is SubmissionStatus.submitted,
            draft_answers=dict(submission.draft_answers) if submission is not None else {},
        )
        for nudge, person, unit, campaign, submission in session.execute(query).all()
    ]


def sent_times(session: Session, *, campaign_id: int, unit_id: int) -> list[datetime]:
    """When the unit's nudges in the campaign were sent, oldest first."""
    query = (
        select(Nudge.sent_at)
        .where(Nudge.unit_id == unit_id, Nudge.campaign_id == campaign_id, Nudge.status == NudgeStatus.sent)
        .order_by(col(Nudge.sent_at))
    )
    return [moment for moment in session.exec(query).all() if moment is not None]


def mark(session: Session, *, nudge_id: int, status: NudgeStatus, now: datetime, error: str | None = None) -> None:
    nudge = session.get(Nudge, nudge_id)
    if nudge is None:
        return
    nudge.status = status
    nudge.attempts += 1
    nudge.last_error = error
    if status is NudgeStatus.sent:
        nudge.sent_at = now
    session.add(nudge)


def postpone(session: Session, *, nudge_id: int, until: datetime, error: str) -> None:
    """A failed attempt that may work later: keep it pending, try again at `until`."""
    nudge = session.get(Nudge, nudge_id)
    if nudge is not None:
        nudge.attempts += 1
        nudge.last_error = error[:500]
        nudge.due_at = until
        session.add(nudge)


def mark_unreachable(session: Session, *, person_id: int) -> None:
    """The person blocked the bot: no more sends to them until they write again."""
    person = session.get(Person, person_id)
    if person is not None and person.state is PersonState.active:
        person.state = PersonState.unreachable
        person.updated_at = utcnow()
        session.add(person)
    session.execute(
        update(Nudge)
        .where(col(Nudge.person_id) == person_id, col(Nudge.status) == NudgeStatus.pending)
        .values(status=NudgeStatus.failed, last_error="unreachable")
    )


def add_notice(session: Session, *, campaign_id: int | None, person_id: int, key: str, text: str) -> bool:
    """Write a notice unless this person already has one with this key; True when written."""
    exists = select(Notice.id).where(Notice.person_id == person_id, Notice.key == key)
    if session.exec(exists).first() is not None:
        return False
    session.add(Notice(campaign_id=campaign_id, person_id=person_id, key=key, text=text))
    return True


def due_notices(session: Session, *, limit: int = 100) -> list[OutgoingNotice]:
    query = (
        select(Notice, Person)
        .join(Person, col(Person.id) == col(Notice.person_id))
        .where(Notice.status == NudgeStatus.pending, Person.state == PersonState.active)
        .order_by(col(Notice.id))
        .limit(limit)
    )
    return [
        OutgoingNotice(notice.id or 0, person.id or 0, person.channel, person.chat_id, notice.text)
        for notice, person in session.exec(query).all()
    ]


def mark_notice(
    session: Session, *, notice_id: int, status: NudgeStatus, now: datetime, error: str | None = None
) -> None:
    notice = session.get(Notice, notice_id)
    if notice is not None:
        notice.status, notice.attempts, notice.last_error = status, notice.attempts + 1, error
        notice.sent_at = now if status is NudgeStatus.sent else None
        session.add(notice)
