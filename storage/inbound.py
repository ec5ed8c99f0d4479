"""Updates already handled: a redelivered update is recognised and not applied twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete

from storage.models import Channel, InboundEvent, utcnow


def first_delivery(session: Session, *, channel: Channel, event_id: str) -> bool:
    """True the first time an event is seen; records it in the caller's transaction (with its effects).

    One INSERT … ON CONFLICT DO NOTHING RETURNING (SQLite and PostgreSQL both have it): a returned row means
    the event is new. (Not the row count: PostgreSQL's driver reports -1 for an insert that returns rows.)"""
    statement = _RECORD[session.get_bind().dialect.name]
    result: Any = session.connection().execute(
        statement, {"channel": channel, "event_id": event_id, "received_at": utcnow()}
    )
    return result.first() is not None


# Built once: this runs for every update, and building the statement costs more than running it.
_RECORD = {
    name: dialect.insert(InboundEvent)
    .on_conflict_do_nothing(index_elements=["channel", "event_id"])
    .returning(col(InboundEvent.id))
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


def forget_before(session: Session, *, before: datetime) -> None:
    """Drop records older than any redelivery can be (platforms keep updates for about a day)."""
    session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < before))
