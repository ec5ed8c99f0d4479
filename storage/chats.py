"""A chat's conversation, and everything one turn of it starts from, read in one query.

Every update a person sends is one turn: the engine needs the chat's conversation (where the dialogue
is), the person behind it, and, when they are reporting, the campaign they work on, their unit and its
submission. `chat_of` reads all of them with a single SELECT; `save_conversation` writes the
conversation back with a single statement at the end of the turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlmodel import Session, col

from storage.campaigns import WITHOUT_SPEC
from storage.models import (
    Campaign,
    Channel,
    Conversation,
    ConversationMode,
    Person,
    Submission,
    Unit,
    utcnow,
)
from storage.people import find_person


@dataclass
class ConversationState:
    """Where a chat is in its dialogue: the turn's own copy of its `Conversation` row, a plain value the
    turn changes freely and `save_conversation` writes back once."""

    channel: Channel
    channel_user_id: str
    id: int | None = None  # None until first saved
    person_id: int | None = None
    campaign_id: int | None = None
    mode: ConversationMode = ConversationMode.idle
    question_id: str | None = None
    pending: dict[str, Any] = field(default_factory=dict)
    failed_codes: int = 0
    failed_since: datetime | None = None
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class Chat:
    """A chat at the start of a turn: its conversation (a plain value, see ConversationState) and the
    session objects read with it: the person (None before they join), the campaign the conversation
    works on (its file unread), the person's unit, and that unit's submission in that campaign (None
    until the first answer)."""

    conversation: ConversationState
    person: Person | None = None
    campaign: Campaign | None = None
    unit: Unit | None = None
    submission: Submission | None = None


def chat_of(session: Session, *, channel: Channel, user_id: str) -> Chat:
    """The chat as the turn starts: one query, or two on first contact (a new conversation)."""
    row = session.execute(_CHAT, {"channel": channel, "user_id": user_id}).first()
    if row is None:
        conversation = ConversationState(channel=channel, channel_user_id=user_id)
        return Chat(conversation, find_person(session, channel=channel, user_id=user_id))
    state = ConversationState(**dict(zip(_CONVERSATION_COLUMNS, row[: len(_CONVERSATION_COLUMNS)], strict=True)))
    return Chat(state, *row[len(_CONVERSATION_COLUMNS) :])


def save_conversation(session: Session, conversation: ConversationState) -> None:
    """Write the chat's conversation back: one INSERT on first contact, else one UPDATE of its state.

    The session's own changes are flushed first, so a person enrolled in this turn exists for person_id."""
    session.flush()
    state = {column: getattr(conversation, column) for column in _CONVERSATION_STATE}
    if conversation.id is None:
        identity = {"channel": conversation.channel, "channel_user_id": conversation.channel_user_id}
        conversation.id = session.connection().execute(_NEW_CONVERSATION, {**identity, **state}).scalar_one()
    else:
        session.connection().execute(_SAVE_CONVERSATION, {"conversation_id": conversation.id, **state})


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
_CONVERSATION_COLUMNS = ("id", "channel", "channel_user_id", *_CONVERSATION_STATE)

# Built once with parameters: they run for every update.
_CHAT = (
    select(*(getattr(Conversation, name) for name in _CONVERSATION_COLUMNS), Person, Campaign, Unit, Submission)
    .select_from(Conversation)
    .outerjoin(
        Person,
        and_(
            col(Person.channel) == col(Conversation.channel),
            col(Person.channel_user_id) == col(Conversation.channel_user_id),
        ),
    )
    .outerjoin(Campaign, col(Campaign.id) == col(Conversation.campaign_id))
    .outerjoin(Unit, col(Unit.id) == col(Person.unit_id))
    .outerjoin(
        Submission,
        and_(
            col(Submission.unit_id) == col(Person.unit_id),
            col(Submission.campaign_id) == col(Conversation.campaign_id),
        ),
    )
    .where(col(Conversation.channel) == bindparam("channel"), col(Conversation.channel_user_id) == bindparam("user_id"))
    .options(WITHOUT_SPEC)  # the engine caches each parsed file
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
