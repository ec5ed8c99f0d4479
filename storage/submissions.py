"""Submissions: one per unit and campaign; a shared draft, then submitted versions that are never overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import audit
from storage.database import dialect_insert
from storage.models import Person, Submission, SubmissionStatus, SubmissionVersion, Unit, utcnow
from storage.prepared import Prepared


def get_submission(session: Session, *, campaign_id: int, unit_id: int) -> Submission | None:
    return session.exec(_of_unit(campaign_id, unit_id)).first()


def _of_unit(campaign_id: int, unit_id: int) -> Any:
    return select(Submission).where(Submission.campaign_id == campaign_id, Submission.unit_id == unit_id)


def get_or_create_submission(
    session: Session, *, campaign_id: int, unit_id: int, questionnaire_version: int
) -> Submission:
    submission = get_submission(session, campaign_id=campaign_id, unit_id=unit_id)
    if submission is None:
        submission = _new_submission(session, campaign_id, unit_id, questionnaire_version)
    return submission


# Built once with parameters: it runs for every answer a reporter gives.
_UNIT_AND_SUBMISSION = (
    select(Unit, Submission)
    .outerjoin(
        Submission,
        and_(col(Submission.unit_id) == col(Unit.id), col(Submission.campaign_id) == bindparam("campaign_id")),
    )
    .where(col(Unit.id) == bindparam("unit_id"))
)


def unit_and_submission(
    session: Session, *, campaign_id: int, unit_id: int, questionnaire_version: int
) -> tuple[Unit, Submission]:
    """The unit and its submission in the campaign (created empty when missing), in one query."""
    unit, submission = session.execute(_UNIT_AND_SUBMISSION, {"campaign_id": campaign_id, "unit_id": unit_id}).one()
    if submission is None:
        submission = _new_submission(session, campaign_id, unit_id, questionnaire_version)
    return unit, submission


def _new_submission(session: Session, campaign_id: int, unit_id: int, questionnaire_version: int) -> Submission:
    """The unit's empty submission in the campaign, stored now (the draft's answers are written to its row).

    Two reporters of the unit may open its first report at the same moment: the second INSERT then waits for
    the first's commit and does nothing, and the row the first made is read (locked, as `lock_draft`)."""
    values = {"campaign_id": campaign_id, "unit_id": unit_id, "draft_questionnaire_version": questionnaire_version}
    made = session.scalars(
        dialect_insert(session)(Submission)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["campaign_id", "unit_id"])
        .returning(Submission)
    ).first()  # the new row is this transaction's until it commits: nobody else can change it meanwhile
    if made is None:
        made = session.scalars(_for_update(_of_unit(campaign_id, unit_id))).one()
    return made


def lock_draft(session: Session, submission: Submission) -> Submission:
    """Hold the unit's draft until the turn commits, and read it again: what a turn that may change the draft
    reads it with, so two reporters' changes (and submissions) of one unit follow each other instead of
    overwriting each other.

    PostgreSQL: one `SELECT … FOR UPDATE` of the row (`chats.chat_of` cannot lock it: PostgreSQL refuses
    FOR UPDATE on the nullable side of an outer join); a second turn waits here for the first's commit,
    then reads what it wrote. SQLite: nothing to do, its writers take turns already (one file, one writer;
    the bot runs its turns one at a time: storage.database)."""
    if session.get_bind().dialect.name == "sqlite":
        return submission
    if submission not in session or session.is_modified(submission):  # not as read: let the ORM read it anew
        query = select(Submission).where(col(Submission.id) == _id(submission))
        return session.scalars(_for_update(query)).one()
    [row] = _LOCK_DRAFT.rows(session, {"submission_id": _id(submission)})  # the short way: it runs every answer
    submission.__dict__.update(zip(_SUBMISSION_COLUMNS, row, strict=True))  # as stored now: no change to save
    return submission


