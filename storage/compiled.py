"""The compiled report's data: each unit's latest submitted answers, the units not reported, every submitted
version, and the campaign's totals, read in six queries over the whole campaign (never one per unit).

The units that must report are the grassroots organisations (TCCSĐ): grassroots committees and the cells that
report on their own; a cell whose committee reports for it (Unit.reports_through_parent) is listed under its
committee, never counted as a unit. Every list follows the register (register_order, then code).

Answers are read with the questions of the questionnaire version they were given under
(storage.campaigns.questionnaire_at keeps them all), so a reworded question never changes an old answer.
The figures read the questionnaire ids of the shipped campaign (below); a campaign without one of those
questions gets an empty figure, not an error.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from storage import reports
from storage.campaign_spec import CampaignSpec, Question
from storage.campaigns import get_campaign, spec_of
from storage.errors import NqbotError
from storage.models import (
    Channel,
    Person,
    PersonState,
    QuestionnaireVersion,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    Unit,
    UnitKind,
)
from storage.reports import ReporterState
from storage.units import fold

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
ABSENT_COUNT_PREFIX, ABSENT_OTHER_WHAT = "absent_", "absent_other_what"  # "absent_sick": people absent, sick
CELLS_HELD, CELLS_TOTAL = "cells_held", "cells_total"  # a committee's affiliated cells that held it / all
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
    parent_id: int | None = None
    register_order: int | None = None
    reports_through_parent: bool = False  # an affiliated cell its committee reports for: not a unit that reports
    register_cells: int = 0  # a committee's affiliated cells that report through it

    @property
    def order(self) -> tuple[bool, int, str]:
        """The register's order: its line, then the code (units without a line after those with one)."""
        return (self.register_order is None, self.register_order or 0, self.code)


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
        """An integer answer, 0 when not given (a number is stored as itself: no decoding)."""
        raw = self.answers.get(question_id)
        return raw if type(raw) is int and question_id in self.questions else 0


@dataclass(frozen=True)
class ReportedUnit:
    """A unit with a submitted report: its latest version, and how it got there."""

    unit: UnitInfo
    latest: Version
    first_submitted_at: datetime
    late: bool  # the first version came after the deadline
    versions: int

    @cached_property
    def held(self) -> bool:
        """Whether the unit says it held the session (a campaign without the question: it reported)."""
        if HELD not in self.latest.questions:
            return True
        answer = self.latest.value(HELD)
        return answer is not None and answer != NOT_HELD

    @cached_property
    def members_eligible(self) -> int:
        """Members expected at the session: total less those exempt."""
        return max(self.latest.number(MEMBERS_TOTAL) - self.latest.number(MEMBERS_EXEMPT), 0)

    @cached_property
    def absent(self) -> int:
        return max(self.members_eligible - self.latest.number(MEMBERS_ATTENDED), 0)

    @property
    def attendance_rate(self) -> float | None:
        """Attended / eligible as a fraction (0.95), None when nobody was expected."""
        eligible = self.members_eligible
        return self.latest.number(MEMBERS_ATTENDED) / eligible if eligible else None

    @cached_property
    def absent_by_reason(self) -> dict[str, int] | None:
        """Absent members by reason id, in people ({"sick": 2, "business": 1}); {} when nobody was absent.

        None when the unit gave no counts (it answered under a questionnaire without them) or its counts do
        not add up to its absent total: its absent members are then "not stated by reason", never guessed."""
        if not self.absent:
            return {}
        reasons = self.latest.questions.get(ABSENT_REASONS)
        counts = {
            choice.id: value
            for choice in (reasons.choices if reasons else [])
            if (value := _count(self.latest.value(ABSENT_COUNT_PREFIX + choice.id)))
        }
        return counts if counts and sum(counts.values()) == self.absent else None

    @property
    def absent_other_what(self) -> str | None:
        return self.latest.value(ABSENT_OTHER_WHAT) or None

    @property
    def cells_held(self) -> int | None:
        """For a grassroots committee: how many of its affiliated cells held the session (None: not asked)."""
        return _count(self.latest.value(CELLS_HELD))

    @property
    def cells_total(self) -> int | None:
        return _count(self.latest.value(CELLS_TOTAL))

    @property
    def last_session(self) -> date | None:
        """The unit's last session date, None when it gave none."""
        dates = self.latest.value(SESSION_DATES) or []
        return max(dates) if dates else None

    @property
    def presenter_names(self) -> list[str]:
        """The presenters it named, each as presenter_name gives it."""
        return [name for name, _ in self.presenters_named]

    @cached_property
    def presenters_named(self) -> list[tuple[str, str]]:
        """(name, position) of each presenter it named, the name as presenter_name gives it."""
        return [named for part in _presenter_parts(self.latest.value(PRESENTER)) if (named := _presenter(part))[0]]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Before a presenter's name: forms of address and degrees ("đ/c", "đồng chí", "TS.", "PGS.TS"), "ông"/"bà".
