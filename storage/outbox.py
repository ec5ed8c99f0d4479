"""The outbox of whole messages (replies and notices): written before they are sent, claimed by one sender.

A reply is written in its turn's transaction already claimed by the process that will send it at once
(status sending), so nothing else takes it meanwhile; should that process die, the claim expires (`LEASE`)
and the drain sends it. Every other row is claimed atomically before it is sent: one UPDATE … WHERE id IN
(SELECT … LIMIT n) RETURNING, with FOR UPDATE SKIP LOCKED on PostgreSQL, so two senders never hold the same
row. Marking a row's outcome only moves it out of `sending`: a row someone else settled stays as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, insert, or_, select, update
from sqlmodel import Session, col

from storage.database import dialect_insert
from storage.models import Channel, Nudge, NudgeStatus, OutboxKind, OutboxMessage, Person, PersonState
from storage.prepared import Prepared

LEASE = timedelta(minutes=1)  # a claim older than this belongs to a sender that died (a reply waits at most 30 s
# for a 429 before its sender lets go of it): the row is free again
GIVE_UP_AFTER = 30  # attempts that failed for now before a row is marked failed


@dataclass(frozen=True)
class Message:
    """A claimed row, with what sending it needs."""

    id: int
    kind: OutboxKind
    channel: Channel
    chat_id: str
    person_id: int | None
    text: str
    markup: dict[str, Any]
    parts_sent: int


def add_replies(
    session: Session,
    *,
    channel: Channel,
    chat_id: str,
    person_id: int | None,
    messages: Sequence[tuple[str, dict[str, Any]]],
    now: datetime,
) -> list[int]:
    """Write a turn's replies ((text, markup) each, in order), claimed by the caller who sends them now;
    their ids in the same order. One multi-row INSERT (the short way: storage.prepared)."""
    if not messages:
        return []
    values: dict[str, Any] = {"channel": channel, "chat_id": chat_id, "person_id": person_id, "now": now}
    values |= {"kind": OutboxKind.reply, "status": NudgeStatus.sending}
    for n, (text, markup) in enumerate(messages):
        values[f"text_{n}"], values[f"markup_{n}"] = text, markup
    rows = _insert_replies(len(messages)).rows(session, values)
    return sorted(int(row[0]) for row in rows)  # ids grow in the order of the VALUES rows


@cache
def _insert_replies(count: int) -> Prepared:
    """One INSERT … VALUES (…), (…) … RETURNING id of `count` replies (built once a count: it runs every turn)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]

    def typed(name: str, column: str) -> Any:  # each row's parameters take their column's type (JSON, enums…)
        return bindparam(name, type_=table.c[column].type)

    same = {
        "kind": typed("kind", "kind"),
        "status": typed("status", "status"),
        "parts_sent": 0,
        "attempts": 1,
        **{column: typed(column, column) for column in ("channel", "chat_id", "person_id")},
        **{column: typed("now", column) for column in ("due_at", "claimed_at", "created_at")},
    }
    rows = [
        {**same, "text": typed(f"text_{n}", "text"), "markup": typed(f"markup_{n}", "markup")} for n in range(count)
    ]
    return Prepared(insert(OutboxMessage).values(rows).returning(col(OutboxMessage.id)))


@cache
def _mark_sent(count: int) -> Prepared:
    """One UPDATE marking `count` claimed rows sent (built once a count)."""
    ids: list[Any] = [bindparam(f"id_{n}") for n in range(count)]
    return Prepared(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == NudgeStatus.sending)
        .values(status=NudgeStatus.sent, sent_at=bindparam("sent_at"), last_error=None)
    )


def add_notice(
    session: Session, *, person: Person, key: str, text: str, campaign_id: int | None, now: datetime
) -> bool:
    """Write a notice to the person unless they already have one with this key; True when written."""
    statement = (
        dialect_insert(session)(OutboxMessage)
        .values(
            kind=OutboxKind.notice,
            channel=person.channel,
            chat_id=person.chat_id,
            person_id=person.id,
            campaign_id=campaign_id,
            key=key,
            text=text,
            markup={},
            status=NudgeStatus.pending,
            parts_sent=0,
            attempts=0,
            due_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["person_id", "key"])
        .returning(col(OutboxMessage.id))
    )
    result: Any = session.connection().execute(statement)
    return result.first() is not None


