"""A unit's report during one turn: its draft, the walk over the campaign's questionnaire, its versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot import formatting
from bot.engine import questionnaire as qn
from bot.texts import say
from storage import campaigns, submissions, units
from storage.campaign_spec import CampaignSpec, Question
from storage.models import Campaign, Person, Submission, SubmissionStatus, SubmissionVersion, Unit, UnitKind


def ahead(walk: qn.Walk) -> list[Question]:
    """The questions still ahead on the reporter's path: unanswered, and either applying already or waiting on
    an answer not given yet (a draft stopped at question 4 has every question its first answers open ahead of
    it, not only those whose conditions can be read now)."""
    answered, values = walk.final(), walk.values()
    return [
        q
        for q in walk.questions
        if q.id not in answered and (q.when is None or qn.expression(q.when).evaluate(values) is not False)
    ]


def _register_cells(session: Session, unit: Unit) -> int:
    """The cells of the register reporting through the unit: read for a grassroots committee only (a cell has
    none), so a cell's turn costs no query."""
    if unit.kind is not UnitKind.grassroots_committee or unit.id is None:
        return 0
    return units.affiliated_cells(session, unit_id=unit.id)


class Report:
    """A unit's report in one campaign during one turn: the draft answers and the walk over them."""

    def __init__(
        self,
        session: Session,
        campaign: Campaign,
        spec: CampaignSpec,
        unit: Unit,
        submission: Submission,
        dropped: list[str],
        *,
        today: date,
        now: datetime,
        lang: str,
        person_id: int | None,
    ) -> None:
        self.session = session
        self.campaign = campaign
        self.spec = spec
        self.unit = unit
        self.submission = submission
        self.dropped = dropped
        self.today, self.now, self.lang, self.person_id = today, now, lang, person_id
        self.answers: dict[str, Any] = dict(submission.draft_answers)
        self.closed = today > campaign.closes_on
        context = qn.context(
            spec,
            today=today,
            register_members=unit.member_count,
            unit_kind=unit.kind.value,
            register_cells=_register_cells(session, unit),
        )
        self.walk = qn.Walk(spec.questionnaire, self.answers, context)
        self._by_id = {q.id: q for q in spec.questionnaire}

    @classmethod
    def load(
        cls,
        session: Session,
        campaign: Campaign,
        spec: CampaignSpec,
        unit: Unit,
        submission: Submission,
        *,
        today: date,
        now: datetime,
        lang: str,
        person_id: int | None,
    ) -> Report:
        """The report, its draft first moved to the campaign's current questionnaire when it changed."""
        dropped: list[str] = []
        if submission.draft_questionnaire_version != campaign.questionnaire_version:
            dropped = cls._carry_over(session, campaign, spec, submission)
        return cls(
            session, campaign, spec, unit, submission, dropped, today=today, now=now, lang=lang, person_id=person_id
        )

    @staticmethod
    def _carry_over(session: Session, campaign: Campaign, spec: CampaignSpec, submission: Submission) -> list[str]:
        """Move a draft to the campaign's new questionnaire: answers to questions that kept their id, type and
        choices stay; the others are asked again. Submitted versions keep their own questionnaire version."""
        old = {
            q.id: q
            for q in campaigns.questionnaire_at(
                session, campaign_id=campaign.id or 0, version=submission.draft_questionnaire_version
            )
        }
        kept, dropped = {}, []
        for qid, raw in submission.draft_answers.items():
            new = next((q for q in spec.questionnaire if q.id == qid), None)
            before = old.get(qid)
            same = (
                new is not None
                and before is not None
                and new.type == before.type
                and ({c.id for c in before.choices} <= {c.id for c in new.choices})
            )
            if same:
                kept[qid] = raw
            else:
                dropped.append(qid)
        submissions.move_draft(
            session, submission=submission, answers=kept, questionnaire_version=campaign.questionnaire_version
        )
        return dropped

    def question(self, question_id: str) -> Question | None:
        return self._by_id.get(question_id)

    def save(self) -> None:
        if self.answers != self.submission.draft_answers:
            submissions.save_draft(
                self.session, submission=self.submission, answers=self.answers, person_id=self.person_id, now=self.now
            )

    def latest(self) -> SubmissionVersion | None:
        """The unit's last submitted version, or None before the first."""
        if self.submission.latest_version == 0 or self.submission.id is None:
            return None
        return submissions.get_version(
            self.session, submission_id=self.submission.id, version=self.submission.latest_version
        )

    def sent_already(self, answers: dict[str, Any]) -> tuple[SubmissionVersion, Person | None] | None:
        """The unit's last version and who sent it, when it holds these very answers on this questionnaire:
        sending them would only copy it (another reporter of the unit has just sent them)."""
        if self.submission.status is not SubmissionStatus.submitted or self.submission.id is None:
            return None
        sent = submissions.version_and_sender(
            self.session, submission_id=self.submission.id, version=self.submission.latest_version
        )
        if sent is None:
            return None
        version, _ = sent
        same = version.answers == answers and version.questionnaire_version == self.campaign.questionnaire_version
        return sent if same else None

    def draft_is_latest(self) -> bool:
        latest = self.latest()
        return latest is not None and latest.answers == self.walk.final()  # the values the rules give included

    def intro(self) -> str:
        when = formatting.days_to(self.campaign.report_deadline, self.today, self.lang)
        return say(
            "report.intro",
            self.lang,
            title=self.campaign.title,
            unit=self.unit.name,
            deadline=formatting.day(self.campaign.report_deadline),
            when=when,
        )

    def lines(self, answers: dict[str, Any], questions: list[Question] | None = None) -> list[str]:
        """One line a question: "3. Hình thức: Trực tiếp"; numbered as the summary numbers them."""
        return qn.answer_lines(questions or self.spec.questionnaire, answers, self.lang)
