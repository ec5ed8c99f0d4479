"""The inbox: every update stored as it came, before it is handled, then marked handled by its turn.

An update is stored (`store`) as the first thing after it arrives, and the process that stored it handles it
at once. Its turn marks it handled in its own transaction (`first_delivery`), so a redelivered update is not
applied twice. One that was stored and never marked (the process died in between) is taken again by
`claim_unhandled`: at start by the only process (SQLite), or, with several workers (PostgreSQL), once its
claim is older than a lease. An update whose handling failed `MAX_ATTEMPTS` times is given up (logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from storage.models import Channel, InboundEvent, utcnow
from storage.prepared import Prepared, connection_of

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
PROTECTED, PROTECTED_QUIET = "protected", "protected.quiet"  # kinds: told how to reach the board, or not again


@dataclass(frozen=True)
class Stored:
    """An update taken from the inbox to be handled."""

    event_id: str
    payload: dict[str, Any]


def store(
    session: Session | Connection,
    *,
    channel: Channel,
    event_id: str,
    payload: Mapping[str, Any],
    chat_id: str | None,
    now: datetime,
    stale_before: datetime,
) -> bool:
    """Store an update as it came; True when the caller is to handle it: it is new, or it was stored and left
    unhandled by a process whose claim is older than `stale_before`. A redelivery of an update handled (or
    being handled elsewhere) is False. One INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING."""
    connection = connection_of(session)
    statement = _STORE[connection.dialect.name]
    values = {"channel": channel, "event_id": event_id, "payload": dict(payload), "chat_id": chat_id}
    result: Any = connection.execute(
        statement, values | {"received_at": now, "claimed_at": now, "attempts": 1, "stale_before": stale_before}
    )
    return result.first() is not None


def first_delivery(session: Session, *, channel: Channel, event_id: str) -> bool:
    """True the first time an event is handled; marks it handled in the caller's transaction (with its effects).

    One INSERT … ON CONFLICT DO UPDATE SET handled_at … WHERE handled_at IS NULL RETURNING (SQLite and PostgreSQL
    both have it): a returned row means the event was new, or stored and not yet handled. (Not the row count:
    PostgreSQL's driver reports -1 for an insert that returns rows.) Two processes handling one stored update
    at once: PostgreSQL makes the second wait for the first's row and then returns nothing to it."""
    now = utcnow()
    values = {"channel": channel, "event_id": event_id, "received_at": now, "handled_at": now, "attempts": 0}
    return bool(_HANDLE[session.get_bind().dialect.name].rows(session, values))


def _statements() -> tuple[dict[str, Any], dict[str, Prepared]]:
    """The two upserts per dialect, built once: they run for every update, and building one costs more than
    running it (the turn's runs the short way: storage.prepared)."""
    table = InboundEvent.__table__  # type: ignore[attr-defined]
    stored, handled = {}, {}
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql)):
        insert = dialect.insert(InboundEvent)
        stale: Any = bindparam("stale_before")
        stored[name] = insert.on_conflict_do_update(
            index_elements=["channel", "event_id"],
            set_={"claimed_at": insert.excluded.claimed_at, "attempts": table.c.attempts + 1},
            where=table.c.handled_at.is_(None) & or_(table.c.claimed_at.is_(None), table.c.claimed_at < stale),
        ).returning(table.c.id)
        handled[name] = Prepared(
            insert.on_conflict_do_update(
                index_elements=["channel", "event_id"],
                set_={"handled_at": insert.excluded.handled_at},
                where=table.c.handled_at.is_(None),
            ).returning(table.c.id),
            keys=["channel", "event_id", "received_at", "handled_at", "attempts"],
        )
    return stored, handled


_STORE, _HANDLE = _statements()


def mark_handled(session: Session, *, channel: Channel, event_id: str, now: datetime) -> None:
    """Mark an update handled whose handling had no turn of its own (a sticker, an update without a message);
    after a turn it has been marked already and this changes nothing."""
    session.exec(
        update(InboundEvent)
        .where(col(InboundEvent.channel) == channel, col(InboundEvent.event_id) == event_id)
        .where(col(InboundEvent.handled_at).is_(None))
        .values(handled_at=now)
    )


