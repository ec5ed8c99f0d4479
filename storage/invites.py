"""Invites: random codes (128 bits), stored only as their SHA-256, with expiry, use limit and revocation."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from storage import audit
from storage.models import Invite, Person, Role, utcnow

DEFAULT_TTL = timedelta(days=30)


class InviteProblem(StrEnum):
    unknown = "unknown"
    expired = "expired"
    revoked = "revoked"
    used_up = "used_up"


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    code: str  # shown once; only its hash is stored


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def create_invite(
    session: Session,
    *,
    role: Role,
    unit_id: int | None = None,
    ttl: timedelta = DEFAULT_TTL,
    max_uses: int = 2,
    actor: str = "cli",
    now: datetime | None = None,
) -> NewInvite:
    """A new invite; reporters' invites need a unit, staff invites must not have one."""
    if (role is Role.reporter) != (unit_id is not None):
        raise ValueError("a reporter invite needs a unit; a staff or admin invite has none")
    code = secrets.token_urlsafe(16)  # 128 random bits, safe in a t.me ?start= link
    now = now or utcnow()
    invite = Invite(
        code_hash=hash_code(code),
        role=role,
        unit_id=unit_id,
        expires_at=now + ttl,
        max_uses=max_uses,
        created_by=actor,
        created_at=now,
    )
    session.add(invite)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="invite.create",
        entity="invite",
        entity_id=invite.id,
        role=role.value,
        unit_id=unit_id,
    )
    return NewInvite(invite, code)


def find_invite(
    session: Session, *, code: str, now: datetime | None = None
) -> tuple[Invite | None, InviteProblem | None]:
    """The invite behind `code` and why it cannot be used, if it cannot."""
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
    if invite is None:
        return None, InviteProblem.unknown
    return invite, invite_problem(invite, now=now)


def invite_problem(invite: Invite, *, now: datetime | None = None) -> InviteProblem | None:
    """Why `invite` cannot be used now, or None when it can."""
    if invite.revoked_at is not None:
        return InviteProblem.revoked
    if invite.expires_at <= (now or utcnow()):
        return InviteProblem.expired
    if invite.use_count >= invite.max_uses:
        return InviteProblem.used_up
    return None


def spend(session: Session, *, invite: Invite, now: datetime) -> bool:
    """Count one use of `invite`, if it can still be used, in one guarded UPDATE: of two joins at the same moment
    only one takes a last use (on PostgreSQL the second waits for the first's row lock, then finds no use left).
    False when no use is left, or the invite was revoked or has expired meanwhile."""
    statement = (
        update(Invite)
        .where(
            col(Invite.id) == invite.id,
            col(Invite.use_count) < col(Invite.max_uses),
            col(Invite.revoked_at).is_(None),
            col(Invite.expires_at) > now,
        )
        .values(use_count=col(Invite.use_count) + 1)
        .returning(col(Invite.use_count))
    )
    counted = session.connection().execute(statement).scalar_one_or_none()
    if counted is None:
        session.refresh(invite)  # the row as the other join left it, to say why it cannot be used
        return False
    set_committed_value(invite, "use_count", counted)  # as stored: nothing for the session to write back
    return True


def live_invites(session: Session, *, unit_id: int, now: datetime) -> list[Invite]:
    """The unit's invites that can still be used (not revoked, not expired, uses left), oldest first."""
    query = (
        select(Invite)
        .where(
            Invite.unit_id == unit_id,
            col(Invite.revoked_at).is_(None),
            Invite.expires_at > now,
            col(Invite.use_count) < col(Invite.max_uses),
        )
        .order_by(col(Invite.created_at), col(Invite.id))
    )
    return list(session.exec(query).all())


def maker(session: Session, *, invite: Invite) -> str | None:
    """The name of the person who made the invite in chat; None when the operator made it (`nqbot invite`)."""
    kind, _, person_id = invite.created_by.partition(":")
    if kind != "person" or not person_id.isascii() or not person_id.isdigit():
        return None if invite.created_by == "cli" else invite.created_by
    person = session.get(Person, int(person_id))
    return (person.display_name or person.channel_user_id) if person else invite.created_by


def revoke_invite(session: Session, *, invite: Invite, actor: str, now: datetime | None = None, **why: object) -> None:
    """Revoke the invite at once (whoever joined with it stays), with an audit record; `why` adds to the record
    (e.g. because="person.revoke")."""
    invite.revoked_at = now or utcnow()
    session.add(invite)
    audit.record(
        session,
        actor=actor,
        action="invite.revoke",
        entity="invite",
        entity_id=invite.id,
        unit_id=invite.unit_id,
        **why,
    )


def revoke_unit_invites(session: Session, *, unit_id: int, actor: str, now: datetime) -> list[Invite]:
    """Revoke every live invite of the unit; returns them."""
    found = live_invites(session, unit_id=unit_id, now=now)
    for invite in found:
        revoke_invite(session, invite=invite, actor=actor, now=now)
    return found
