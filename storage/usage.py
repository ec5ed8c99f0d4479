"""Messages each channel sent per month, for plans that cap them (Zalo's free plan: 3,000 a month).

Usage:
    before, after = usage.add_sent(session, channel=Channel.zalo, month="2026-11", count=2)
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.database import dialect_insert
from storage.models import Channel, ChannelUsage, utcnow


def add_sent(
    session: Session, *, channel: Channel, month: str, count: int, now: datetime | None = None
) -> tuple[int, int]:
    """Count `count` more messages sent in `month`; returns the month's total before and after.

    One INSERT … ON CONFLICT DO UPDATE, so concurrent counters never lose a message."""
    now = now or utcnow()
    statement = (
        dialect_insert(session)(ChannelUsage)
        .values(channel=channel, month=month, sent=count, updated_at=now)
        .on_conflict_do_update(
            index_elements=["channel", "month"],
            set_={"sent": col(ChannelUsage.sent) + count, "updated_at": now},
        )
    )
    session.execute(statement)
    after = sent_in(session, channel=channel, month=month)
    return after - count, after


def sent_in(session: Session, *, channel: Channel, month: str) -> int:
    query = select(ChannelUsage.sent).where(ChannelUsage.channel == channel, ChannelUsage.month == month)
    return int(session.exec(query).first() or 0)
