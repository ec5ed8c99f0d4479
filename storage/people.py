"""People and their conversations: who is behind a chat, and where that chat is in its dialogue."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, insert, update
from sqlmodel import Session, col, select

from storage import audit
from storage.models import Channel, Conversation, Invite, Person, PersonState, Role, utcnow


def find_person(session: Session, *, channel: Channel, user_id: str) -> Person | None:
    query = select(Person).where(Person.channel == channel, Person.channel_user_id == user_id)
    return session.exec(query).first()


def chat_of(session: Session, *, channel: Channel, user_id: str) -> tuple[Conversation, Person | None]:
    """The chat's conversation and the person behind it, in one query.

    The conversation is the turn's own copy, outside the session (new on first contact): the turn changes
    it freely and `save_conversation` writes it back once, at the end."""
    row = session.execute(_CHAT, {"channel": channel, "user_id": user_id}).first()
    if row is None:
        return Conversation(channel=channel, channel_user_id=user_id), find_person(
            session, channel=channel, user_id=user_id
        )
    conversation, person = row
    session.expunge(conversation)
    return conversation, person


def save_conversation(session: Session, conversation: Conversation) -> None:
    """Write the chat's conversation back: one INSERT on first contact, else one UPDATE of its state.

    The session's own changes are flushed first, so a person enrolled in this turn exists for person_id."""
    session.flush()
    state = {column: getattr(conversation, column) for column in _CONVERSATION_STATE}
    if conversation.id is None:
        identity = {"channel": conversation.channel, "channel_user_id": conversation.channel_user_id}
        conversation.id = session.connection().execute(_NEW_CONVERSATION, {**identity, **state}).scalar_one()
    else:
        session.connection().execute(_SAVE_CONVERSATION, {"conversation_id": conversation.id, **state})


# Built once with parameters: they run for every update.
_CHAT = (
    select(Conversation, Person)
    .outerjoin(
        Person,
        and_(
            col(Person.channel) == col(Conversation.channel),
            col(Person.channel_user_id) == col(Conversation.channel_user_id),
        ),
    )
    .where(col(Conversation.channel) == bindparam("channel"), col(Conversation.channel_user_id) == bindparam("user_id"))
)
# What a turn may change in a conversation (its identity, channel and user, never changes).
_CONVERSATION_STATE = (
    "person_id",
    "campaign_id",
    "mode",
    "question_id",
    "pending",
    "failed_codes",
    "failed_since",
    "updated_at",
)
_SAVE_CONVERSATION = (
    update(Conversation)
    .where(col(Conversation.id) == bindparam("conversation_id"))
    .values({column: bindparam(column) for column in _CONVERSATION_STATE})
)
_NEW_CONVERSATION = (
    insert(Conversation)
    .values({column: bindparam(column) for column in ("channel", "channel_user_id", *_CONVERSATION_STATE)})
    .returning(col(Conversation.id))
)


def enrol(
    session: Session,
    *,
    invite: Invite,
    channel: Channel,
    user_id: str,
    chat_id: str,
    display_name: str,
) -> Person:
    """Bind the chat to the invite's unit (reporter) or to the board (staff, admin), and spend one use."""
    person = find_person(session, channel=channel, user_id=user_id)
    if person is None:
        person = Person(channel=channel, channel_user_id=user_id, chat_id=chat_id, role=invite.role)
    previous_unit = person.unit_id
    person.chat_id = chat_id
    person.display_name = display_name[:200]
    person.role = invite.role
    person.unit_id = invite.unit_id if invite.role is Role.reporter else None
    person.state = PersonState.active
    person.updated_at = utcnow()
    invite.use_count += 1
    session.add_all([person, invite])
    session.flush()
    audit.record(
        session,
        actor=f"person:{person.id}",
        action="person.enrol",
        entity="person",
        entity_id=person.id,
        role=invite.role.value,
        unit_id=invite.unit_id,
        previous_unit_id=previous_unit,
        invite_id=invite.id,
    )
    return person


def unit_reporters(session: Session, *, unit_id: int) -> list[Person]:
    """The unit's active or unreachable reporters (revoked ones are unbound)."""
    query = select(Person).where(
        Person.unit_id == unit_id, Person.role == Role.reporter, Person.state != PersonState.revoked
    )
    return list(session.exec(query).all())


def active_reporters(session: Session) -> list[Person]:
    """Every reporter who can be written to (an announcement goes to all of them)."""
    query = select(Person).where(
        Person.role == Role.reporter, Person.state == PersonState.active, col(Person.unit_id).is_not(None)
    )
    return list(session.exec(query).all())


def staff_members(session: Session) -> list[Person]:
    """The board's active staff and admins (the digest and quota warnings go to them)."""
    query = select(Person).where(col(Person.role).in_([Role.staff, Role.admin]), Person.state == PersonState.active)
    return list(session.exec(query).all())