_TITLES = {"d/c", "dc", "d.c", "dong chi", "gs", "pgs", "ts", "ths", "tien si", "thac si", "bs", "ds"}
_POLITE = {"ong", "ba"}
_LABEL = re.compile(r"^(?:báo\s+cáo\s+viên|bcv)\s*[:\-–]?\s*", re.IGNORECASE)  # the question's own words typed back
_NAME_END = re.compile(r",|\s[-–—]\s|\(|:")  # the position follows a comma, a dash or is in brackets
_PRESENTERS_SPLIT = re.compile(r"[;\n+]|\s*\b\d+[.)]\s+")  # "A, Bí thư; B, Phó Bí thư", "1. A 2. B"


def _presenter_parts(answer: Any) -> list[str]:
    return [p for p in _PRESENTERS_SPLIT.split(answer) if p.strip()] if isinstance(answer, str) else []


@lru_cache(maxsize=4096)
def _folded(words: str) -> str:
    return fold(words).rstrip(":")


def _strip_titles(text: str) -> str:
    """ "Đ/c: TS. Nguyễn Văn An" → "Nguyễn Văn An" (each leading title, with its dots and colon)."""
    words = text.split()
    while len(words) > 1:
        two, first = _folded(" ".join(words[:2])), _folded(words[0])
        parts = [p for p in first.split(".") if p]  # "pgs.ts" → pgs, ts; "ts." → ts
        polite = first in _POLITE and len(words) > 3  # "Ông Nguyễn Văn An"; "Ông Ích Khiêm" is a name
        if two in _TITLES and len(words) > 2:
            words = words[2:]
        elif polite or first in _TITLES or (parts and all(p in _TITLES for p in parts)):
            words = words[1:]
        else:
            break
    return " ".join(words).lstrip(": ")


def presenter_name(text: str) -> str:
    """A presenter's name in one form: titles dropped, the position after a comma, dash or bracket cut,
    spaces single, each word capitalised ("đ/c  NGUYỄN văn an, Bí thư" → "Nguyễn Văn An")."""
    return _presenter(text)[0]


@lru_cache(maxsize=8192)  # units write the same presenters the same way: each text is read once
def _presenter(text: str) -> tuple[str, str]:
    """(name, position as written) of one presenter's text."""
    text = unicodedata.normalize("NFC", text).strip().lstrip("-•*· ").strip()
    name, *position = _NAME_END.split(_strip_titles(_LABEL.sub("", text)), maxsplit=1)
    name = " ".join(w[:1].upper() + w[1:].lower() for w in name.strip(" .").split())
    return name, " ".join("".join(position).strip(" .)").split())


@dataclass(frozen=True)
class Presenter:
    """One person who presented, however the units wrote the name, and where."""

    name: str
    positions: list[str]  # as the units wrote them, distinct
    units: list[UnitInfo]  # in the register's order


@dataclass(frozen=True)
class Contact:
    """Someone who may report for a unit, and how to reach them."""

    name: str  # Person.display_name
    channel: Channel
    handle: str  # Person.channel_user_id
    state: PersonState  # active or unreachable (revoked people are left out)


