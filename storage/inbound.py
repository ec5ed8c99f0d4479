"""Updates already handled: a redelivered update is recognised and not applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete, select

from storage.models import Channel, InboundEvent


def first_delivery(session: Session, *, channel: Channel, event_id: str) -> bool:
    """True the first time an event is seen; records it in the caller's transaction (with its effects)."""
    query = select(InboundEvent.id).where(InboundEvent.channel == channel, InboundEvent.event_id == event_id)
    if session.exec(query).first() is not None:
        return False
    session.add(InboundEvent(channel=channel, event_id=event_id))
    return True


def forget_before(session: Session, *, before: datetime) -> None:
    """Drop records older than any redelivery can be (platforms keep updates for about a day)."""
    session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < before))
