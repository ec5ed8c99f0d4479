"""A dialogue with the engine as a test reads it: say text or press buttons, read the replies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.engine import Engine, Inbound, Outcome, Reply
from bot.outbox.digest import write_digest
from storage import invites, submissions, units
from storage.database import Database
from storage.models import Campaign, Channel, Role

VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the engine's default time zone
DIGEST = partial(write_digest, timezone=VN, language="vi")  # the staff digest, as the app writes it


def local(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    """A moment of 2022 on Hà Nội's clock, as the aware UTC time the database keeps."""
    return datetime(2022, month, day, hour, minute, tzinfo=VN).astimezone(UTC)


@dataclass
class Clock:
    """A settable clock for the engine (aware UTC)."""

    now: datetime = field(default_factory=lambda: datetime(2022, 9, 15, 1, 0, tzinfo=UTC))  # 08:00 in Hà Nội

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class Dialogue:
    """One person's chat with the engine."""

    def __init__(self, engine: Engine, user_id: str = "1001", channel: Channel = Channel.telegram) -> None:
        self.engine = engine
        self.user_id = user_id
        self.channel = channel
        self.last = Outcome()

    async def say(self, text: str) -> str:
        """Send text; return every reply's text joined (for `in` checks)."""
        self.last = await self.engine.handle(Inbound(self.channel, self.user_id, self.user_id, text=text))
        return self.text

    async def press(self, data: str) -> str:
        self.last = await self.engine.handle(Inbound(self.channel, self.user_id, self.user_id, button=data))
        return self.text

    @property
    def text(self) -> str:
        return "\n---\n".join(r.text for r in self.last.replies)

    @property
    def question(self) -> Reply:
        """The last reply (the question being asked)."""
        return self.last.replies[-1]

    def buttons(self) -> list[str]:
        """Every button's data in the last reply (choices and action buttons)."""
        reply = self.question
        return [b.data for b in reply.choices] + [b.data for row in reply.buttons for b in row]


def invite_code(
    database: Database, unit_code: str, *, role: Role = Role.reporter, max_uses: int = 2, now: datetime | None = None
) -> str:
    with database.session() as session:
        unit = units.get_unit(session, code=unit_code) if role is Role.reporter else None
        new = invites.create_invite(
            session,
            role=role,
            unit_id=unit.id if unit else None,
            max_uses=max_uses,
            now=now or datetime(2022, 9, 1, tzinfo=UTC),
        )
        return new.code


async def join_as_staff(
    engine: Engine, database: Database, user_id: str = "900", *, now: datetime | None = None
) -> Dialogue:
    """A board staff member who joined with a staff invite (made at `now`, default 01/09/2022)."""
    staff = Dialogue(engine, user_id)
    await staff.say(f"/start {invite_code(database, '', role=Role.staff, now=now)}")
    await staff.press("join:yes")
    return staff


async def enrol(dialogue: Dialogue, database: Database, unit_code: str) -> None:
    """Join the unit through a fresh invite and confirm."""
    code = invite_code(database, unit_code)
    await dialogue.say(f"/start {code}")
    await dialogue.press("join:yes")


# A full NQ 15 report for CB-SNV (29 members in the register), as a reporter would type it.
FULL_REPORT: list[tuple[str, str]] = [
    ("press", "ans:held:self_organised"),
    ("say", "13/9, 14/9"),  # session_dates
    ("say", "trực tuyến"),  # format → video sites asked
    ("say", "2 điểm cầu"),  # video_sites
    ("say", "2"),  # sessions
    ("say", "Đồng chí Nguyễn Văn An, Bí thư Chi bộ"),  # presenter
    ("say", "30"),  # members_total (register 29: within 10 %)
    ("say", "2"),  # members_exempt
    ("say", "26 đồng chí"),  # members_attended: 26/28 = 92,86 %
    ("say", "5"),  # key_officials
    ("say", "1, 2"),  # absent_reasons: sickness, business trip (2 absent)
    ("say", "1"),  # absent_sick
    ("say", "1"),  # absent_business: the two add up to the absent
    ("say", "có"),  # makeup
    ("say", "hôm nay"),  # makeup_date
    ("say", "10"),  # non_members
    ("say", "30"),  # essays
    ("say", "1"),  # action_plan: issued
    ("say", "05-KH/CB"),  # action_plan_number
    ("say", "10/9/2022"),  # action_plan_date
    ("say", "1,3"),  # dissemination
    ("say", "4"),  # dissemination_items
    ("say", "Cán bộ, đảng viên tham gia đầy đủ."),  # strengths
    ("say", "bỏ qua"),  # weaknesses
    ("press", "skip:proposals"),  # proposals
]


# The questions FULL_REPORT answers, in its order (the default path through NQ 15).
FULL_REPORT_QUESTIONS = [
    "held",
    "session_dates",
    "format",
    "video_sites",
    "sessions",
    "presenter",
    "members_total",
    "members_exempt",
    "members_attended",
    "key_officials",
    "absent_reasons",
    "absent_sick",
    "absent_business",
    "makeup",
    "makeup_date",
    "non_members",
    "essays",
    "action_plan",
    "action_plan_number",
    "action_plan_date",
    "dissemination",
    "dissemination_items",
    "strengths",
    "weaknesses",
    "proposals",
]


def until(question_id: str) -> list[tuple[str, str]]:
    """The FULL_REPORT steps that come before `question_id`."""
    return FULL_REPORT[: FULL_REPORT_QUESTIONS.index(question_id)]


async def answer_all(dialogue: Dialogue, steps: list[tuple[str, str]] = FULL_REPORT) -> None:
    for kind, value in steps:
        if kind == "press":
            await dialogue.press(value)
        else:
            await dialogue.say(value)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements run on the database inside the block, as sent (to count a code path's queries)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def stored(database: Database, campaign: Campaign, unit_code: str) -> tuple[dict, list[dict]]:
    """The unit's draft and its submitted versions' answers."""
    with database.session() as session:
        unit = units.get_unit(session, code=unit_code)
        assert unit and unit.id and campaign.id
        sub = submissions.get_submission(session, campaign_id=campaign.id, unit_id=unit.id)
        if sub is None or sub.id is None:
            return {}, []
        versions = submissions.list_versions(session, submission_id=sub.id)
        return sub.draft_answers, [v.answers for v in versions]
