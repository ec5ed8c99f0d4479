"""People: reporters, staff and admins, each bound to one chat on one channel.

A person has two independent roles: `unit_id`, the unit they report for (None: not a reporter), and `role`, their
board role (staff or admin; Role.reporter means none). A cell's secretary who is also board staff has both."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage import audit, invites
from storage.models import Channel, Invite, Person, PersonState, Role, utcnow


def find_person(session: Session, *, channel: Channel, user_id: str) -> Person | None:
    query = select(Person).where(Person.channel == channel, Person.channel_user_id == user_id)
    return session.exec(query).first()


def enrol(
    session: Session,
    *,
    invite: Invite,
    channel: Channel,
    user_id: str,
    chat_id: str,
    display_name: str,
    now: datetime | None = None,
) -> Person | None:
    """Spend one use of the invite and bind the chat to its unit (a reporter's invite: the unit they report for,
    replacing any other) or to the board (a staff or admin invite: their board role); the other of the two stays.
    None, binding nothing, when the invite has no use left at this moment (invites.spend: of two joins at once
    only one takes a last use), or was revoked or expired meanwhile."""
    now = now or utcnow()
    if not invites.spend(session, invite=invite, now=now):
        return None
    person = find_person(session, channel=channel, user_id=user_id)
    if person is None:
        person = Person(channel=channel, channel_user_id=user_id, chat_id=chat_id, role=Role.reporter)
    elif person.state is PersonState.revoked:  # a new start: nothing kept from before the revocation
        person.role, person.unit_id = Role.reporter, None
    previous_unit, previous_role = person.unit_id, person.role
    if invite.role is Role.reporter:
        person.unit_id = invite.unit_id
    else:
        person.role = invite.role
    person.chat_id = chat_id
    person.display_name = display_name[:200]
    person.invite_id = invite.id
    person.state = PersonState.active
    person.updated_at = now
    session.add(person)
    session.flush()
    audit.record(
        session,
        actor=f"person:{person.id}",
        action="person.enrol",
        entity="person",
        entity_id=person.id,
        role=person.role.value,
        unit_id=person.unit_id,
        previous_role=previous_role.value,
        previous_unit_id=previous_unit,
        invite_id=invite.id,
    )
    return person


def reached(person: Person, *, chat_id: str, now: datetime) -> None:
    """The person wrote from `chat_id`: they can be reached there again (after blocking the bot, or from a
    new chat). A revoked person stays revoked."""
    if person.state is PersonState.revoked:
        return
    if person.state is PersonState.unreachable or person.chat_id != chat_id:
        person.state, person.chat_id, person.updated_at = PersonState.active, chat_id, now


def revoke(session: Session, *, person: Person, actor: str, now: datetime) -> Invite | None:
    """Unbind the person at once (their submitted reports stay), and revoke the invite that enrolled them, so its
    link lets nobody in again; each with an audit record. Returns the invite revoked, if one was."""
    person.state, person.updated_at = PersonState.revoked, now
    session.add(person)
    audit.record(
        session,
        actor=actor,
        action="person.revoke",
        entity="person",
        entity_id=person.id,
        role=person.role.value,
        unit_id=person.unit_id,
    )
    invite = session.get(Invite, person.invite_id) if person.invite_id is not None else None
    if invite is None or invite.revoked_at is not None:
        return None
    invites.revoke_invite(session, invite=invite, actor=actor, now=now, because="person.revoke", person_id=person.id)
    return invite


def unit_reporters(session: Session, *, unit_id: int) -> list[Person]:
    """The unit's active or unreachable reporters (revoked ones are unbound), board staff among them."""
    query = select(Person).where(Person.unit_id == unit_id, Person.state != PersonState.revoked)
    return list(session.exec(query).all())


def active_reporters(session: Session) -> list[Person]:
    """Every reporter who can be written to (an announcement goes to all of them)."""
    query = select(Person).where(Person.state == PersonState.active, col(Person.unit_id).is_not(None))
    return list(session.exec(query).all())


def staff_members(session: Session) -> list[Person]:
    """The board's active staff and admins (the digest and quota warnings go to them)."""
    query = select(Person).where(col(Person.role).in_([Role.staff, Role.admin]), Person.state == PersonState.active)
    return list(session.exec(query).all())
