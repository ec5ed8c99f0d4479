"""A chat's conversation, and everything one turn of it starts from, read in one query.

Every update a person sends is one turn: the engine needs the chat's conversation (where the dialogue
is), the person behind it, and, when they are reporting, the campaign they work on, their unit and its
submission. `chat_of` reads all of them with a single SELECT; `save_conversation` writes the
conversation back with a single statement at the end of the turn, when it changed.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.orm.base import instance_state, manager_of_class
from sqlmodel import Session, col

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
from storage.prepared import Prepared


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
    stored: tuple[Any, ...] | None = None  # the conversation's state as stored (None: not stored yet)


def chat_of(session: Session, *, channel: Channel, user_id: str) -> Chat:
    """The chat as the turn starts: one query, or two on first contact (a new conversation).

    The row is read the short way (storage.prepared) and its person, campaign, unit and submission put in
    the session as if the ORM had loaded them (unchanged, so saved only if the turn changes them): a tenth
    of what loading them through the ORM's join costs."""
    rows = _CHAT.rows(session, {"channel": channel, "user_id": user_id})
    if not rows:
        conversation = ConversationState(channel=channel, channel_user_id=user_id)
        return Chat(conversation, find_person(session, channel=channel, user_id=user_id))
    row = rows[0]
    at = len(_CONVERSATION_COLUMNS)
    state = ConversationState(**dict(zip(_CONVERSATION_COLUMNS, row[:at], strict=True)))
    loaded: list[Any] = []
    for model, names in _LOADED:
        values = row[at : at + len(names)]
        at += len(names)
        loaded.append(None if values[0] is None else _as_loaded(session, model, dict(zip(names, values, strict=True))))
    person, campaign, unit, submission = loaded
    return Chat(state, person, campaign, unit, submission, stored=_state_of(state))


def _as_loaded(session: Session, model: Any, values: dict[str, Any]) -> Any:
    """An instance of `model` with these column values, in the session as loaded from the database: what the
    ORM's loading does, without its per-row machinery. One already in the session is kept as it is."""
    key = (model, (values["id"],), None)  # what sqlalchemy.orm.util.identity_key makes
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    instance = manager_of_class(model).new_instance()
    instance.__dict__.update(values)  # committed values: not changes to save
    state = instance_state(instance)
    state.key = key
    if len(values) < len(model.__table__.columns):  # a column not read (the campaign's file) loads when used
        state._expire_attributes(state.dict, state.unloaded)
    session.add(instance)
    return instance


def save_conversation(session: Session, chat: Chat) -> None:
    """Write the chat's conversation back when the turn changed it: one INSERT on first contact, else one
    UPDATE of its state; nothing when it is as stored (its updated_at says when it last changed).

    A person enrolled in this turn is inserted first, so it exists for person_id."""
    conversation = chat.conversation
    if conversation.id is not None and _state_of(conversation) == chat.stored:
        return
    if session.new:
        session.flush()
    state = {column: getattr(conversation, column) for column in _CONVERSATION_STATE}
    if conversation.id is None:
        identity = {"channel": conversation.channel, "channel_user_id": conversation.channel_user_id}
        conversation.id = session.connection().execute(_NEW_CONVERSATION, {**identity, **state}).scalar_one()
    else:
        _SAVE_CONVERSATION.run(session, {"conversation_id": conversation.id, **state}).close()
    chat.stored = _state_of(conversation)


def _state_of(conversation: ConversationState) -> tuple[Any, ...]:
    """What a turn may change in the conversation, but when: compared to know whether to write it."""
    return tuple(deepcopy(getattr(conversation, column)) for column in _CONVERSATION_STATE if column != "updated_at")


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

# The columns read with the chat, of each model in the order Chat takes them (the campaign's file is not:
# the engine caches each parsed file, storage.campaigns.WITHOUT_SPEC).
_LOADED: list[tuple[Any, list[str]]] = [
    (model, ["id", *(c.name for c in model.__table__.columns if c.name not in ("id", *skipped))])  # type: ignore[union-attr]
    for model, skipped in ((Person, ()), (Campaign, ("spec",)), (Unit, ()), (Submission, ()))
]  # each model's id first: None when the outer join found no row

# Built once with parameters: they run for every update.
_CHAT = Prepared(
    select(
        *(getattr(Conversation, name) for name in _CONVERSATION_COLUMNS),
        *(getattr(model, name) for model, names in _LOADED for name in names),
    )
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
)
_SAVE_CONVERSATION = Prepared(
    update(Conversation)
    .where(col(Conversation.id) == bindparam("conversation_id"))
    .values({column: bindparam(column) for column in _CONVERSATION_STATE})
)
_NEW_CONVERSATION = (
    insert(Conversation)
    .values({column: bindparam(column) for column in ("channel", "channel_user_id", *_CONVERSATION_STATE)})
    .returning(col(Conversation.id))
)