_SUBMISSION_COLUMNS = [column.name for column in Submission.__table__.columns]  # type: ignore[attr-defined]
_LOCK_DRAFT = Prepared(
    select(*(getattr(Submission, name) for name in _SUBMISSION_COLUMNS))
    .where(col(Submission.id) == bindparam("submission_id"))
    .with_for_update()
)


def _for_update(query: Any) -> Any:
    """The query locking its rows until commit, and replacing the session's copies of them with what it read."""
    return query.with_for_update().execution_options(populate_existing=True)


def save_draft(
    session: Session,
    *,
    submission: Submission,
    answers: dict[str, Any],
    person_id: int | None,
    now: datetime | None = None,
) -> None:
    """Replace the draft's answers: one UPDATE now (it runs for every answer), and the same values on
    `submission` as its stored state, so the session does not write them again."""
    assert submission.id is not None, "submissions are stored when made (get_or_create, unit_and_submission)"
    values = {"draft_answers": dict(answers), "updated_at": now or utcnow(), "updated_by": person_id}
    _SAVE_DRAFT.run(session, {"submission_id": submission.id, **values}).close()
    for name, value in values.items():
        set_committed_value(submission, name, value)


_SAVE_DRAFT = Prepared(
    update(Submission)
    .where(col(Submission.id) == bindparam("submission_id"))
    .values({name: bindparam(name) for name in ("draft_answers", "updated_at", "updated_by")})
)


def move_draft(
    session: Session, *, submission: Submission, answers: dict[str, Any], questionnaire_version: int
) -> None:
    """The draft, moved to another version of the questionnaire with the answers that still fit it."""
    submission.draft_answers = dict(answers)
    submission.draft_questionnaire_version = questionnaire_version
    session.add(submission)


def submit(
    session: Session,
    *,
    submission: Submission,
    answers: dict[str, Any],
    questionnaire_version: int,
    person_id: int | None,
    late: bool,
    now: datetime | None = None,
) -> SubmissionVersion:
    """Keep `answers` as the next submitted version; earlier versions stay as they were."""
    now = now or utcnow()
    submission.latest_version += 1
    submission.status = SubmissionStatus.submitted
    submission.first_submitted_at = submission.first_submitted_at or now
    submission.draft_answers = dict(answers)
    submission.draft_questionnaire_version = questionnaire_version
    submission.updated_at = now
    submission.updated_by = person_id
    version = SubmissionVersion(
        submission_id=_id(submission),
        version=submission.latest_version,
        answers=dict(answers),
        questionnaire_version=questionnaire_version,
        submitted_at=now,
        submitted_by=person_id,
        late=late,
    )
    session.add_all([submission, version])
    audit.record(
        session,
        actor=f"person:{person_id}" if person_id else "cli",
        action="submission.submit",
        entity="submission",
        entity_id=submission.id,
        version=version.version,
        late=late,
    )
    session.flush()
    return version


def get_version(session: Session, *, submission_id: int, version: int) -> SubmissionVersion | None:
    return session.exec(select(SubmissionVersion).where(*_version(submission_id, version))).first()


def version_and_sender(
    session: Session, *, submission_id: int, version: int
) -> tuple[SubmissionVersion, Person | None] | None:
    """One submitted version and the person who sent it (None when sent from the command line)."""
    query = (
        select(SubmissionVersion, Person)
        .outerjoin(Person, col(Person.id) == col(SubmissionVersion.submitted_by))
        .where(*_version(submission_id, version))
    )
    row = session.exec(query).first()
    return None if row is None else (row[0], row[1])


def _version(submission_id: int, version: int) -> tuple[Any, ...]:
    return (col(SubmissionVersion.submission_id) == submission_id, col(SubmissionVersion.version) == version)


def list_versions(session: Session, *, submission_id: int) -> list[SubmissionVersion]:
    query = (
        select(SubmissionVersion)
        .where(SubmissionVersion.submission_id == submission_id)
        .order_by(col(SubmissionVersion.version))
    )
    return list(session.exec(query).all())


def _id(submission: Submission) -> int:
    assert submission.id is not None
    return submission.id
