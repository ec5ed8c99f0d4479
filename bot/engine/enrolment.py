"""Enrolment: an invite code (from a t.me link, or typed), what it makes of the person named, a confirmation, then
the chat is bound to the unit (a reporter) or to the board (staff): one person can be both. Wrong codes are
limited per chat (WRONG_CODES_ALLOWED in WRONG_CODES_WINDOW) and in all chats (storage.invites.guessed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import formatting
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
    """Checks an invite code (unless this chat, or all chats together, guessed too many) and asks to confirm
    what it makes of the person."""
    conversation = turn.conversation
    if conversation.failed_since and turn.now - conversation.failed_since > WRONG_CODES_WINDOW:
        conversation.failed_codes, conversation.failed_since = 0, None
    if conversation.failed_codes >= WRONG_CODES_ALLOWED and conversation.failed_since:
        return locked(turn, "join.slow_down", conversation.failed_since + WRONG_CODES_WINDOW)
    paused = invites.paused_until(turn.session, now=turn.now)
    if paused is not None:
        return locked(turn, "join.paused", paused)
    invite, problem = invites.find_invite(turn.session, code=code.strip(), now=turn.now)
    if invite is None or problem is not None:
        return wrong_code(turn) if problem is InviteProblem.unknown else turn.reply(f"join.{problem or 'unknown'}")
    already = already_is(turn, invite)
    if already is not None:
        return Outcome([Reply(already)])
    through = reported_by_parent(turn, invite)
    if through is not None:
        return Outcome([Reply(through)])
    conversation.mode, conversation.pending = Mode.confirm_join, {"invite_id": invite.id}
    return Outcome([join_question_for(turn, invite)])


def wrong_code(turn: Turn) -> Outcome:
    """Count a wrong code against the chat and all chats; say how many are left, or until when codes wait."""
    conversation = turn.conversation
    conversation.failed_codes += 1
    conversation.failed_since = conversation.failed_since or turn.now
    chat = f"{turn.event.channel.value}:{turn.event.user_id}"[:64]
    paused = invites.guessed(turn.session, chat=chat, now=turn.now)
    if paused is not None:
        return locked(turn, "join.paused", paused)
    left = WRONG_CODES_ALLOWED - conversation.failed_codes
    if left > 0:
        return turn.reply("join.unknown", left=left)
    until = conversation.failed_since + WRONG_CODES_WINDOW
    invites.chat_locked(turn.session, chat=chat, until=until, now=turn.now)
    return locked(turn, "join.slow_down", until)


def locked(turn: Turn, key: str, until: datetime) -> Outcome:
    """Codes are not checked until `until`: say so, in local time ("lúc 08:15 ngày 15/09/2022")."""
    local = until.astimezone(turn.engine.timezone)
    return turn.reply(key, count=WRONG_CODES_ALLOWED, time=local.strftime("%H:%M"), day=formatting.day(local.date()))


def already_is(turn: Turn, invite: Invite) -> str | None:
    """The person already is what the invite would make them: say so (the invite is not spent); else None."""
    person = turn.person
    if person is None:
        return None
    if invite.role is Role.reporter and person.unit_id == invite.unit_id:
        return turn.t("join.already_reporter", unit=unit_name(turn, invite.unit_id))
    if invite.role is not Role.reporter and person.role is invite.role:
        return turn.t("join.already_staff", role=turn.t(f"role.{invite.role.value}"))
    return None


def reported_by_parent(turn: Turn, invite: Invite) -> str | None:
    """A reporter's invite for a cell whose grassroots committee reports for it (the register changed since
    the invite was made): nobody is to report for it, so the code is not used."""
    unit = turn.session.get(Unit, invite.unit_id) if invite.unit_id is not None else None
    if unit is None or not unit.reports_through_parent:
        return None
    return turn.t("join.reported_by_parent", unit=unit.name, parent=unit_name(turn, unit.parent_id))


def unit_name(turn: Turn, unit_id: int | None) -> str:
    unit = turn.session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else "?"


def join_question_for(turn: Turn, invite: Invite) -> Reply:
    """ "This invite is for <unit>: confirm?", saying what changes for someone who already has a role: a move
    from their unit, a board role changed, or the other role kept."""
    person = turn.person
    if invite.role is Role.reporter:
        unit = unit_name(turn, invite.unit_id)
        if person is not None and person.unit_id is not None:
            text = turn.t("join.confirm_switch", unit=unit, current=unit_name(turn, person.unit_id))
        else:
            text = turn.t("join.confirm_unit", unit=unit)
        if turn.is_staff():
            text += "\n" + turn.t("join.keeps_staff")
        return Reply(text, buttons=_yes_no(turn))
    text = turn.t("join.confirm_staff")
    if turn.is_staff() and person is not None:
        text += "\n" + turn.t(
            "join.role_change", current=turn.t(f"role.{person.role.value}"), new=turn.t(f"role.{invite.role.value}")
        )
    if turn.is_reporter() and person is not None:
        text += "\n" + turn.t("join.keeps_unit", unit=unit_name(turn, person.unit_id))
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
        welcome.menu = turn.menu()
        return welcome
    outcome = turn.reply("join.welcome_reporter", unit=unit_name(turn, invite.unit_id))
    outcome.menu = turn.menu() if turn.is_staff() else None
    follow = turn.open_report()
    outcome.replies.extend(follow.replies)
    return outcome