@dataclass(frozen=True)
class MissingUnit:
    """A unit without a submitted report, and its reporters' state."""

    unit: UnitInfo
    state: ReporterState
    draft_answers: int
    active_reporters: int
    unreachable_reporters: int
    reporters: tuple[Contact, ...] = ()  # by when they joined


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction, None for 0/0."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Totals:
    """The campaign's figures. Members, sessions and absence count the units that held it; the rest every report.

    Each group accounts for every unit that must report (`units`): held + not_held + missing; disseminated +
    not_disseminated + dissemination_unanswered + missing; the action plans' choices + action_plans_unanswered
    + missing."""

    units: int  # grassroots organisations that must report (committees and the cells that report themselves)
    committees: int
    cells: int
    affiliated_cells: int  # register cells whose committee reports for them (not in `units`)
    register_members: int  # the register's members of `units` (a committee's figure holds its cells')
    reported: int
    late: int  # first version after the units' deadline
    amended: int  # reports changed after the first version
    held: int
    not_held: int
    missing: int
    held_by: Counter[str]  # held choice → units
    members_total: int
    members_exempt: int
    members_eligible: int  # total − exempt: the denominator of the attendance among the units that held it
    members_attended: int
    key_officials: int
    non_members: int
    essays: int
    sessions: int
    video_sites: int
    formats: Counter[str]  # format choice → units
    presenters: int  # distinct people (CompiledReport.presenters)
    units_naming_presenters: int
    absent: int  # people
    units_with_absent: int
    absent_by_reason: Counter[str]  # reason → people
    absent_uncounted: int  # people in units that gave no count by reason
    units_absent_uncounted: int
    absent_reasons: Counter[str]  # reason → units naming it (never to print beside people)
    makeup_units: int
    cells_held: int  # affiliated cells that held it, over the committees that answered
    cells_total: int
    committees_with_cells: int  # committees that gave cells_held/cells_total
    committees_having_cells: int  # committees with cells reporting through them in the register
    action_plans: Counter[str]  # action plan choice → units
    action_plans_unanswered: int  # reported without an answer
    dissemination: Counter[str]  # form → units
    disseminated_units: int
    not_disseminated: int
    dissemination_unanswered: int
    dissemination_items: int
    reported_on_time: int  # first version by the units' deadline
    reported_within_quarter: int  # first version by the end of the deadline's quarter
    held_by_deadline: int  # last session date by the units' deadline
    held_within_quarter: int  # last session date by the end of the deadline's quarter
    quarter: tuple[int, int]  # the deadline's quarter: (3, 2022)
    quarter_end: date

    @property
    def attendance_rate(self) -> float | None:
        """Among the units that held it: attended / (their members − exempt)."""
        return rate(self.members_attended, self.members_eligible)

    @property
    def register_attendance_rate(self) -> float | None:
        """Against the whole register: attended / the register's members of every unit that must report."""
        return rate(self.members_attended, self.register_members)

    @property
    def held_rate(self) -> float | None:
        return rate(self.held, self.units)

    @property
    def action_plans_issued(self) -> int:
        return self.action_plans[ISSUED]


def quarter_of(day: date) -> tuple[tuple[int, int], date]:
    """((quarter, year), its last day): 20/09/2022 → ((3, 2022), 30/09/2022)."""
    quarter = (day.month - 1) // 3 + 1
    month = quarter * 3
    return (quarter, day.year), date(day.year, month, calendar.monthrange(day.year, month)[1])


