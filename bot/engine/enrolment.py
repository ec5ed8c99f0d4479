"""Enrolment: an invite code (from a t.me link, or typed), the unit named, a confirmation, then the chat is
bound to the unit (a reporter) or to the board (staff). Wrong codes from one chat are slowed down."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.engine.messages import Button, Outcome, Reply
from storage import invites, people
from storage.invites import InviteProblem
from storage.models import ConversationMode as Mode
from storage.models import Invite, Role, Unit

if TYPE_CHECKING:
    from bot.engine.turn import Turn

WRONG_CODES_ALLOWED = 5  # then the chat waits out the window before codes are checked again
WRONG_CODES_WINDOW = timedelta(minutes=15)


def join(turn: Turn, code: str) -> Outcome:
    """Checks an invite code (slowing down a chat that guesses) and asks to confirm the unit it names."""
    conversation = turn.conversation
    if conversation.failed_since and turn.now - conversation.failed_since > WRONG_CODES_WINDOW:
        conversation.failed_codes, conversation.failed_since = 0, None
    if conversation.failed_codes >= WRONG_CODES_ALLOWED and conversation.failed_since:
        wait = WRONG_CODES_WINDOW - (turn.now - conversation.failed_since)
        return turn.reply("join.slow_down", minutes=max(1, math.ceil(wait.total_seconds() / 60)))
    invite, problem = invites.find_invite(turn.session, code=code.strip(), now=turn.now)
    if invite is None or problem is not None:
        if problem is InviteProblem.unknown:
            conversation.failed_codes += 1
            conversation.failed_since = conversation.failed_since or turn.now
        return turn.reply(f"join.{problem.value if problem else 'unknown'}")
    if turn.person is not None and turn.person.role is not Role.reporter and invite.role is Role.reporter:
        return turn.reply("join.staff_cannot_report")
    conversation.mode, conversation.pending = Mode.confirm_join, {"invite_id": invite.id}
    return Outcome([join_question_for(turn, invite)])


def join_question_for(turn: Turn, invite: Invite) -> Reply:
    """ "This invite is for <unit>: confirm?", noting a move from the person's current unit."""
    if invite.role is Role.reporter and invite.unit_id is not None:
        unit = turn.session.get(Unit, invite.unit_id)
        text = turn.t("join.confirm_unit", unit=unit.name if unit else "?")
        if turn.person is not None and turn.person.unit_id not in (None, invite.unit_id):
            current = turn.session.get(Unit, turn.person.unit_id)
            text += "\n" + turn.t("join.switch_note", unit=current.name if current else "?")
    else:
        text = turn.t("join.confirm_staff")
    return Reply(text, buttons=_yes_no(turn))


def join_question(turn: Turn) -> Reply:
    """The confirmation asked again after an unclear answer."""
    return Reply(turn.t("join.yes_or_no"), buttons=_yes_no(turn))


def _yes_no(turn: Turn) -> tuple[tuple[Button, ...], ...]:
    return ((Button(turn.t("button.join_yes"), "join:yes"), Button(turn.t("button.join_no"), "join:no")),)


def confirm_join(turn: Turn, yes: bool) -> Outcome:
    """Binds the chat (the invite is checked again as its use is counted: it may have expired meanwhile, or been
    used up by someone confirming at the same moment) and opens the report."""
    invite_id = turn.conversation.pending.get("invite_id")
    turn.conversation.mode, turn.conversation.pending = Mode.idle, {}
    invite = turn.session.get(Invite, invite_id) if invite_id else None
    if not yes or invite is None:
        return turn.reply("join.declined")
    event = turn.event
    person = people.enrol(
        turn.session,
        invite=invite,
        channel=event.channel,
        user_id=event.user_id,
        chat_id=event.chat_id,
        display_name=event.display_name,
        now=turn.now,
    )
    if person is None:  # expired or revoked since the code was given, or someone else took its last use
        problem = invites.invite_problem(invite, now=turn.now) or InviteProblem.used_up
        return turn.reply(f"join.{problem.value}")
    turn.person = person
    turn.conversation.person_id = person.id
    turn.conversation.failed_codes, turn.conversation.failed_since = 0, None
    turn.forget_report()
    if invite.role is not Role.reporter:
        welcome = turn.reply("join.welcome_staff")
        welcome.menu = "staff"
        return welcome
    unit = turn.session.get(Unit, invite.unit_id or 0)
    outcome = turn.reply("join.welcome_reporter", unit=unit.name if unit else "?")
    follow = turn.open_report()
    outcome.replies.extend(follow.replies)
    return outcome
