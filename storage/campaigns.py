"""Campaigns in the database: load (or reload) a validated campaign file, look campaigns up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import bindparam
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, func, select

from storage import audit
from storage.campaign_spec import CampaignSpec, Question
from storage.models import Campaign, QuestionnaireVersion, Submission, SubmissionVersion, utcnow

# Listing campaigns leaves the 20 kB spec column unread; the engine caches each parsed spec.
WITHOUT_SPEC = defer(cast("QueryableAttribute[Any]", Campaign.spec))


# Built once with a parameter: the engine asks for every update.
_OPEN = (
    select(Campaign)
    .where(col(Campaign.closes_on) >= bindparam("today"))
    .order_by(col(Campaign.report_deadline))
    .options(WITHOUT_SPEC)  # loaded only when the caller's cache misses
)


@dataclass(frozen=True)
class LoadResult:
    campaign: Campaign
    created: bool
    questionnaire_version: int
    questionnaire_changed: bool
    answers_on_older_versions: int  # drafts and submitted versions kept under an earlier questionnaire


def load_campaign(
    session: Session, *, spec: CampaignSpec, source_file: str | None = None, actor: str = "cli"
) -> LoadResult:
    """Store a campaign, or update it from an edited file.

    An edited questionnaire becomes a new questionnaire version; stored answers keep the version they
    were given under, so nothing is orphaned or read with another question's meaning.
    """
    campaign = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    fingerprint = spec.questionnaire_fingerprint()
    created = campaign is None
    if campaign is None:
        campaign = Campaign(
            code=spec.code,
            title=spec.title,
            report_deadline=spec.report_deadline,
            board_deadline=spec.board_deadline,
            closes_on=spec.closes_on,
            spec=spec.model_dump(mode="json", by_alias=True),
            source_file=source_file,
        )
        session.add(campaign)
        session.flush()
        changed = True
        version = 1
    else:
        latest = _latest_questionnaire(session, campaign_id=_id(campaign))
        changed = latest is None or latest.fingerprint != fingerprint
        version = (
            campaign.questionnaire_version + 1 if changed and latest is not None else campaign.questionnaire_version
        )
        campaign.title = spec.title
        campaign.report_deadline = spec.report_deadline
        campaign.board_deadline = spec.board_deadline
        campaign.closes_on = spec.closes_on
        campaign.spec = spec.model_dump(mode="json", by_alias=True)
        campaign.source_file = source_file
        campaign.updated_at = utcnow()
    if changed:
        session.add(
            QuestionnaireVersion(
                campaign_id=_id(campaign), version=version, fingerprint=fingerprint, questions=spec.questionnaire_json()
            )
        )
        campaign.questionnaire_version = version
    older = _answers_before(session, campaign_id=_id(campaign), version=version) if changed else 0
    session.add(campaign)
    audit.record(
        session,
        actor=actor,
        action="campaign.load" if created else "campaign.reload",
        entity="campaign",
        entity_id=spec.code,
        questionnaire_version=version,
        source=source_file,
    )
    session.flush()
    return LoadResult(campaign, created, version, changed and not created, older)


def get_campaign(session: Session, *, code: str) -> Campaign | None:
    return session.exec(select(Campaign).where(Campaign.code == code)).first()


def list_campaigns(session: Session) -> list[Campaign]:
    query = select(Campaign).order_by(col(Campaign.report_deadline)).options(WITHOUT_SPEC)
    return list(session.exec(query).all())


def is_open(campaign: Campaign, *, today: date) -> bool:
    """Whether the campaign still takes reports on `today` (local date): what `open_campaigns` selects."""
    return campaign.closes_on >= today


def open_campaigns(session: Session, *, today: date) -> list[Campaign]:
    """Campaigns that still take reports on `today` (local date)."""
    return list(session.execute(_OPEN, {"today": today}).scalars().all())


def questionnaire_at(session: Session, *, campaign_id: int, version: int) -> list[Question]:
    """The questions as they were in `version`, for reading answers given under it."""
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.campaign_id == campaign_id, QuestionnaireVersion.version == version
    )
    row = session.exec(query).one()
    return [Question.model_validate(q) for q in row.questions]


def spec_of(campaign: Campaign) -> CampaignSpec:
    """The campaign's validated file, as stored."""
    return CampaignSpec.model_validate(campaign.spec)


def _latest_questionnaire(session: Session, *, campaign_id: int) -> QuestionnaireVersion | None:
    query = (
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.campaign_id == campaign_id)
        .order_by(col(QuestionnaireVersion.version).desc())
    )
    return session.exec(query).first()


def _answers_before(session: Session, *, campaign_id: int, version: int) -> int:
    versions = (
        select(func.count())
        .select_from(SubmissionVersion)
        .join(Submission)
        .where(Submission.campaign_id == campaign_id, SubmissionVersion.questionnaire_version < version)
    )
    drafts = (
        select(func.count())
        .select_from(Submission)
        .where(Submission.campaign_id == campaign_id, Submission.draft_questionnaire_version < version)
    )
    return int(session.exec(versions).one()) + int(session.exec(drafts).one())


def _id(row: Campaign) -> int:
    assert row.id is not None, "flushed rows have ids"
    return row.id
