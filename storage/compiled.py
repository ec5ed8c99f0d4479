"""The compiled report's data: each unit's latest submitted answers, the units not reported, every submitted
version, and the campaign's totals, read in six queries over the whole campaign (never one per unit).

Answers are read with the questions of the questionnaire version they were given under
(storage.campaigns.questionnaire_at keeps them all), so a reworded question never changes an old answer.
The figures read the questionnaire ids of the shipped campaign (below); a campaign without one of those
questions gets an empty figure, not an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage import reports
from storage.campaign_spec import CampaignSpec, Question
from storage.campaigns import get_campaign, spec_of
from storage.errors import NqbotError
from storage.models import (
    Person,
    QuestionnaireVersion,
    Submission,
    SubmissionVersion,
    Unit,
    UnitKind,
)
from storage.reports import ReporterState

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# The questionnaire ids (and choice ids) the figures read.
HELD, NOT_HELD = "held", "not_yet"
PLANNED_DATE, NOT_HELD_REASON = "planned_date", "not_held_reason"
SESSION_DATES, FORMAT, VIDEO_SITES, SESSIONS, PRESENTER = (
    "session_dates",
    "format",
    "video_sites",
    "sessions",
    "presenter",
)
MEMBERS_TOTAL, MEMBERS_EXEMPT, MEMBERS_ATTENDED = reports.TOTAL, reports.EXEMPT, reports.ATTENDED
KEY_OFFICIALS, NON_MEMBERS, ESSAYS = "key_officials", "non_members", "essays"
ABSENT_REASONS, MAKEUP, MAKEUP_DATE = "absent_reasons", "makeup", "makeup_date"
ACTION_PLAN, ISSUED, ACTION_PLAN_NUMBER, ACTION_PLAN_DATE = (
    "action_plan",
    "issued",
    "action_plan_number",
    "action_plan_date",
)
DISSEMINATION, NO_DISSEMINATION, DISSEMINATION_ITEMS = "dissemination", "none", "dissemination_items"


class UnknownCampaign(NqbotError):
    """No campaign has the code asked for."""


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: UnitKind
    register_members: int


@dataclass(frozen=True)
class Version:
    """One submitted version of a unit's report, with the questions it was answered under."""

    unit: UnitInfo
    version: int
    questionnaire_version: int
    submitted_at: datetime  # aware UTC
    late: bool
    sender: str  # the reporter's display name; "" when sent from the command line
    answers: Mapping[str, Any]  # JSON, as stored
    questions: Mapping[str, Question]

    def value(self, question_id: str) -> Any:
        """The answer as a Python value (dates as dates), or None when not given."""
        question = self.questions.get(question_id)
        raw = self.answers.get(question_id)
        return None if question is None else question.decode(raw)

    def number(self, question_id: str) -> int:
        value = self.value(question_id)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class ReportedUnit:
    """A unit with a submitted report: its latest version, and how it got there."""

    unit: UnitInfo
    latest: Version
    first_submitted_at: datetime
    late: bool  # the first version came after the deadline
    versions: int

    @property
    def held(self) -> bool:
        """Whether the unit says it held the session (a campaign without the question: it reported)."""
        if HELD not in self.latest.questions:
            return True
        answer = self.latest.value(HELD)
        return answer is not None and answer != NOT_HELD

    @property
    def members_eligible(self) -> int:
        """Members expected at the session: total less those exempt."""
        return max(self.latest.number(MEMBERS_TOTAL) - self.latest.number(MEMBERS_EXEMPT), 0)

    @property
    def absent(self) -> int:
        return max(self.members_eligible - self.latest.number(MEMBERS_ATTENDED), 0)

    @property
    def attendance_rate(self) -> float | None:
        """Attended / eligible as a fraction (0.95), None when nobody was expected."""
        eligible = self.members_eligible
        return self.latest.number(MEMBERS_ATTENDED) / eligible if eligible else None


@dataclass(frozen=True)
class MissingUnit:
    """A unit without a submitted report, and its reporters' state."""

    unit: UnitInfo
    state: ReporterState
    draft_answers: int
    active_reporters: int
    unreachable_reporters: int


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction, None for 0/0."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Totals:
    """The campaign's figures. Members and sessions count the units that held it; the rest every report."""

    units: int  # in the register
    reported: int
    late: int
    amended: int  # reports changed after the first version
    held: int
    not_held: int
    missing: int
    held_by: Counter[str]  # held choice → units
    members_total: int
    members_exempt: int
    members_eligible: int
    members_attended: int
    key_officials: int
    non_members: int
    essays: int
    sessions: int
    video_sites: int
    formats: Counter[str]  # format choice → units
    absent: int
    units_with_absent: int
    absent_reasons: Counter[str]  # reason → units
    makeup_units: int
    action_plans: Counter[str]  # action plan choice → units
    dissemination: Counter[str]  # form → units
    disseminated_units: int
    dissemination_items: int

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.members_attended, self.members_eligible)

    @property
    def held_rate(self) -> float | None:
        return rate(self.held, self.units)

    @property
    def action_plans_issued(self) -> int:
        return self.action_plans[ISSUED]


