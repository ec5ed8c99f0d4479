"""The tables. Times are stored in UTC and come back timezone-aware; answers are JSON.

Nothing here is SQLite-only: the same models run on PostgreSQL. Alembic owns the schema
(`storage/migrations`); a test proves the migrations produce exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, String, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

# Named constraints, so migrations can alter them on every database (SQLite batch mode included).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as aware UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A StrEnum stored as its plain string value (portable, no database enum type); read back as the member."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


def _at(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class UnitKind(StrEnum):
    grassroots_committee = "grassroots_committee"  # đảng bộ cơ sở
    grassroots_cell = "grassroots_cell"  # chi bộ cơ sở


class Channel(StrEnum):
    telegram = "telegram"
    zalo = "zalo"
    terminal = "terminal"


class Role(StrEnum):
    reporter = "reporter"
    staff = "staff"
    admin = "admin"


class PersonState(StrEnum):
    active = "active"
    unreachable = "unreachable"  # the channel says we cannot write to them (blocked the bot)
    revoked = "revoked"  # staff removed them; their chat is unbound


class SubmissionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"


class NudgeStatus(StrEnum):
    """Where an outgoing message (a nudge, or a row of the outbox) is on its way out."""

    pending = "pending"  # written, not yet delivered (the outbox)
    sending = "sending"  # claimed by a sender (claimed_at says when); back to pending if it fails for now
    sent = "sent"
    failed = "failed"  # the person cannot be reached (blocked the bot), or the platform refused the message
    skipped = "skipped"  # no longer needed: the unit reported, or a later step replaced it


class ConversationMode(StrEnum):
    idle = "idle"
    confirm_join = "confirm_join"  # an invite code was given; waiting for "this is my unit"
    pick_campaign = "pick_campaign"  # several campaigns are open
    answering = "answering"  # walking the questionnaire
    confirm_warning = "confirm_warning"  # an answer tripped a soft check; keep it or type again
    summary = "summary"  # every answer shown; submit or change one
    pick_edit = "pick_edit"  # which question to change
    editing = "editing"  # changing one answer, then back to the summary


class Campaign(SQLModel, table=True):
    """One resolution's study-and-report campaign, loaded from its YAML file."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(64), unique=True, index=True)
    title: str
    report_deadline: date
    board_deadline: date
    closes_on: date
    spec: dict[str, Any] = Field(sa_type=JSON)  # the validated campaign file, as JSON
    questionnaire_version: int = 1
    source_file: str | None = None
    created_at: datetime = _at(default_factory=utcnow)
    updated_at: datetime = _at(default_factory=utcnow)


class QuestionnaireVersion(SQLModel, table=True):
    """Every questionnaire a campaign has had, so stored answers are read under the one they were given to."""

    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    version: int
    fingerprint: str = Field(sa_type=String(64))
    questions: list[dict[str, Any]] = Field(sa_type=JSON)
    created_at: datetime = _at(default_factory=utcnow)


class UnitBase(SQLModel):
    code: str = Field(sa_type=String(32), min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=300)
    kind: UnitKind = Field(sa_type=EnumText(UnitKind, 32))
    member_count: int = Field(ge=0)


