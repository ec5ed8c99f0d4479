"""The conversation engine: one inbound event in, what to say out.

Usage:
    engine = Engine(database, clock=clock, timezone=ZoneInfo("Asia/Ho_Chi_Minh"))
    outcome = engine.handle(Inbound(Channel.telegram, "42", "42", text="/baocao"))

Each event is one database transaction: the conversation's step, the unit's draft and any submitted
version are written together, so stopping the process at any moment loses nothing and a restart resumes
at the same question. No Telegram or Zalo types here; channels render the Replies. The dialogue itself is in dialogue.py
(dispatch and the report flow), turn.py (what every feature shares), enrolment.py and staff.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import invite_links
from bot.engine.dialogue import Dialogue
from bot.engine.messages import TYPED, Inbound, Outcome, markup_of, merge, rendered
from storage import campaigns, outbox
from storage.campaign_spec import CampaignSpec
from storage.database import Database
from storage.models import Campaign, Channel, utcnow

logger = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TYPED_LIMIT = 2000  # characters (UTF-16 units) of one message there: Zalo's limit
MESSAGE_LIMIT = 4096  # UTF-16 units of one Telegram message


class Engine:
    """Turns inbound events into replies, keeping every state in the database."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime] = utcnow,
        timezone: ZoneInfo = VIETNAM,
        language: str = "vi",
    ) -> None:
        self.database = database
        self.clock = clock
        self.timezone = timezone
        self.language = language
        self.bot_username: str | None = None  # set by the channel once it knows it (for t.me invite links)
        self.channels: set[Channel] = set()  # the channels this process serves, set by the app
        self.outbox: set[Channel] = set()  # channels whose replies go through the outbox (each channel adds itself)
        self._specs: dict[tuple[int, datetime], CampaignSpec] = {}

    async def handle(self, event: Inbound) -> Outcome:
        """Answer one event in one transaction (storage.database.Database.run); then render heavy files
        (charts, exports) from the data it read, in a thread, after the transaction has ended."""
        outcome = await self.database.run(partial(self._turn, event=event), autoflush=False)
        return await rendered(outcome)

    def _turn(self, session: Session, *, event: Inbound) -> Outcome:
        """The dialogue's answer; on a channel with an outbox, its replies (all but files) are written there in
        the same transaction, so an answer stored is never left without its reply."""
        turn = Dialogue(self, session, event)
        outcome = turn.run()
        if event.channel in self.outbox:
            texts = [reply for reply in outcome.replies if reply.attachment is None]
            if event.channel in TYPED:  # each message counts: one per turn when it fits
                texts = merge(texts, TYPED_LIMIT)
            else:  # one notification per answer ("Đã ghi: …" and the next question together), not two
                texts = merge(texts, MESSAGE_LIMIT, keyboards=False)
            ids = outbox.add_replies(
                session,
                channel=event.channel,
                chat_id=event.chat_id,
                person_id=turn.person.id if turn.person is not None else None,
                messages=[(reply.text, markup_of(reply)) for reply in texts],
                now=turn.now,
            )
            outcome.queued = list(zip(ids, texts, strict=True))
        return outcome

    def invite_link(self, code: str) -> str:
        """A link that opens the bot with the code, or the bare code to type after /start."""
        return invite_links.link(self.bot_username, code)

    def spec(self, campaign: Campaign) -> CampaignSpec:
        """The campaign's parsed file, cached until the campaign is reloaded."""
        key = (campaign.id or 0, campaign.updated_at)
        if key not in self._specs:
            self._specs[key] = campaigns.spec_of(campaign)
        return self._specs[key]
