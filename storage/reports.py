"""Aggregates over a whole campaign, each one SQL query (no query per unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, not_
from sqlmodel import Session, col, func, select

from storage.models import Person, PersonState, Submission, SubmissionStatus, SubmissionVersion, Unit
from storage.units import REGISTER_ORDER


@dataclass(frozen=True)
class Progress:
    submitted: int  # units with at least one submitted version
    late: int  # of those, units whose first version came after the deadline
    drafts: int  # units with a draft and nothing submitted


def progress(session: Session, *, campaign_id: int) -> Progress:
    """The units asked to report (storage.units.count_units counts them): reported, late, with a draft."""
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
        .where(Submission.campaign_id == campaign_id, col(Submission.unit_id).not_in(units_reported_by_parent()))
    )
    row = session.exec(query).one()
    return Progress(submitted=int(row[0]), late=int(row[1]), drafts=int(row[2]))


class ReporterState(StrEnum):
    """Where a unit without a submitted report stands."""

    none = "none"  # nobody enrolled: it cannot be nudged
    enrolled = "enrolled"  # a reporter joined; no answer yet
    draft = "draft"  # a reporter joined and a draft has answers
    unreachable = "unreachable"  # every reporter blocked the bot


@dataclass(frozen=True)
class MissingUnit:
    """A unit without a submitted report, and the state of its reporters."""

    code: str
    name: str
    active_reporters: int
    unreachable_reporters: int
    draft_answers: int = 0  # answers in the unit's draft, when it has one

    @property
    def state(self) -> ReporterState:
        if self.active_reporters:
            return ReporterState.draft if self.draft_answers else ReporterState.enrolled
        return ReporterState.unreachable if self.unreachable_reporters else ReporterState.none


def reported_units(campaign_id: int) -> Any:
    """A subquery: the ids of the units that have submitted their report in the campaign."""
    return select(Submission.unit_id).where(
        Submission.campaign_id == campaign_id, Submission.status == SubmissionStatus.submitted
    )


def units_reported_by_parent() -> Any:
    """A subquery: the ids of the cells whose grassroots committee reports for them (not asked to report)."""
    return select(Unit.id).where(col(Unit.reports_through_parent).is_(True))


def missing_units(session: Session, *, campaign_id: int) -> list[MissingUnit]:
    """Every unit asked to report that has not submitted, with its reporters counted by state, in one query
    (in the register's order)."""
    reported = reported_units(campaign_id)
    reporter = and_(
        col(Person.unit_id) == col(Unit.id),  # the unit's reporters, board staff among them
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
        .where(col(Unit.id).not_in(reported), col(Unit.reports_through_parent).is_(False))
        .group_by(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.register_order))
        .order_by(*REGISTER_ORDER)
    )
    drafts = (
        select(Unit.code, Submission.draft_answers)
        .join(Submission, col(Submission.unit_id) == col(Unit.id))
        .where(Submission.campaign_id == campaign_id, Submission.status == SubmissionStatus.draft)
    )
    answered = {code: len(answers or {}) for code, answers in session.exec(drafts).all()}
    return [
        MissingUnit(code, name, int(active), int(unreachable), answered.get(code, 0))
        for code, name, active, unreachable in session.exec(query).all()
    ]


# The questionnaire ids the board's attendance figures read (the default questionnaire's names).
ATTENDED, TOTAL, EXEMPT = "members_attended", "members_total", "members_exempt"


@dataclass(frozen=True)
class UnitAttendance:
    unit: str
    attended: int
    expected: int  # members minus those exempt


def attendance(session: Session, *, campaign_id: int) -> list[UnitAttendance]:
    """Attendance of every unit that reported a held session, from its latest version, in one query."""
    answers = col(SubmissionVersion.answers)
    query = (
        select(
            Unit.name,
            answers[ATTENDED].as_integer(),
            answers[TOTAL].as_integer(),
            answers[EXEMPT].as_integer(),
        )
        .select_from(Submission)
        .join(
            SubmissionVersion,
            and_(
                col(SubmissionVersion.submission_id) == col(Submission.id),
                col(SubmissionVersion.version) == col(Submission.latest_version),
            ),
        )
        .join(Unit, col(Unit.id) == col(Submission.unit_id))
        .where(Submission.campaign_id == campaign_id, Submission.status == SubmissionStatus.submitted)
        .order_by(col(Unit.code))
    )
    return [
        UnitAttendance(name, int(attended), max(int(total) - int(exempt or 0), 0))  # as compiled.py counts it
        for name, attended, total, exempt in session.exec(query).all()
        if attended is not None and total is not None
    ]


def first_submissions(session: Session, *, campaign_id: int) -> list[datetime]:
    """When each unit first submitted, in time order (the progress curve)."""
    query = (
        select(Submission.first_submitted_at)
        .where(Submission.campaign_id == campaign_id, col(Submission.first_submitted_at).is_not(None))
        .order_by(col(Submission.first_submitted_at))
    )
    return [moment for moment in session.exec(query).all() if moment is not None]
