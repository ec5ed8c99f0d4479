"""Invites: short random codes a person can type, stored only as a slow hash, with expiry, use limit and revocation.

A code is 8 characters of Crockford's base32 (no I, L, O, U), shown in two groups, `K7QF-M2XR`; as typed, case,
spaces and dashes do not matter, and I, L read as 1, O as 0 (as Crockford says). Why 8: 32**8 = 2**40 ≈ 1.1e12
codes. Wrong codes are limited per chat (bot/engine/enrolment.py) and in all chats: GUESSES_PER_HOUR (100), then
no code is checked for an hour. Over a campaign of 8 weeks (1,344 hours) that is at most 134,400 wrong codes;
with 100 live codes each finds one with probability 100 / 1.1e12, so all of them together about 1.2e-5: one
chance in 80,000. (10 characters would make it 1.2e-8, for two more characters to type on a phone.)
A short code is hashed with scrypt: a copy of the database does not give the codes away (2**40 SHA-256 hashes
take minutes). Codes made before (22 characters, `secrets.token_urlsafe(16)`, case-sensitive, SHA-256) keep
working, typed exactly, until they expire: a code is hashed the way its shape says.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from storage import audit
from storage.models import AuditEvent, Invite, Person, Role, utcnow

logger = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(days=30)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CODE_LENGTH = 8  # 40 bits: see the arithmetic above
_LOOK_ALIKES = str.maketrans("ILO", "110")
GUESSES_PER_HOUR = 100  # wrong codes in all chats in an hour; then nobody's code is checked for GUESSING_PAUSE
GUESSING_PAUSE = timedelta(hours=1)
_OLD_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # secrets.token_urlsafe(16), made before the short codes
# Words typed before a code on a channel without deep links (Zalo): "DK K7QF-M2XR", "mã: k7qf m2xr".
_PREFIX = re.compile(r"(?:dk|đk|dang ky|dang ki|đăng ký|đăng kí|ma moi|mã mời|ma|mã)(?:\s*:\s*|\s+)", re.IGNORECASE)


class InviteProblem(StrEnum):
    unknown = "unknown"
    expired = "expired"
    revoked = "revoked"
    used_up = "used_up"


@dataclass(frozen=True)
class NewInvite:
    invite: Invite
    code: str  # shown once; only its hash is stored


def new_code() -> str:
    """A fresh code as it is shown: "K7QF-M2XR"."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalised(typed: str) -> str | None:
    """A typed short code as stored ("k7qf m2xr", "K7QF-M2XR", "k7qf-m2xr" → "K7QFM2XR"; I, L → 1, O → 0), or None
    when it is not one."""
    code = re.sub(r"[\s-]", "", typed).upper().translate(_LOOK_ALIKES)
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def typed_code(text: str, *, bare: bool) -> str | None:
    """The invite code in a typed message: after "DK", "đăng ký", "mã" (any case), or alone when `bare` (someone
    who has not joined types nothing else); None when the message holds no code's shape."""
    text = unicodedata.normalize("NFC", text).strip()
    prefix = _PREFIX.match(text)
    if prefix is None and not bare:
        return None
    code = text[prefix.end() :].strip() if prefix else text
    return code if normalised(code) is not None or _OLD_SHAPE.fullmatch(code) else None


def hash_code(code: str) -> str:
    """The stored hash of a code as typed: scrypt of its normalised form for a short code, SHA-256 of the code
    itself for one made before the short codes."""
    short = normalised(code)
    if short is None:
        return hashlib.sha256(code.strip().encode()).hexdigest()
    return _slow_hash(short)


def _slow_hash(code: str) -> str:
    """scrypt (about 20 ms): 2**40 codes take centuries of one processor core. A fixed salt: hashes are looked up."""
    return hashlib.scrypt(code.encode(), salt=b"nqbot invite", n=2**13, r=8, p=1, dklen=32).hex()


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
    code = new_code()  # its letters, digits and dash are allowed in a t.me ?start= link
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
    """The invite behind `code` (typed: a short code in any case, with spaces or dashes; or an old code exactly)
    and why it cannot be used, if it cannot."""
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
    if invite is None:
        return None, InviteProblem.unknown
    return invite, invite_problem(invite, now=now)


def paused_until(session: Session, *, now: datetime) -> datetime | None:
    """When checking codes starts again, while too many wrong codes in all chats have paused it; else None."""
    query = select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "invite.guessing_paused", col(AuditEvent.at) > now - GUESSING_PAUSE
    )
    started = session.exec(query).one()
    return started + GUESSING_PAUSE if started is not None else None


def guessed(session: Session, *, chat: str, now: datetime) -> datetime | None:
    """A wrong code from `chat` (an audit record); when it is the GUESSES_PER_HOUR-th of the last hour in all
    chats, checking codes pauses (an audit record and a warning for the operator): returns until when."""
    audit.record(session, actor=chat, action="invite.wrong_code", entity="invite", at=now)
    query = select(func.count()).where(
        AuditEvent.action == "invite.wrong_code", col(AuditEvent.at) > now - timedelta(hours=1)
    )
    session.flush()
    if session.exec(query).one() < GUESSES_PER_HOUR:
        return None
    until = now + GUESSING_PAUSE
    audit.record(session, actor=chat, action="invite.guessing_paused", entity="invite", at=now, until=until.isoformat())
    logger.warning(
        "%d wrong invite codes in the last hour (the last from %s): codes are not checked until %s UTC",
        GUESSES_PER_HOUR,
        chat,
        until.strftime("%Y-%m-%d %H:%M"),
    )
    return until


def chat_locked(session: Session, *, chat: str, until: datetime, now: datetime) -> None:
    """`chat` gave too many wrong codes: its codes are not checked until `until` (an audit record)."""
    audit.record(session, actor=chat, action="invite.chat_locked", entity="invite", at=now, until=until.isoformat())


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


def revoke_invite(session: Session, *, invite: Invite, actor: str, now: datetime | None = None, **why: Any) -> None:
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
