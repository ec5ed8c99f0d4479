"""Staff commands of the engine. `/nhac` (remind now) writes nudges into the same outbox as the ladder's
steps, so it can never double up with one: a unit nudged in the last hours is left alone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.engine.messages import Button, Outcome, Reply
from bot.texts import say
from storage import campaigns, nudges

if TYPE_CHECKING:
    from bot.engine.engine import _Turn

STAFF_COMMANDS = {"nhac": "remind", "remind": "remind"}


def manual_step(now: datetime, turn: _Turn) -> str:
    """One manual step a day: pressing /nhac twice the same day writes nothing new."""
    return f"manual-{now.astimezone(turn.engine.timezone).date().isoformat()}"


def remind_prompt(turn: _Turn) -> Outcome:
    """Says how many reporters a reminder would reach, with a confirm button per open campaign."""
    open_now = campaigns.open_campaigns(turn.session, today=turn.today)
    if not open_now:
        return Outcome([Reply(say("campaign.none", turn.lang))])
    replies = []
    for campaign in open_now:
        reach = nudges.reach(turn.session, campaign_id=campaign.id or 0, now=turn.now)
        if not reach:
            replies.append(Reply(say("remind.nobody", turn.lang, title=campaign.title)))
            continue
        text = say(
            "remind.confirm", turn.lang, title=campaign.title, people=len(reach), units=len({unit for unit, _ in reach})
        )
        buttons = (
            (
                Button(say("button.remind", turn.lang), f"nhac:{campaign.id}"),
                Button(say("button.cancel", turn.lang), "nhac:no"),
            ),
        )
        replies.append(Reply(text, buttons=buttons))
    return Outcome(replies)


def remind(turn: _Turn, choice: str) -> Outcome:
    """Writes the reminders (the sender delivers them within a minute)."""
    if not choice.isdigit():
        return Outcome(edit=Reply(say("remind.cancelled", turn.lang)), notice=say("remind.cancelled", turn.lang))
    campaign = next((c for c in campaigns.open_campaigns(turn.session, today=turn.today) if c.id == int(choice)), None)
    if campaign is None:
        return turn.stale()
    written = nudges.plan(
        turn.session, campaign_id=campaign.id or 0, step=manual_step(turn.now, turn), due_at=turn.now, now=turn.now
    )
    text = (
        say("remind.queued", turn.lang, count=written)
        if written
        else say("remind.nobody", turn.lang, title=campaign.title)
    )
    return Outcome(edit=Reply(text), notice=text[:190])
