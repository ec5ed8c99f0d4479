"""Aggregates over a whole campaign, each one SQL query (no query per unit)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, not_
from sqlmodel import Session, col, func, select

from storage.models import Submission, SubmissionStatus, SubmissionVersion


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