def claim(
    session: Session,
    *,
    now: datetime,
    channels: Collection[Channel],
    limit: int = 20,
    exclude: Collection[int] = (),
) -> list[Message]:
    """Take up to `limit` rows due to be sent on `channels`, replies first, oldest first: pending ones, and
    those whose claim expired. A row to a person who cannot be reached (blocked, revoked) is not taken."""
    if not channels:
        return []
    reachable = or_(
        col(OutboxMessage.person_id).is_(None),
        col(OutboxMessage.person_id).in_(select(col(Person.id)).where(col(Person.state) == PersonState.active)),
    )
    free = or_(  # pending rows whatever their due_at says: a wall clock that went back must not hold them
        col(OutboxMessage.status) == NudgeStatus.pending,
        and_(col(OutboxMessage.status) == NudgeStatus.sending, col(OutboxMessage.claimed_at) < now - LEASE),
    )
    chosen = (
        select(col(OutboxMessage.id))
        .where(free, reachable, col(OutboxMessage.channel).in_(list(channels)))
        .order_by(case((col(OutboxMessage.kind) == OutboxKind.reply, 0), else_=1), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: two senders never wait for, or take, the same row
    )
    if exclude:
        chosen = chosen.where(col(OutboxMessage.id).not_in(list(exclude)))
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(chosen.scalar_subquery()))
        .values(status=NudgeStatus.sending, claimed_at=now, attempts=col(OutboxMessage.attempts) + 1)
        .returning(
            col(OutboxMessage.id),
            col(OutboxMessage.kind),
            col(OutboxMessage.channel),
            col(OutboxMessage.chat_id),
            col(OutboxMessage.person_id),
            col(OutboxMessage.text),
            col(OutboxMessage.markup),
            col(OutboxMessage.parts_sent),
        )
    )
    rows = [Message(*row) for row in session.execute(statement).all()]
    return sorted(rows, key=lambda m: (m.kind is not OutboxKind.reply, m.id))


def _settle(session: Session, ids: Collection[int], **values: Any) -> None:
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(list(ids)), col(OutboxMessage.status) == NudgeStatus.sending)
            .values(**values)
        )


def mark_sent(session: Session | Connection, *, ids: Collection[int], now: datetime) -> None:
    """The platform took these: never sent again. One UPDATE for all (Core only: Database.run_core runs it)."""
    if ids:
        _mark_sent(len(ids)).run(session, {"sent_at": now} | {f"id_{n}": i for n, i in enumerate(ids)}).close()


def mark_failed(session: Session, *, message_id: int, error: str, parts_sent: int = 0) -> None:
    """The platform refused it for good (a 400 other than a blocked chat): kept, with the reason, for staff."""
    _settle(session, [message_id], status=NudgeStatus.failed, last_error=error[:500], parts_sent=parts_sent)


def release(session: Session, *, message_id: int, error: str, parts_sent: int, counted: bool = True) -> None:
    """Sending failed for now: back to pending (the pieces already delivered are not sent again); after
    GIVE_UP_AFTER attempts it is marked failed. An attempt not `counted` (the platform asked to wait, as
    Zalo's quota does) does not bring that nearer."""
    attempts = col(OutboxMessage.attempts) - (0 if counted else 1)
    _settle(
        session,
        [message_id],
        status=case((attempts >= GIVE_UP_AFTER, NudgeStatus.failed.value), else_=NudgeStatus.pending.value),
        attempts=attempts,
        last_error=error[:500],
        parts_sent=parts_sent,
        claimed_at=None,
    )


def release_all(session: Session, *, ids: Collection[int]) -> None:
    """Claimed but not tried (an earlier reply of the chat failed): back to pending, in order."""
    _settle(session, ids, status=NudgeStatus.pending, claimed_at=None)


def free_claims(session: Session) -> int:
    """Every claimed message back to pending: no other process can hold one (SQLite has one). How many."""
    result: Any = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.status) == NudgeStatus.sending)
        .values(status=NudgeStatus.pending, claimed_at=None)
    )
    return int(result.rowcount or 0)


def fail_pending(session: Session, *, person_id: int, error: str) -> None:
    """The person cannot be reached: their waiting messages will not go (the reason of a failed attempt kept)."""
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.person_id) == person_id, col(OutboxMessage.status) == NudgeStatus.pending)
        .values(status=NudgeStatus.failed, last_error=func.coalesce(col(OutboxMessage.last_error), error))
    )


@dataclass(frozen=True)
class Failures:
    """Messages to some people that will not go: how many, and the latest one's time and reason."""

    count: int
    last_at: datetime | None = None
    last_error: str = ""


def failures(session: Session, *, person_ids: Collection[int]) -> Failures:
    """The replies, notices and nudges to these people that a platform refused for good or that failed too
    often (not those of a person who blocked the bot: their state says so)."""
    if not person_ids:
        return Failures(0)
    queries = [
        select(col(table.created_at), col(table.last_error)).where(
            col(table.person_id).in_(list(person_ids)),
            col(table.status) == NudgeStatus.failed,
            col(table.last_error) != "unreachable",  # storage.nudges.UNREACHABLE
        )
        for table in (OutboxMessage, Nudge)
    ]
    found = [(at, error or "") for query in queries for at, error in session.execute(query).all()]
    if not found:
        return Failures(0)
    at, error = max(found)
    return Failures(len(found), at, error)
