"""The nudge outbox: one row per reminder, written before anything is sent, rendered when it is sent.

A sender claims rows before sending them (status sending, one UPDATE … RETURNING, FOR UPDATE SKIP LOCKED
on PostgreSQL) and settles each right after the platform answered; a new step or a staff /nhac never
writes a second nudge for a person whose nudge is on its way out. Every query covers a whole campaign at
once (no query per unit).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage import outbox, reports
from storage.campaigns import WITHOUT_SPEC
from storage.database import dialect_insert
from storage.models import (
    Campaign,
    Channel,
    Nudge,
    NudgeStatus,
    OutboxMessage,
    Person,
    PersonState,
    Submission,
    SubmissionStatus,
    Unit,
    utcnow,
)
from storage.outbox import LEASE

UNREACHABLE = "unreachable"  # the last_error of messages failed because their person cannot be reached
FAILING_FOR = timedelta(days=3)  # sends failing this long to one person (and not to others) mark them unreachable
RECENTLY = timedelta(hours=12)  # a unit nudged this recently is not nudged again by another step
JUST_NOW = timedelta(minutes=30)  # nor by a staff /nhac this soon after the last one (a double press)


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
    unit_kind: str
    register_cells: int  # the register's cells reporting through the unit (a grassroots committee)
    campaign_id: int
    campaign_title: str
    report_deadline: date
    closes_on: date
    submitted: bool
    draft_answers: dict[str, Any]


def targets(session: Session, *, campaign_id: int) -> list[tuple[int, int]]:
    """(unit id, person id) of every active reporter of a unit that has not submitted its report (and is asked
    to: a cell whose grassroots committee reports for it is not)."""
    query = select(col(Person.unit_id), col(Person.id)).where(
        Person.state == PersonState.active,
        col(Person.unit_id).is_not(None),  # a reporter (board staff too when they report for a unit)
        col(Person.unit_id).not_in(reports.reported_units(campaign_id)),
        col(Person.unit_id).not_in(reports.units_reported_by_parent()),
    )
    return [(int(unit or 0), int(person or 0)) for unit, person in session.exec(query).all()]


def reach(session: Session, *, campaign_id: int, now: datetime, manual: bool = False) -> list[tuple[int, int]]:
    """The targets a new step would write nudges for: not reported, no nudge of theirs on its way out, and
    not nudged in the last hours (a ladder step), or in the last minutes (`manual`, a staff /nhac: a new
    reminder, but never a double press)."""
    since = now - (JUST_NOW if manual else RECENTLY)
    busy = select(Nudge.person_id).where(
        Nudge.campaign_id == campaign_id,
        or_(
            col(Nudge.status) == NudgeStatus.sending,
            and_(col(Nudge.status) == NudgeStatus.sent, col(Nudge.sent_at) > since),
        ),
    )
    skip = set(session.exec(busy).all())
    return [(unit, person) for unit, person in targets(session, campaign_id=campaign_id) if person not in skip]


def reminded_since(session: Session, *, campaign_id: int, since: datetime) -> dict[int, datetime]:
    """When each person was last sent a nudge of the campaign since `since`."""
    query = (
        select(col(Nudge.person_id), func.max(Nudge.sent_at))
        .where(Nudge.campaign_id == campaign_id, Nudge.status == NudgeStatus.sent, col(Nudge.sent_at) >= since)
        .group_by(col(Nudge.person_id))
    )
    return {int(person): last for person, last in session.exec(query).all() if last is not None}


def plan(
    session: Session,
    *,
    campaign_id: int,
    step: str,
    due_at: datetime,
    now: datetime | None = None,
    manual: bool = False,
) -> int:
    """Write the step's nudges (idempotent: the unique key drops repeats) and return how many are new.

    A pending nudge of an earlier step is replaced (skipped), so a unit never gets two at once; a nudge a
    sender has claimed goes out, and its person gets no other (see `reach`)."""
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
        for unit, person in reach(session, campaign_id=campaign_id, now=now, manual=manual)
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


SEND_NOW = "-now"  # the end of a /nhac step staff chose to send in quiet hours


def claim(
    session: Session,
    *,
    now: datetime,
    channels: Collection[str],
    quiet_campaigns: Collection[int] = (),
    limit: int = 20,
    exclude: Collection[int] = (),
) -> list[Outgoing]:
    """Take up to `limit` nudges due now (pending, or claimed by a sender that died) to reachable people on
    `channels`, oldest first, outside campaigns in quiet hours; with everything their text needs."""
    if not channels:
        return []
    free = or_(  # a step writes its rows when it falls due: a pending row is due, whatever the wall clock says
        col(Nudge.status) == NudgeStatus.pending,
        and_(col(Nudge.status) == NudgeStatus.sending, col(Nudge.claimed_at) < now - LEASE),
    )
    reachable = select(col(Person.id)).where(
        col(Person.state) == PersonState.active, col(Person.channel).in_([Channel(c) for c in channels])
    )
    chosen = (
        sa_select(col(Nudge.id))
        .where(free, col(Nudge.person_id).in_(reachable))
        .order_by(col(Nudge.due_at), col(Nudge.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if quiet_campaigns:  # held until the quiet hours end, but for reminders staff chose to send now
        chosen = chosen.where(
            or_(col(Nudge.campaign_id).not_in(list(quiet_campaigns)), col(Nudge.step).endswith(SEND_NOW))
        )
    if exclude:  # tried in this drain already
        chosen = chosen.where(col(Nudge.id).not_in(list(exclude)))
    claimed = (
        update(Nudge)
        .where(col(Nudge.id).in_(chosen.scalar_subquery()))
        .values(status=NudgeStatus.sending, claimed_at=now, attempts=col(Nudge.attempts) + 1)
        .returning(col(Nudge.id))
    )
    ids = [int(row[0]) for row in session.execute(claimed).all()]
    return _outgoing(session, ids) if ids else []


def campaigns_waiting(session: Session) -> list[int]:
    """The campaigns that have nudges waiting to be sent."""
    query = select(col(Nudge.campaign_id)).where(col(Nudge.status) == NudgeStatus.pending).distinct()
    return [int(campaign) for campaign in session.exec(query).all()]


def pending_count(session: Session, *, campaign_ids: Collection[int]) -> int:
    """How many nudges of these campaigns wait to be sent."""
    query = select(func.count()).where(
        col(Nudge.status) == NudgeStatus.pending, col(Nudge.campaign_id).in_(list(campaign_ids))
    )
    return int(session.exec(query).one())


def _outgoing(session: Session, ids: list[int]) -> list[Outgoing]:
    cell = aliased(Unit)
    cells = (
        sa_select(func.count())
        .where(col(cell.parent_id) == col(Unit.id), col(cell.reports_through_parent).is_(True))
        .correlate(Unit)
        .scalar_subquery()
    )
    query = (  # SQLAlchemy's select: sqlmodel's takes at most four entities
        sa_select(Nudge, Person, Unit, Campaign, Submission, cells)
        .join(Person, col(Person.id) == col(Nudge.person_id))
        .join(Unit, col(Unit.id) == col(Nudge.unit_id))
        .join(Campaign, col(Campaign.id) == col(Nudge.campaign_id))
        .outerjoin(
            Submission,
            and_(col(Submission.unit_id) == col(Nudge.unit_id), col(Submission.campaign_id) == col(Nudge.campaign_id)),
        )
        .where(col(Nudge.id).in_(ids))
        .order_by(col(Nudge.due_at), col(Nudge.id))
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
            unit_kind=unit.kind.value,
            register_cells=int(register_cells),
            campaign_id=campaign.id or 0,
            campaign_title=campaign.title,
            report_deadline=campaign.report_deadline,
            closes_on=campaign.closes_on,
            submitted=submission is not None and submission.status is SubmissionStatus.submitted,
            draft_answers=dict(submission.draft_answers) if submission is not None else {},
        )
        for nudge, person, unit, campaign, submission, register_cells in session.execute(query).all()
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
    """Settle a claimed nudge (sent, skipped, failed); a nudge no longer claimed is left as it is."""
    values: dict[str, Any] = {"status": status, "last_error": error, "claimed_at": None}
    if status is NudgeStatus.sent:
        values["sent_at"] = now
    session.execute(
        update(Nudge).where(col(Nudge.id) == nudge_id, col(Nudge.status) == NudgeStatus.sending).values(**values)
    )


def free_claims(session: Session) -> int:
    """Every claimed nudge back to pending: the leader that claimed them is gone (only a leader claims
    nudges). How many there were."""
    result: Any = session.execute(
        update(Nudge)
        .where(col(Nudge.status) == NudgeStatus.sending)
        .values(status=NudgeStatus.pending, claimed_at=None)
    )
    return int(result.rowcount or 0)


def release(session: Session, *, nudge_id: int, error: str) -> None:
    """A failed attempt that may work later: pending again, for the next drain."""
    session.execute(
        update(Nudge)
        .where(col(Nudge.id) == nudge_id, col(Nudge.status) == NudgeStatus.sending)
        .values(status=NudgeStatus.pending, claimed_at=None, last_error=error[:500])
    )


def mark_unreachable(session: Session, *, person_id: int, now: datetime | None = None) -> None:
    """The person cannot be reached (blocked the bot, or days of failing sends): no more sends to them until
    they write again; their waiting nudges and messages are failed (as "unreachable", unless a failed attempt
    left its own reason)."""
    person = session.get(Person, person_id)
    if person is not None and person.state is PersonState.active:
        person.state = PersonState.unreachable
        person.updated_at = now or utcnow()
        session.add(person)
    session.execute(
        update(Nudge)
        .where(col(Nudge.person_id) == person_id, col(Nudge.status) == NudgeStatus.pending)
        .values(status=NudgeStatus.failed, last_error=func.coalesce(col(Nudge.last_error), UNREACHABLE))
    )
    outbox.fail_pending(session, person_id=person_id, error=UNREACHABLE)


@dataclass(frozen=True)
class Failing:
    """Sends to one person that have failed since the last one delivered: since when, and the latest reason."""

    since: datetime
    last_error: str


def failing(session: Session, *, person_id: int) -> Failing | None:
    """Whether sends to the person fail: the first failure after the last message delivered to them, or None.

    A message's first attempt is taken as when it was written (a reply, a notice: sent at once) or fell due (a
    nudge); a message counts once an attempt failed (it has a last error), whether it waits, was given up or was
    replaced by a later step. Messages failed because the person was already unreachable do not count."""
    delivered = [
        session.exec(
            select(func.max(table.sent_at)).where(table.person_id == person_id, table.status == NudgeStatus.sent)
        ).one()
        for table in (OutboxMessage, Nudge)
    ]
    last_sent = max((at for at in delivered if at is not None), default=None)
    found: list[tuple[datetime, str]] = []
    for table, first_try in ((OutboxMessage, col(OutboxMessage.created_at)), (Nudge, col(Nudge.due_at))):
        query = sa_select(first_try, col(table.last_error)).where(
            col(table.person_id) == person_id,
            col(table.status) != NudgeStatus.sent,
            col(table.last_error).is_not(None),
            col(table.last_error) != UNREACHABLE,
        )
        if last_sent is not None:
            query = query.where(first_try > last_sent)
        found += [(at, error or "") for at, error in session.execute(query).all()]
    if not found:
        return None
    return Failing(since=min(found)[0], last_error=max(found)[1])


def give_up_if_failing(session: Session, *, person_id: int, now: datetime) -> bool:
    """After a failed send: mark the person unreachable when sends to them have failed for `FAILING_FOR` while
    their channel delivered to someone else meanwhile (a channel that fails for everyone marks nobody).
    True when marked. For channels that cannot tell a blocked bot (Zalo documents no such error)."""
    person = session.get(Person, person_id)
    if person is None or person.state is not PersonState.active:
        return False
    trouble = failing(session, person_id=person_id)
    if trouble is None or now - trouble.since < FAILING_FOR:
        return False
    if not _delivered_since(session, channel=person.channel, since=trouble.since, other_than=person_id):
        return False
    mark_unreachable(session, person_id=person_id, now=now)
    return True


def _delivered_since(session: Session, *, channel: Channel, since: datetime, other_than: int) -> bool:
    """Whether the channel delivered anything to someone else after `since`."""
    others = select(col(Person.id)).where(col(Person.channel) == channel, col(Person.id) != other_than)
    for table in (OutboxMessage, Nudge):
        query = (
            select(table.id)
            .where(col(table.person_id).in_(others), table.status == NudgeStatus.sent, col(table.sent_at) > since)
            .limit(1)
        )
        if session.exec(query).first() is not None:
            return True
    return False