@dataclass(frozen=True)
class CompiledReport:
    """Everything the export prints, as of `today` (local date)."""

    spec: CampaignSpec
    today: date
    timezone: ZoneInfo
    reported: list[ReportedUnit]  # in the register's order
    missing: list[MissingUnit]  # in the register's order
    versions: list[Version]  # every submitted version, in the register's order then version
    questionnaires: dict[int, list[Question]]  # every questionnaire version
    totals: Totals = field(repr=False)
    affiliated: list[UnitInfo] = field(default_factory=list)  # cells their committee reports for, register order
    presenters: list[Presenter] = field(default_factory=list)  # distinct, in the register's order of first unit

    def cells_of(self, unit_id: int) -> list[UnitInfo]:
        """A committee's affiliated cells that report through it, in the register's order."""
        return [u for u in self.affiliated if u.parent_id == unit_id]

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
    reporting = [u for u in units.values() if not u.reports_through_parent]
    reported = [r for r in _reported(versions) if not r.unit.reports_through_parent]
    reported_ids = {r.unit.id for r in reported}
    missing = _missing(session, campaign_id=campaign.id, units=[u for u in reporting if u.id not in reported_ids])
    presenters = _presenters(reported)
    return CompiledReport(
        spec=spec,
        today=today,
        timezone=timezone,
        reported=reported,
        missing=missing,
        versions=versions,
        questionnaires=questionnaires,
        totals=_totals(spec, timezone, list(units.values()), reported, len(missing), len(presenters)),
        affiliated=[u for u in units.values() if u.reports_through_parent],
        presenters=presenters,
    )


def _questionnaires(session: Session, *, campaign_id: int) -> dict[int, list[Question]]:
    rows = session.exec(
        select(QuestionnaireVersion.version, QuestionnaireVersion.questions).where(
            QuestionnaireVersion.campaign_id == campaign_id
        )
    ).all()
    return {version: [Question.model_validate(q) for q in questions] for version, questions in rows}


def _units(session: Session) -> dict[int, UnitInfo]:
    """Every unit of the register, in its order."""
    query = sa_select(
        col(Unit.id),
        col(Unit.code),
        col(Unit.name),
        col(Unit.kind),
        col(Unit.member_count),
        col(Unit.parent_id),
        col(Unit.register_order),
        col(Unit.reports_through_parent),
    )
    rows = [row for row in session.execute(query).all() if row[0] is not None]
    through = Counter(parent for *_, parent, _order, via_parent in rows if via_parent and parent is not None)
    found = []
    for unit_id, code, name, kind, members, parent, order, via_parent in rows:
        through_parent = bool(via_parent) and parent is not None  # a cell without a parent reports itself
        found.append(UnitInfo(unit_id, code, name, kind, members, parent, order, through_parent, through[unit_id]))
    return {u.id: u for u in sorted(found, key=lambda u: u.order)}


def _versions(
    session: Session, *, campaign_id: int, units: Mapping[int, UnitInfo], questionnaires: Mapping[int, list[Question]]
) -> list[Version]:
    """Every submitted version of the campaign with its sender, in the register's order then version."""
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
    rank = {unit_id: n for n, unit_id in enumerate(units)}  # `units` is in the register's order
    versions.sort(key=lambda v: (rank[v.unit.id], v.version))
    return versions


def _reported(versions: Iterable[Version]) -> list[ReportedUnit]:
    """One entry per unit from its versions (in the register's order, then version)."""
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
    """The units without a submitted report, with their reporters (revoked left out) and their state, in two
    queries (the people of the units not reported; the drafts)."""
    people = (
        sa_select(
            col(Person.unit_id),
            col(Person.display_name),
            col(Person.channel),
            col(Person.channel_user_id),
            col(Person.state),
        )
        .where(
            col(Person.unit_id).not_in(reports.reported_units(campaign_id)),
            col(Person.state) != PersonState.revoked,
        )
        .order_by(col(Person.id))
    )
    contacts: dict[int, list[Contact]] = {}
    for unit_id, name, channel, handle, state in session.execute(people).all():
        contacts.setdefault(unit_id, []).append(Contact(name, channel, handle, state))
    drafts = sa_select(col(Submission.unit_id), col(Submission.draft_answers)).where(
        col(Submission.campaign_id) == campaign_id, col(Submission.status) == SubmissionStatus.draft
    )
    answered = {unit_id: len(answers or {}) for unit_id, answers in session.execute(drafts).all()}
    found = []
    for unit in units:
        reporters = tuple(contacts.get(unit.id, ()))
        active = sum(p.state is PersonState.active for p in reporters)
        unreachable = sum(p.state is PersonState.unreachable for p in reporters)
        state = reports.MissingUnit(unit.code, unit.name, active, unreachable, answered.get(unit.id, 0)).state
        found.append(MissingUnit(unit, state, answered.get(unit.id, 0), active, unreachable, reporters))
    return found


