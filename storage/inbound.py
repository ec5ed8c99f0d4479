"""Updates already handled: a redelivered update is recognised and not applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Channel, InboundEvent


async def first_delivery(session: AsyncSession, *, channel: Channel, event_id: str) -> bool:
    """True the first time an event is seen; records it in the caller's transaction (with its effects)."""
    query = select(InboundEvent.id).where(InboundEvent.channel == channel, InboundEvent.event_id == event_id)
    if (await session.exec(query)).first() is not None:
        return False
    session.add(InboundEvent(channel=channel, event_id=event_id))
    return True


async def forget_before(session: AsyncSession, *, before: datetime) -> None:
    """Drop records older than any redelivery can be (platforms keep updates for about a day)."""
    await session.exec(delete(InboundEvent).where(col(InboundEvent.received_at) < before))