@dataclass(frozen=True)
class CompiledReport:
    """Everything the export prints, as of `today` (local date)."""

    spec: CampaignSpec
    today: date
    timezone: ZoneInfo
    reported: list[ReportedUnit]  # by unit code
    missing: list[MissingUnit]  # by unit code
    versions: list[Version]  # every submitted version, by unit code then version
    questionnaires: dict[int, list[Question]]  # every questionnaire version
    totals: Totals = field(repr=False)

    @property
    def in_progress(self) -> bool:
        """Units may still report or change their report (the export then says "tính đến ngày …")."""
        return self.today <= self.spec.closes_on

    @property
    def not_held(self) -> list[ReportedUnit]:
        return [r for r in self.reported if not r.held]

    @property
    def held(self) -> list[ReportedUnit]:
        return [r for r in self.reported if r.held]

    @cached_property
    def all_questions(self) -> list[Question]:
        """Every question any version asked, in the current order, then those since removed (latest wording)."""
        seen: dict[str, Question] = {}
        for version in sorted(self.questionnaires, reverse=True):
            for question in self.questionnaires[version]:
                seen.setdefault(question.id, question)
        current = [q.id for q in self.spec.questionnaire]
        return [seen[i] for i in current if i in seen] + [q for i, q in seen.items() if i not in current]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.all_questions if q.id == question_id), None)

    def choice_label(self, question_id: str, choice_id: str, language: str) -> str:
        """A choice's label in the latest questionnaire that has it, or its id."""
        for version in sorted(self.questionnaires, reverse=True):
            for question in self.questionnaires[version]:
                if question.id == question_id and any(c.id == choice_id for c in question.choices):
                    return question.choice_label(choice_id, language)
        return choice_id

    def ordered(self, question_id: str, counts: Counter[str]) -> list[tuple[str, int]]:
        """(choice id, count) in the order the questionnaire lists the choices, unknown ones after."""
        question = self.question(question_id)
        order = [c.id for c in question.choices] if question else []
        known = [(c, counts[c]) for c in order if counts[c]]
        return known + sorted((c, n) for c, n in counts.items() if c not in order and n)


def compile_report(
    session: Session, *, campaign_code: str, today: date, timezone: ZoneInfo = VIETNAM
) -> CompiledReport:
    """Read the whole campaign and compute its figures."""
    campaign = get_campaign(session, code=campaign_code)
    if campaign is None or campaign.id is None:
        raise UnknownCampaign(f"no campaign with the code {campaign_code!r}")
    spec = spec_of(campaign)
    questionnaires = _questionnaires(session, campaign_id=campaign.id)
    units = _units(session)
    versions = _versions(session, campaign_id=campaign.id, units=units, questionnaires=questionnaires)
    reported = _reported(versions)
    reported_ids = {r.unit.id for r in reported}
    missing = _missing(session, campaign_id=campaign.id, units=[u for u in units.values() if u.id not in reported_ids])
    return CompiledReport(
        spec=spec,
        today=today,
        timezone=timezone,
        reported=reported,
        missing=missing,
        versions=versions,
        questionnaires=questionnaires,
        totals=_totals(len(units), reported, len(missing)),
    )


def _questionnaires(session: Session, *, campaign_id: int) -> dict[int, list[Question]]:
    rows = session.exec(
        select(QuestionnaireVersion.version, QuestionnaireVersion.questions).where(
            QuestionnaireVersion.campaign_id == campaign_id
        )
    ).all()
    return {version: [Question.model_validate(q) for q in questions] for version, questions in rows}


def _units(session: Session) -> dict[int, UnitInfo]:
    query = sa_select(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.member_count)).order_by(
        col(Unit.code)
    )
    return {
        unit_id: UnitInfo(unit_id, code, name, kind, members)
        for unit_id, code, name, kind, members in session.execute(query).all()
        if unit_id is not None
    }