def _presenters(reported: Iterable[ReportedUnit]) -> list[Presenter]:
    """The distinct people the units named as presenters (the same name folded to one), with where they spoke."""
    found: dict[str, tuple[str, list[str], dict[int, UnitInfo]]] = {}
    for report in reported:
        if not report.held:
            continue
        for name, position in report.presenters_named:
            _, positions, units = found.setdefault(name.casefold(), (name, [], {}))
            if position and position.casefold() not in (p.casefold() for p in positions):
                positions.append(position)
            units.setdefault(report.unit.id, report.unit)
    return [Presenter(name, positions, list(units.values())) for name, positions, units in found.values()]


def _totals(
    spec: CampaignSpec,
    timezone: ZoneInfo,
    register: list[UnitInfo],
    reported: list[ReportedUnit],
    missing: int,
    presenters: int,
) -> Totals:
    units = [u for u in register if not u.reports_through_parent]
    held = [r for r in reported if r.held]
    held_by: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    absent_by_reason: Counter[str] = Counter()
    uncounted: list[ReportedUnit] = []
    plans: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    for report in held:
        latest = report.latest
        if (choice := latest.value(HELD)) is not None:
            held_by[choice] += 1
        if (choice := latest.value(FORMAT)) is not None:
            formats[choice] += 1
        reasons.update(latest.value(ABSENT_REASONS) or [])
        if (by_reason := report.absent_by_reason) is None:
            uncounted.append(report)
        else:
            absent_by_reason.update(by_reason)
    for report in reported:
        if (choice := report.latest.value(ACTION_PLAN)) is not None:
            plans[choice] += 1
        forms.update(report.latest.value(DISSEMINATION) or [])
    committees = [r for r in reported if r.cells_held is not None and r.cells_total is not None]
    answered_forms = [r.latest.value(DISSEMINATION) for r in reported]
    quarter, quarter_end = quarter_of(spec.report_deadline)

    def total(question_id: str, among: list[ReportedUnit]) -> int:
        return sum(r.latest.number(question_id) for r in among)

    def held_by_day(day: date) -> int:
        return sum((last := r.last_session) is not None and last <= day for r in held)

    return Totals(
        units=len(units),
        committees=sum(u.kind is UnitKind.grassroots_committee for u in units),
        cells=sum(u.kind is UnitKind.grassroots_cell for u in units),
        affiliated_cells=len(register) - len(units),
        register_members=sum(u.register_members for u in units),
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
        presenters=presenters,
        units_naming_presenters=sum(bool(r.presenter_names) for r in held),
        absent=sum(r.absent for r in held),
        units_with_absent=sum(r.absent > 0 for r in held),
        absent_by_reason=absent_by_reason,
        absent_uncounted=sum(r.absent for r in uncounted),
        units_absent_uncounted=len(uncounted),
        absent_reasons=reasons,
        makeup_units=sum(r.latest.value(MAKEUP) is True for r in held),
        cells_held=sum(r.cells_held or 0 for r in committees),
        cells_total=sum(r.cells_total or 0 for r in committees),
        committees_with_cells=len(committees),
        committees_having_cells=sum(u.register_cells > 0 for u in units),
        action_plans=plans,
        action_plans_unanswered=sum(r.latest.value(ACTION_PLAN) is None for r in reported),
        dissemination=forms,
        disseminated_units=sum(any(f != NO_DISSEMINATION for f in (a or [])) for a in answered_forms),
        not_disseminated=sum(bool(a) and all(f == NO_DISSEMINATION for f in a) for a in answered_forms),
        dissemination_unanswered=sum(not a for a in answered_forms),
        dissemination_items=total(DISSEMINATION_ITEMS, reported),
        reported_on_time=sum(not r.late for r in reported),
        reported_within_quarter=sum(r.first_submitted_at.astimezone(timezone).date() <= quarter_end for r in reported),
        held_by_deadline=held_by_day(spec.report_deadline),
        held_within_quarter=held_by_day(quarter_end),
        quarter=quarter,
        quarter_end=quarter_end,
    )