def claim_unhandled(
    session: Session, *, channel: Channel, now: datetime, stale_before: datetime | None, limit: int = 50
) -> list[Stored]:
    """Up to `limit` stored updates of `channel` not yet handled, oldest first, claimed for this process: all of
    them (`stale_before` None: this is the only process), or those claimed before `stale_before`. Rows another
    process is claiming at this moment are skipped (PostgreSQL); one tried `MAX_ATTEMPTS` times is given up."""
    query = (
        select(InboundEvent)
        .where(col(InboundEvent.channel) == channel, col(InboundEvent.handled_at).is_(None))
        .where(col(InboundEvent.payload).is_not(None))
        .order_by(col(InboundEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if stale_before is not None:
        query = query.where(or_(col(InboundEvent.claimed_at).is_(None), col(InboundEvent.claimed_at) < stale_before))
    taken = []
    for row in session.exec(query).all():
        if row.attempts >= MAX_ATTEMPTS:
            logger.error("%s update %s failed %d times; given up", channel.value, row.event_id, row.attempts)
            row.handled_at = now
        else:
            row.claimed_at, row.attempts = now, row.attempts + 1
            taken.append(Stored(row.event_id, dict(row.payload or {})))
        session.add(row)
    return taken


def renew_claims(session: Session, *, channel: Channel, event_ids: list[str], now: datetime) -> None:
    """Renew the claims of updates a process still has in hand (handling them, or waiting for their chat)."""
    session.exec(
        update(InboundEvent)
        .where(col(InboundEvent.channel) == channel, col(InboundEvent.event_id).in_(event_ids))
        .where(col(InboundEvent.handled_at).is_(None))
        .values(claimed_at=now)
    )


def note_protected(session: Session, *, channel: Channel, event_id: str, chat_id: str, now: datetime) -> bool:
    """A message from an account whose content the platform withholds (Zalo's protected accounts): True when
    its chat is to be told how to reach the board, i.e. it was not told in the last day. Recorded on the
    update's row (`kind`, and `handled_at` on the caller's clock) in the caller's transaction, which has marked
    it handled (`first_delivery`)."""
    told = session.exec(
        select(InboundEvent.id)
        .where(col(InboundEvent.channel) == channel, col(InboundEvent.chat_id) == chat_id)
        .where(col(InboundEvent.kind) == PROTECTED, col(InboundEvent.handled_at) >= now - timedelta(days=1))
        .where(col(InboundEvent.event_id) != event_id)
        .limit(1)
    ).first()
    session.exec(
        update(InboundEvent)
        .where(col(InboundEvent.channel) == channel, col(InboundEvent.event_id) == event_id)
        .values(kind=PROTECTED_QUIET if told else PROTECTED, chat_id=chat_id, handled_at=now)
    )
    return told is None


@dataclass(frozen=True)
class ProtectedChat:
    channel: Channel
    chat_id: str
    name: str  # the display name the platform gave, "" if none
    last_at: datetime
    messages: int


def protected_chats(session: Session, *, since: datetime) -> list[ProtectedChat]:
    """The chats whose messages the bot could not read (protected accounts) since `since`, latest first."""
    rows = session.exec(
        select(InboundEvent)
        .where(col(InboundEvent.kind).in_([PROTECTED, PROTECTED_QUIET]), col(InboundEvent.handled_at) >= since)
        .order_by(col(InboundEvent.handled_at).desc())
    ).all()
    chats: dict[tuple[Channel, str], ProtectedChat] = {}
    for row in rows:
        key = (row.channel, row.chat_id or "")
        if key in chats:
            chats[key] = ProtectedChat(*key, chats[key].name, chats[key].last_at, chats[key].messages + 1)
        else:
            chats[key] = ProtectedChat(*key, _sender_name(row.payload), row.handled_at or row.received_at, 1)
    return list(chats.values())


def _sender_name(payload: Mapping[str, Any] | None) -> str:
    """The sender's display name in a Zalo update (bare, or in a webhook's {ok, result} wrapper)."""
    event = (payload or {}).get("result", payload) or {}
    sender = (event.get("message") or {}).get("from") if isinstance(event, Mapping) else None
    name = sender.get("display_name") if isinstance(sender, Mapping) else None
    return str(name or "")[:64]


def forget_before(session: Session, *, before: datetime) -> None:
    """Drop handled updates older than any redelivery can be (platforms keep updates for about a day); an
    update not yet handled is kept, whatever its age."""
    session.exec(
        delete(InboundEvent)
        .where(col(InboundEvent.received_at) < before)
        .where(col(InboundEvent.handled_at).is_not(None))
    )