def _versions(
    session: Session, *, campaign_id: int, units: Mapping[int, UnitInfo], questionnaires: Mapping[int, list[Question]]
) -> list[Version]:
    """Every submitted version of the campaign with its sender, by unit code then version."""
    query = (
        sa_select(  # SQLAlchemy's select: sqlmodel's takes at most four columns
            col(Submission.unit_id),
            col(SubmissionVersion.version),
            col(SubmissionVersion.questionnaire_version),
            col(SubmissionVersion.submitted_at),
            col(SubmissionVersion.late),
            col(Person.display_name),
            col(SubmissionVersion.submitted_by),
            col(SubmissionVersion.answers),
        )
        .select_from(SubmissionVersion)
        .join(Submission, col(Submission.id) == col(SubmissionVersion.submission_id))
        .outerjoin(Person, col(Person.id) == col(SubmissionVersion.submitted_by))
        .where(col(Submission.campaign_id) == campaign_id)
    )
    by_version = {v: {q.id: q for q in questions} for v, questions in questionnaires.items()}
    versions = [
        Version(
            unit=units[unit_id],
            version=number,
            questionnaire_version=questionnaire,
            submitted_at=submitted_at,
            late=late,
            sender=name or (f"#{person_id}" if person_id is not None else ""),
            answers=answers,
            questions=by_version.get(questionnaire, {}),
        )
        for unit_id, number, questionnaire, submitted_at, late, name, person_id, answers in session.execute(query).all()
    ]
    versions.sort(key=lambda v: (v.unit.code, v.version))
    return versions


def _reported(versions: Iterable[Version]) -> list[ReportedUnit]:
    """One entry per unit from its versions (sorted by unit, then version)."""
    by_unit: dict[int, list[Version]] = {}
    for version in versions:
        by_unit.setdefault(version.unit.id, []).append(version)
    return [
        ReportedUnit(
            unit=vs[-1].unit, latest=vs[-1], first_submitted_at=vs[0].submitted_at, late=vs[0].late, versions=len(vs)
        )
        for vs in by_unit.values()
    ]


def _missing(session: Session, *, campaign_id: int, units: list[UnitInfo]) -> list[MissingUnit]:
    """The units without a submitted report, with their reporters' state (storage.reports.missing_units)."""
    found = {m.code: m for m in reports.missing_units(session, campaign_id=campaign_id)}
    return [
        MissingUnit(unit, m.state, m.draft_answers, m.active_reporters, m.unreachable_reporters)
        for unit in units
        if (m := found.get(unit.code)) is not None
    ]


def _totals(units: int, reported: list[ReportedUnit], missing: int) -> Totals:
    held = [r for r in reported if r.held]
    held_by: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    plans: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    for report in held:
        latest = report.latest
        if (choice := latest.value(HELD)) is not None:
            held_by[choice] += 1
        if (choice := latest.value(FORMAT)) is not None:
            formats[choice] += 1
        reasons.update(latest.value(ABSENT_REASONS) or [])
    for report in reported:
        if (choice := report.latest.value(ACTION_PLAN)) is not None:
            plans[choice] += 1
        forms.update(report.latest.value(DISSEMINATION) or [])

    def total(question_id: str, among: list[ReportedUnit]) -> int:
        return sum(r.latest.number(question_id) for r in among)

    return Totals(
        units=units,
        reported=len(reported),
        late=sum(r.late for r in reported),
        amended=sum(r.versions > 1 for r in reported),
        held=len(held),
        not_held=len(reported) - len(held),
        missing=missing,
        held_by=held_by,
        members_total=total(MEMBERS_TOTAL, held),
        members_exempt=total(MEMBERS_EXEMPT, held),
        members_eligible=sum(r.members_eligible for r in held),
        members_attended=total(MEMBERS_ATTENDED, held),
        key_officials=total(KEY_OFFICIALS, held),
        non_members=total(NON_MEMBERS, held),
        essays=total(ESSAYS, held),
        sessions=total(SESSIONS, held),
        video_sites=total(VIDEO_SITES, held),
        formats=formats,
        absent=sum(r.absent for r in held),
        units_with_absent=sum(r.absent > 0 for r in held),
        absent_reasons=reasons,
        makeup_units=sum(r.latest.value(MAKEUP) is True for r in held),
        action_plans=plans,
        dissemination=forms,
        disseminated_units=sum(
            any(f != NO_DISSEMINATION for f in (r.latest.value(DISSEMINATION) or [])) for r in reported
        ),
        dissemination_items=total(DISSEMINATION_ITEMS, reported),
    )
