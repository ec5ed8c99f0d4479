"""One turn: the state an inbound event is handled with, and what every feature of the dialogue shares.

The features (enrolment.py, staff.py, and the report flow in dialogue.py) work on a `Turn`; the dialogue
(dialogue.py) dispatches the event to them. Imports go one way: engine → dialogue → features → turn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.engine.messages import TYPED, Inbound, Outcome, Reply
from bot.engine.report import Report
from bot.texts import TEXTS, say
from storage import campaigns, chats, submissions
from storage.campaign_spec import CampaignSpec
from storage.models import Campaign, Channel, Person, Role, Unit


class Host(Protocol):
    """What a turn uses of the engine that runs it (bot.engine.engine.Engine)."""

    language: str
    clock: Callable[[], datetime]
    timezone: ZoneInfo
    bot_username: str | None
    channels: set[Channel]

    def spec(self, campaign: Campaign) -> CampaignSpec: ...

    def invite_link(self, code: str) -> str: ...


class Turn:
    """One event's handling: the person, their conversation, and (when reporting) the unit's draft."""

    def __init__(self, engine: Host, session: Session, event: Inbound) -> None:
        self.engine = engine
        self.session = session
        self.event = event
        self.lang = engine.language
        self.now = engine.clock()
        self.today = self.now.astimezone(engine.timezone).date()
        self.person: Person | None = None
        self.chat: chats.Chat
        self.conversation: chats.ConversationState
        self._report: Report | None = None

    def t(self, key: str, **params: Any) -> str:
        """The catalog text `key`; on a channel without buttons its ".typed" variant when there is one (a hint
        that says what to type instead of what to press)."""
        if self.event.channel in TYPED and f"{key}.typed" in TEXTS:
            key = f"{key}.typed"
        return say(key, self.lang, **params)

    def reply(self, key: str, **params: Any) -> Outcome:
        return Outcome([Reply(self.t(key, **params))])

    def is_reporter(self) -> bool:
        """Reports for a unit (board staff can too: storage.people)."""
        return self.person is not None and self.person.unit_id is not None

    @property
    def actor(self) -> str:
        """Who did it, for the audit trail."""
        return f"person:{self.person.id}" if self.person is not None else "unknown"

    def is_staff(self) -> bool:
        return self.person is not None and self.person.role in (Role.staff, Role.admin)

    def is_admin(self) -> bool:
        return self.person is not None and self.person.role is Role.admin

    def help_text(self) -> str:
        """The commands of what the person is: a reporter, board staff, or both."""
        if self.person is None:
            return self.t("help.stranger")
        reporter, board = self.t("help.reporter_commands"), self.t("help.staff_commands")
        if self.is_reporter() and self.is_staff():
            unit = self.session.get(Unit, self.person.unit_id)
            return self.t("help.both", unit=unit.name if unit else "?", reporter=reporter, staff=board)
        if self.is_staff():
            return self.t("help.staff", commands=board)
        return self.t("help.reporter", commands=reporter)

    def menu(self) -> str:
        """The chat's command menu: "reporter", "staff" or "both" (bot.channels.telegram.set_menu)."""
        if self.is_staff():
            return "both" if self.is_reporter() else "staff"
        return "reporter"

    def not_a_reporter(self) -> Outcome:
        return self.reply("reporter.only" if self.person else "start.stranger")

    def stale(self) -> Outcome:
        outcome = Outcome(notice=self.t("button.stale"))
        outcome.replies.append(Reply(self.t("button.stale_hint")))
        return outcome

    def report(self, *, to_change: bool = True) -> Report | None:
        """The unit's report in the chat's campaign (loaded once per turn), or None when there is none.

        The draft is shared by the unit's reporters: a turn that may change it (`to_change`, the first call
        decides) holds it until its end (storage.submissions.lock_draft), so another reporter's turn waits."""
        if self._report is None and self.person is not None and self.person.unit_id is not None:
            campaign = self.current_campaign()
            if campaign is not None:
                self._report = self._load_report(campaign, self.person.unit_id, to_change)
        return self._report

    def current_campaign(self) -> Campaign | None:
        """The open campaign this chat works on; with none open, the last one closed (to view or refuse)."""
        worked_on = self.chat.campaign  # read with the chat: most turns need no other query
        if (
            worked_on is not None
            and worked_on.id == self.conversation.campaign_id
            and campaigns.is_open(worked_on, today=self.today)
        ):
            return worked_on
        open_now = campaigns.open_campaigns(self.session, today=self.today)
        chosen = next((c for c in open_now if c.id == self.conversation.campaign_id), None)
        if chosen is None and len(open_now) == 1:
            chosen = open_now[0]
        if chosen is None and not open_now:
            closed = sorted(campaigns.list_campaigns(self.session), key=lambda c: c.closes_on)
            chosen = closed[-1] if closed else None
        if chosen is not None:
            self.conversation.campaign_id = chosen.id
        return chosen

    def forget_report(self) -> None:
        """The person or campaign changed: the next report() loads the report anew."""
        self._report = None

    def _load_report(self, campaign: Campaign, unit_id: int, to_change: bool) -> Report:
        assert campaign.id is not None
        # Read with the chat, unless the turn has moved to another unit or campaign since (or there is none yet).
        unit, submission = self.chat.unit, self.chat.submission
        if unit is None or unit.id != unit_id or submission is None or self.chat.campaign is not campaign:
            unit, submission = submissions.unit_and_submission(
                self.session,
                campaign_id=campaign.id,
                unit_id=unit_id,
                questionnaire_version=campaign.questionnaire_version,
            )
        if to_change:
            submission = submissions.lock_draft(self.session, submission)
        return Report.load(
            self.session,
            campaign,
            self.engine.spec(campaign),
            unit,
            submission,
            today=self.today,
            now=self.now,
            lang=self.lang,
            person_id=self.person.id if self.person is not None else None,
        )

    def open_report(self) -> Outcome:
        """Start or resume the unit's report (/baocao): the dialogue implements it."""
        raise NotImplementedError
