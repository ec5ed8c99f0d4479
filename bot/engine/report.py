"""A unit's report during one turn: its draft, the walk over the campaign's questionnaire, its versions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import formatting
from bot.engine import questionnaire as qn
from bot.texts import say
from storage import campaigns, submissions
from storage.campaign_spec import CampaignSpec, Question
from storage.models import Campaign, Submission, SubmissionVersion, Unit

if TYPE_CHECKING:
    from bot.engine.engine import Turn


class Report:
    """A unit's report in one campaign during one turn: the draft answers and the walk over them."""

    def __init__(
        self,
        turn: Turn,
        campaign: Campaign,
        spec: CampaignSpec,
        unit: Unit,
        submission: Submission,
        dropped: list[str],
    ) -> None:
        self.turn = turn
        self.campaign = campaign
        self.spec = spec
        self.unit = unit
        self.submission = submission
        self.dropped = dropped
        self.answers: dict[str, Any] = dict(submission.draft_answers)
        self.closed = turn.today > campaign.closes_on
        context = qn.context(spec, today=turn.today, register_members=unit.member_count)
        self.walk = qn.Walk(spec.questionnaire, self.answers, context)
        self._by_id = {q.id: q for q in spec.questionnaire}

    @classmethod
    def load(cls, turn: Turn, campaign: Campaign, unit_id: int) -> Report:
        session = turn.session
        assert campaign.id is not None
        # Read with the chat, unless the turn has moved to another unit or campaign since (or there is none yet).
        unit, submission = turn.chat.unit, turn.chat.submission
        if unit is None or unit.id != unit_id or submission is None or turn.chat.campaign is not campaign:
            unit, submission = submissions.unit_and_submission(
                session, campaign_id=campaign.id, unit_id=unit_id, questionnaire_version=campaign.questionnaire_version
            )
        spec = turn.engine.spec(campaign)
        dropped: list[str] = []
        if submission.draft_questionnaire_version != campaign.questionnaire_version:
            dropped = cls._carry_over(session, campaign, spec, submission)
        return cls(turn, campaign, spec, unit, submission, dropped)

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
        person = self.turn.person
        if self.answers != self.submission.draft_answers:
            submissions.save_draft(
                self.turn.session,
                submission=self.submission,
                answers=self.answers,
                person_id=person.id if person else None,
                now=self.turn.now,
            )

    def latest(self) -> SubmissionVersion | None:
        """The unit's last submitted version, or None before the first."""
        if self.submission.latest_version == 0 or self.submission.id is None:
            return None
        return submissions.get_version(
            self.turn.session, submission_id=self.submission.id, version=self.submission.latest_version
        )

    def draft_is_latest(self) -> bool:
        latest = self.latest()
        return latest is not None and latest.answers == self.answers

    def intro(self) -> str:
        when = formatting.days_to(self.campaign.report_deadline, self.turn.today, self.turn.lang)
        return say(
            "report.intro",
            self.turn.lang,
            title=self.campaign.title,
            unit=self.unit.name,
            deadline=formatting.day(self.campaign.report_deadline),
            when=when,
        )

    def lines(self, answers: dict[str, Any], questions: list[Question] | None = None) -> list[str]:
        """One line a question: "3. Hình thức: Trực tiếp"; numbered as the summary numbers them."""
        return qn.answer_lines(questions or self.spec.questionnaire, answers, self.turn.lang)
