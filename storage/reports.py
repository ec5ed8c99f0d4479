"""Aggregates over a whole campaign, each one SQL query (no query per unit)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, not_
from sqlmodel import Session, col, func, select

from storage.models import Person, PersonState, Role, Submission, SubmissionStatus, SubmissionVersion, Unit


@dataclass(frozen=True)
class Progress:
    submitted: int  # units with at least one submitted version
    late: int  # of those, units whose first version came after the deadline
    drafts: int  # units with a draft and nothing submitted


def progress(session: Session, *, campaign_id: int) -> Progress:
    submitted = col(Submission.status) == SubmissionStatus.submitted
    query = (
        select(
            func.count(case((submitted, 1))),
            func.count(case((and_(submitted, col(SubmissionVersion.late)), 1))),
            func.count(case((not_(submitted), 1))),
        )
        .select_from(Submission)
        .outerjoin(
            SubmissionVersion,
            and_(col(SubmissionVersion.submission_id) == col(Submission.id), col(SubmissionVersion.version) == 1),
        )
        .where(Submission.campaign_id == campaign_id)
    )
    row = session.exec(query).one()
    return Progress(submitted=int(row[0]), late=int(row[1]), drafts=int(row[2]))


@dataclass(frozen=True)
class MissingUnit:
    """A unit without a submitted report, and the state of its reporters."""

    code: str
    name: str
    active_reporters: int
    unreachable_reporters: int


def missing_units(session: Session, *, campaign_id: int) -> list[MissingUnit]:
    """Every unit that has not submitted, with its reporters counted by state, in one query."""
    reported = select(Submission.unit_id).where(
        Submission.campaign_id == campaign_id, Submission.status == SubmissionStatus.submitted
    )
    reporter = and_(
        col(Person.unit_id) == col(Unit.id),
        col(Person.role) == Role.reporter,
        col(Person.state) != PersonState.revoked,
    )
    query = (
        select(
            Unit.code,
            Unit.name,
            func.count(case((col(Person.state) == PersonState.active, 1))),
            func.count(case((col(Person.state) == PersonState.unreachable, 1))),
        )
        .select_from(Unit)
        .outerjoin(Person, reporter)
        .where(col(Unit.id).not_in(reported))
        .group_by(col(Unit.id), col(Unit.code), col(Unit.name))
        .order_by(col(Unit.code))
    )
    return [
        MissingUnit(code, name, int(active), int(unreachable))
        for code, name, active, unreachable in session.exec(query).all()
    ]
