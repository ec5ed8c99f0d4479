"""A nudge's text, made when it is sent: the days left (or late), what a draft still lacks, a button."""

from __future__ import annotations

from datetime import date

from bot import formatting
from bot.engine import Button, Reply
from bot.engine import questionnaire as qn
from bot.engine.report import ahead
from bot.texts import say
from storage.campaign_spec import CampaignSpec
from storage.nudges import Outgoing


def nudge_reply(row: Outgoing, spec: CampaignSpec, *, today: date, language: str) -> Reply:
    """The nudge to one reporter of a unit that has not reported."""
    days = (row.report_deadline - today).days
    deadline = formatting.day(row.report_deadline)
    if days > 0:
        when = say("nudge.days_left", language, days=days, deadline=deadline)
    elif days == 0:
        when = say("nudge.due_today", language, deadline=deadline)
    else:
        when = say("nudge.days_late", language, days=-days, deadline=deadline)
    lines = [
        say("nudge.heading", language, title=row.campaign_title),
        say("nudge.unit", language, unit=row.unit_name, when=when),
    ]
    if row.draft_answers:
        context = qn.context(
            spec,
            today=today,
            register_members=row.register_members,
            unit_kind=row.unit_kind,
            register_cells=row.register_cells,
        )
        walk = qn.Walk(spec.questionnaire, dict(row.draft_answers), context)
        lines.append(say("nudge.draft", language, count=len(ahead(walk))))
    lines.append(say("nudge.action", language))
    return Reply("\n".join(lines), buttons=((Button(say("button.open_report", language), "report"),),))