class Unit(UnitBase, table=True):
    """A grassroots party organisation that reports (tổ chức cơ sở đảng)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(32), unique=True, index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    # The unit's place in the register (the units CSV's line order); lists and the appendix follow it.
    register_order: int | None = None
    # A cell with a parent: True when its grassroots committee reports for it, False when it reports itself.
    reports_through_parent: bool = False
    created_at: datetime = _at(default_factory=utcnow)
    updated_at: datetime = _at(default_factory=utcnow)


class Person(SQLModel, table=True):
    """Someone the bot talks to: a channel's user, their chat, and their role."""

    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    channel_user_id: str = Field(sa_type=String(64))
    chat_id: str = Field(sa_type=String(64))
    display_name: str = ""
    role: Role = Field(sa_type=EnumText(Role, 16))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    state: PersonState = Field(default=PersonState.active, sa_type=EnumText(PersonState, 16))
    invite_id: int | None = Field(default=None, foreign_key="invite.id")  # the invite that last enrolled them
    created_at: datetime = _at(default_factory=utcnow)
    updated_at: datetime = _at(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """An invite code, stored only as its hash: to a unit (reporter) or to the board (staff, admin)."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(sa_type=String(64), unique=True, index=True)
    role: Role = Field(sa_type=EnumText(Role, 16))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    expires_at: datetime = _at()
    max_uses: int = 1
    use_count: int = 0
    revoked_at: datetime | None = _at(default=None)
    created_by: str = "cli"
    created_at: datetime = _at(default_factory=utcnow)


class Submission(SQLModel, table=True):
    """A unit's report in one campaign: the shared draft, and the number of its latest submitted version."""

    __table_args__ = (UniqueConstraint("campaign_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: SubmissionStatus = Field(default=SubmissionStatus.draft, sa_type=EnumText(SubmissionStatus, 16))
    draft_answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    draft_questionnaire_version: int = 1
    latest_version: int = 0  # 0 until first submitted
    first_submitted_at: datetime | None = _at(default=None)
    updated_at: datetime = _at(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="person.id")


class SubmissionVersion(SQLModel, table=True):
    """One submitted version of a report, never overwritten."""

    __table_args__ = (UniqueConstraint("submission_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    version: int
    answers: dict[str, Any] = Field(sa_type=JSON)
    questionnaire_version: int
    submitted_at: datetime = _at(default_factory=utcnow)
    submitted_by: int | None = Field(default=None, foreign_key="person.id")
    late: bool = False


class Nudge(SQLModel, table=True):
    """One reminder to one person for one step of the ladder: written before it is sent (the outbox)."""

    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", "person_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    step: str = Field(sa_type=String(64))
    status: NudgeStatus = Field(default=NudgeStatus.pending, sa_type=EnumText(NudgeStatus, 16), index=True)
    due_at: datetime = _at()
    attempts: int = 0
    last_error: str | None = None
    claimed_at: datetime | None = _at(default=None)  # when a sender took it (status sending)
    sent_at: datetime | None = _at(default=None)
    created_at: datetime = _at(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who changed what: imports, campaign loads, invites, enrolments, submissions, revocations."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at(default_factory=utcnow, index=True)
    actor: str = Field(sa_type=String(64))  # "cli", or "person:<id>"
    action: str = Field(sa_type=String(64))
    entity: str = Field(sa_type=String(32))
    entity_id: str | None = Field(default=None, sa_type=String(64))
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Conversation(SQLModel, table=True):
    """Where one chat is in its dialogue with the bot, so a restart resumes at the same step.

    Keyed by the chat's identity, not the person, because someone who has not joined yet (and is
    typing invite codes) has a conversation too. Answers themselves live in the unit's Submission.
    """

    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    channel_user_id: str = Field(sa_type=String(64))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    mode: ConversationMode = Field(default=ConversationMode.idle, sa_type=EnumText(ConversationMode, 24))
    question_id: str | None = Field(default=None, sa_type=String(48))  # the question last asked
    pending: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # a value awaiting confirmation, …
    failed_codes: int = 0  # wrong invite codes in the current window (slows down guessing)
    failed_since: datetime | None = _at(default=None)
    updated_at: datetime = _at(default_factory=utcnow)


class InboundEvent(SQLModel, table=True):
    """An update as it came (the inbox): stored before it is handled, so one taken from the platform is never
    lost, and marked handled in the same transaction as its effects, so a redelivered one is not applied twice.
    A row without a payload was recorded only when handled (before the inbox, or by a test)."""

    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    event_id: str = Field(sa_type=String(64))
    received_at: datetime = _at(default_factory=utcnow, index=True)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON)  # the update's JSON, as received
    chat_id: str | None = Field(default=None, sa_type=String(64), index=True)
    kind: str | None = Field(default=None, sa_type=String(48))  # Zalo's event_name ("message.text.received")
    handled_at: datetime | None = _at(default=None, index=True)
    claimed_at: datetime | None = _at(default=None)  # when a process took it to handle (a lease)
    attempts: int = 0  # takes: one that fails every time is given up after a few


class OutboxKind(StrEnum):
    reply = "reply"  # what the bot answers to what a person just did: sent first
    notice = "notice"  # a staff digest, an announcement, a quota warning


class OutboxMessage(SQLModel, table=True):
    """One message to one chat, written whole before it is sent (replies in their turn's transaction):
    the sender claims it, sends it, and marks it sent, so a failed send is retried and none is sent twice.
    A notice's key makes it unique per person ("digest:3:2022-09-15", "announce:…"); a reply has none.
    Nudges are the other half of the outbox: they are rendered when sent (see Nudge)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("person_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: OutboxKind = Field(sa_type=EnumText(OutboxKind, 16))
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    chat_id: str = Field(sa_type=String(64))
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    key: str | None = Field(default=None, sa_type=String(96))
    text: str
    markup: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)  # choices and buttons, see bot.outbox
    status: NudgeStatus = Field(default=NudgeStatus.pending, sa_type=EnumText(NudgeStatus, 16), index=True)
    parts_sent: int = 0  # pieces of a long text already delivered: a retry sends the rest
    attempts: int = 0
    last_error: str | None = None
    due_at: datetime = _at(default_factory=utcnow)
    claimed_at: datetime | None = _at(default=None)
    sent_at: datetime | None = _at(default=None)
    created_at: datetime = _at(default_factory=utcnow)


class ChannelUsage(SQLModel, table=True):
    """Messages a channel sent in one month, for plans that cap them (Zalo's free plan: 3,000 a month)."""

    __table_args__ = (UniqueConstraint("channel", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=EnumText(Channel, 16))
    month: str = Field(sa_type=String(7))  # "2026-11", in the bot's time zone
    sent: int = 0
    updated_at: datetime = _at(default_factory=utcnow)
