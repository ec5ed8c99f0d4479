"""The board staff's commands: the state of play, one unit, figures with a chart, reminders,
announcements, invites, and (for admins) revoking people.

Every command answers staff only; a stranger, a reporter or a revoked member gets a refusal and no data.
Figures come from whole-campaign SQL aggregates (storage/reports.py), never a query per unit.
`/nhac` writes nudges into the same outbox as the ladder's steps, so it never doubles up with one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from sqlmodel import SQLModel

from bot import charts, formatting, invite_links
from bot.engine import questionnaire as qn
from bot.engine.messages import Attachment, Button, Outcome, Reply
from bot.texts import say
from scheduler import ladder
from storage import audit, campaigns, inbound, invites, nudges, outbox, reports, submissions, units
from storage import people as storage_people
from storage.models import Campaign, Channel, Invite, Person, PersonState, Role, Unit
from storage.units import fold

if TYPE_CHECKING:
    from bot.engine.turn import Turn

STAFF_COMMANDS = {
    "tinhhinh": "status",
    "status": "status",
    "chuanop": "missing",
    "missing": "missing",
    "donvi": "unit",
    "unit": "unit",
    "thongke": "stats",
    "stats": "stats",
    "nhac": "remind",
    "remind": "remind",
    "thongbao": "announce",
    "announce": "announce",
    "moi": "invite",
    "invite": "invite",
    "canbo": "staff",
    "staff": "staff",
    "xuat": "export",
    "export": "export",
}
BUTTONS = {"sc", "miss", "unit", "moi", "nhac", "ann", "rv", "rvy", "rvi", "rviy", "inv"}
MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL (SQLite's are wider)
_ROW_ID = re.compile(r"[0-9]{1,10}")
Row = TypeVar("Row", bound=SQLModel)
PAGE = 25  # lines of a list a message: far below Telegram's 4,096 characters
MATCHES = 8  # units offered as buttons when a name matches several
PROTECTED_SHOWN = timedelta(days=7)  # protected accounts listed if they wrote this recently (updates kept 7 days)


def command(turn: Turn, action: str, argument: str) -> Outcome:
    """Run a staff command (the caller has checked the person is staff)."""
    if action == "announce":
        return announce_prompt(turn, argument)
    if action == "staff":
        return staff_list(turn) if turn.is_admin() else Outcome([Reply(say("admin.only", turn.lang))])
    if action in ("unit", "invite") and not argument:
        return Outcome([Reply(say(f"{action}.usage", turn.lang))])
    campaign, rest = choose(turn, argument)
    if campaign is None:
        return pick_campaign(turn, action, argument)
    if action == "status":
        return Outcome([Reply(status_text(turn, campaign))])
    if action == "missing":
        return missing_page(turn, campaign, 0)
    if action == "stats":
        return stats(turn, campaign)
    if action == "remind":
        return remind_prompt(turn, campaign)
    if action == "export":
        return export(turn, campaign)
    return find_unit(turn, campaign, rest, action)


def button(turn: Turn, kind: str, rest: str) -> Outcome:
    """A staff button: "sc" campaign picked, "miss" a page, "unit"/"moi" a unit, "nhac", "ann", "inv", and for
    admins "rv" (a person) or "rvi" (an invite), then "rvy"/"rviy" to confirm.

    Ids come back from the chat as the button's data, which anyone can forge: one that names no row, or is no
    id at all (20 digits, "²"), gets the stale button's answer."""
    first, _, second = rest.partition(":")
    if kind == "sc":
        action, _, tail = rest.partition(":")
        campaign_id, _, argument = tail.partition(":")
        campaign = row(turn, Campaign, campaign_id)
        if campaign is None:
            return turn.stale()
        return command(turn, action, f"{campaign.code} {argument}".strip())
    if kind == "miss" and (page := row_id(second)) is not None:
        campaign = row(turn, Campaign, first)
        return Outcome(edit=missing_page(turn, campaign, page).replies[0]) if campaign else turn.stale()
    if kind in ("unit", "moi"):
        campaign, unit = row(turn, Campaign, first), row(turn, Unit, second)
        if campaign is None or unit is None:
            return turn.stale()
        return unit_invite(turn, unit) if kind == "moi" else unit_detail(turn, campaign, unit)
    if kind == "nhac":
        return remind(turn, rest)
    if kind == "ann":
        return announce(turn, rest == "yes")
    if kind in REVOKES and (number := row_id(rest)) is not None:  # admins only: a person, or an invite
        return REVOKES[kind](turn, number, confirmed=kind.endswith("y")) if turn.is_admin() else turn.stale()
    if kind == "inv" and turn.is_admin():
        return staff_invite(turn, admin=rest == "admin")
    return turn.stale()


def row_id(text: str) -> int | None:
    """The number in button data, when it is ASCII digits that fit an id column (PostgreSQL's INTEGER); None
    otherwise, so a forged id never reaches the database driver (which would overflow)."""
    if not _ROW_ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def row(turn: Turn, model: type[Row], text: str) -> Row | None:
    """The row of `model` whose id button data names, or None (no such row, or no id)."""
    number = row_id(text)
    return turn.session.get(model, number) if number is not None else None


# --- which campaign ---


def choose(turn: Turn, argument: str) -> tuple[Campaign | None, str]:
    """The campaign named first in `argument`, or the only open one, or (none open) the last one closed."""
    word, _, rest = argument.partition(" ")
    every = campaigns.list_campaigns(turn.session)
    named = next((c for c in every if c.code == word.lower()), None)
    if named is not None:
        return named, rest.strip()
    open_now = [c for c in every if campaigns.is_open(c, today=turn.today)]
    if len(open_now) == 1:
        return open_now[0], argument
    if not open_now and every:
        return max(every, key=lambda c: c.closes_on), argument
    return None, argument


def pick_campaign(turn: Turn, action: str, argument: str) -> Outcome:
    open_now = campaigns.open_campaigns(turn.session, today=turn.today)
    if not open_now:
        return Outcome([Reply(say("campaign.none", turn.lang))])
    tail = argument[:30]
    choices = tuple(Button(c.title, f"sc:{action}:{c.id}:{tail}") for c in open_now)
    return Outcome([Reply(say("campaign.pick_staff", turn.lang), choices=choices)])


# --- the state of play ---


def rate(part: int, whole: int) -> str:
    return formatting.decimal(100 * part / whole) if whole else "—"


def status_text(
    turn: Turn, campaign: Campaign, *, total: int | None = None, people: list[reports.UnitAttendance] | None = None
) -> str:
    """/tinhhinh: units reported (on time, late), drafts, members attended, the deadline, the next nudge.
    `total` (units) and `people` (attendance) are read here unless the caller has them already."""
    session, lang = turn.session, turn.lang
    progress = reports.progress(session, campaign_id=campaign.id or 0)
    total = units.count_units(session) if total is None else total
    people = reports.attendance(session, campaign_id=campaign.id or 0) if people is None else people
    attended, expected = sum(a.attended for a in people), sum(a.expected for a in people)
    lines = [
        say("status.heading", lang, title=campaign.title),
        say(
            "status.reported",
            lang,
            reported=formatting.number(progress.submitted),
            total=formatting.number(total),
            on_time=formatting.number(progress.submitted - progress.late),
            late=formatting.number(progress.late),
            rate=rate(progress.submitted, total),
        ),
        say("status.drafts", lang, drafts=formatting.number(progress.drafts)),
        say(
            "status.members",
            lang,
            attended=formatting.number(attended),
            expected=formatting.number(expected),
            rate=rate(attended, expected),
        ),
        say(
            "status.deadline",
            lang,
            deadline=formatting.day(campaign.report_deadline),
            when=formatting.days_to(campaign.report_deadline, turn.today, lang),
        ),
    ]
    upcoming = ladder.next_step(
        ladder.campaign_steps(campaign, turn.engine.spec(campaign), turn.engine.timezone), turn.now
    )
    if upcoming is not None and progress.submitted < total:
        due = upcoming.due.astimezone(turn.engine.timezone)
        lines.append(say("digest.next", lang, at=formatting.moment(due, lang)))
    if progress.submitted < total:
        lines.append(say("status.missing_hint", lang, count=formatting.number(total - progress.submitted)))
    return "\n".join(lines)


def reporter_state(unit: reports.MissingUnit, lang: str) -> str:
    return say(f"missing.{unit.state.value}", lang, count=unit.draft_answers)


def protected_line(turn: Turn, chats: set[tuple[Channel, str]] | None = None) -> str | None:
    """Who wrote from a protected Zalo account lately (of `chats` only, if given): the bot cannot read them,
    so they cannot report there (they were told whom to contact); None if nobody."""
    since = turn.now - PROTECTED_SHOWN
    found = [
        chat
        for chat in inbound.protected_chats(turn.session, since=since)
        if chats is None or (chat.channel, chat.chat_id) in chats
    ]
    if not found:
        return None
    zone, lang = turn.engine.timezone, turn.lang
    people = [
        say("protected.person", lang, name=c.name or c.chat_id, at=formatting.moment(c.last_at.astimezone(zone), lang))
        for c in found[:PAGE]
    ]
    return say("protected.heading", lang, count=len(found), days=PROTECTED_SHOWN.days, people="; ".join(people))


def missing_page(turn: Turn, campaign: Campaign, page: int) -> Outcome:
    """/chuanop: the units not reported, a page at a time, each with its reporters' state."""
    missing = reports.missing_units(turn.session, campaign_id=campaign.id or 0)
    if not missing:
        return Outcome([Reply(say("digest.all_done", turn.lang))])
    pages = (len(missing) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    lines = [
        say(
            "missing.heading",
            turn.lang,
            title=campaign.title,
            count=formatting.number(len(missing)),
            page=page + 1,
            pages=pages,
        )
    ]
    for number, unit in enumerate(missing[page * PAGE : (page + 1) * PAGE], start=page * PAGE + 1):
        lines.append(f"{number}. {unit.name} ({unit.code}) – {reporter_state(unit, turn.lang)}")
    if page == 0 and (protected := protected_line(turn)):
        lines.append(protected)
    row = []
    if page > 0:
        row.append(Button(say("button.previous", turn.lang), f"miss:{campaign.id}:{page - 1}"))
    if page < pages - 1:
        row.append(Button(say("button.next", turn.lang), f"miss:{campaign.id}:{page + 1}"))
    return Outcome([Reply("\n".join(lines), buttons=(tuple(row),) if row else ())])


# --- one unit ---


def find_unit(turn: Turn, campaign: Campaign, query: str, action: str) -> Outcome:
    """/donvi or /moi with a code or part of a name: one match answers, several give buttons."""
    wanted = fold(query)
    every = units.list_units(turn.session)
    exact = [u for u in every if u.code.lower() == query.strip().lower()]
    found = exact or [u for u in every if wanted and (wanted in fold(u.name) or wanted in u.code.lower())]
    if not found:
        return Outcome([Reply(say("unit.not_found", turn.lang, query=query[:60]))])
    if len(found) == 1:
        return unit_invite(turn, found[0]) if action == "invite" else unit_detail(turn, campaign, found[0])
    kind = "moi" if action == "invite" else "unit"
    choices = tuple(Button(f"{u.name} ({u.code})", f"{kind}:{campaign.id}:{u.id}") for u in found[:MATCHES])
    text = say("unit.several", turn.lang, count=len(found))
    if len(found) > MATCHES:
        text += "\n" + say("unit.more", turn.lang, more=len(found) - MATCHES)
    return Outcome([Reply(text, choices=choices)])


def unit_detail(turn: Turn, campaign: Campaign, unit: Unit) -> Outcome:
    """/donvi: the unit, its reporters, its report with every version, and the nudges sent."""
    session, lang = turn.session, turn.lang
    kind = say(f"unit.kind.{unit.kind.value}", lang)
    lines = [
        say(
            "unit.heading",
            lang,
            name=unit.name,
            code=unit.code,
            kind=kind,
            members=formatting.number(unit.member_count),
        )
    ]
    people = storage_people.unit_reporters(session, unit_id=unit.id or 0)
    if people:
        described = [
            say(
                "unit.reporter",
                lang,
                name=p.display_name or p.channel_user_id,
                channel=say(f"channel.{p.channel.value}", lang),
                state=say(f"state.{p.state.value}", lang),
            )
            for p in people
        ]
        lines.append(say("unit.reporters", lang, people="; ".join(described)))
    else:
        lines.append(say("unit.no_reporters", lang))
    submission = submissions.get_submission(session, campaign_id=campaign.id or 0, unit_id=unit.id or 0)
    versions = submissions.list_versions(session, submission_id=submission.id) if submission and submission.id else []
    if versions:
        tz = turn.engine.timezone
        listed = ", ".join(
            say(
                "unit.version",
                lang,
                version=v.version,
                at=formatting.moment(v.submitted_at.astimezone(tz), lang),
                late=say("unit.late", lang) if v.late else "",
            )
            for v in versions
        )
        lines.append(say("unit.versions", lang, title=campaign.title, versions=listed))
        latest = versions[-1]
        questions = campaigns.questionnaire_at(
            session, campaign_id=campaign.id or 0, version=latest.questionnaire_version
        )
        lines += ["  " + line for line in qn.answer_lines(questions, latest.answers, lang, limit=120)]
    elif submission is not None and submission.draft_answers:
        lines.append(say("unit.draft", lang, title=campaign.title, count=len(submission.draft_answers)))
    else:
        lines.append(say("unit.nothing", lang, title=campaign.title))
    sent = nudges.sent_times(session, campaign_id=campaign.id or 0, unit_id=unit.id or 0)
    if sent:
        last = formatting.moment(sent[-1].astimezone(turn.engine.timezone), lang)
        lines.append(say("unit.nudges", lang, count=len(sent), last=last))
    else:
        lines.append(say("unit.no_nudges", lang))
    failed = outbox.failures(session, person_ids=[p.id for p in people if p.id is not None])
    if failed.count and failed.last_at is not None:
        at = formatting.moment(failed.last_at.astimezone(turn.engine.timezone), lang)
        lines.append(say("unit.undelivered", lang, count=failed.count, at=at, reason=failed.last_error[:120]))
    for p in people:  # why the bot stopped writing to someone
        trouble = nudges.failing(session, person_id=p.id) if p.state is PersonState.unreachable and p.id else None
        if trouble is not None:
            since = formatting.moment(trouble.since.astimezone(turn.engine.timezone), lang)
            name = p.display_name or p.channel_user_id
            lines.append(say("unit.unreachable_why", lang, name=name, since=since, reason=trouble.last_error[:120]))
    if protected := protected_line(turn, {(p.channel, p.chat_id) for p in people}):
        lines.append(protected)
    rows = [(Button(say("button.invite_unit", lang), f"moi:{campaign.id}:{unit.id}"),)]
    if turn.is_admin():
        rows += [
            (Button(say("button.revoke", lang, name=p.display_name or p.channel_user_id), f"rv:{p.id}"),)
            for p in people
        ]
    text = "\n".join(lines)
    return Outcome([Reply(text, buttons=tuple(rows))])


def unit_invite(turn: Turn, unit: Unit) -> Outcome:
    """/moi: a new invite for the unit, as a link and a QR code picture; admins also get the unit's live invites,
    each with a revoke button."""
    new = invites.create_invite(turn.session, role=Role.reporter, unit_id=unit.id, actor=turn.actor, now=turn.now)
    link = turn.engine.invite_link(new.code)
    expires = formatting.day(new.invite.expires_at.astimezone(turn.engine.timezone).date())
    text = say("invite.unit", turn.lang, unit=unit.name, link=link, expires=expires)
    if Channel.zalo in turn.engine.channels and turn.engine.bot_username:  # a t.me link does not open Zalo
        text += "\n" + say("invite.zalo", turn.lang, typed=invite_links.typed(new.code))
    picture = Attachment(f"moi-{unit.code}.png", invite_links.qr_png(link), caption=unit.name, picture=True)
    replies = [Reply(text, attachment=picture)]
    if turn.is_admin():
        replies.append(live_invites(turn, unit))
    return Outcome(replies)


def live_invites(turn: Turn, unit: Unit) -> Reply:
    """The unit's live invites (made when, by whom, expiry, uses), each with a revoke button; typing the
    button's label presses it where there are no buttons (Zalo)."""
    lang = turn.lang
    found = invites.live_invites(turn.session, unit_id=unit.id or 0, now=turn.now)
    shown = found[:PAGE]
    lines = [say("invite.live", lang, unit=unit.name, count=len(found))]
    lines += [f"{number}. {about(turn, invite)}" for number, invite in enumerate(shown, start=1)]
    if len(found) > len(shown):
        lines.append(say("invite.more", lang, more=len(found) - len(shown), code=unit.code))
    lines.append(say("invite.revoke_hint", lang))
    rows = tuple(
        (Button(say("button.revoke_invite", lang, number=number), f"rvi:{invite.id}"),)
        for number, invite in enumerate(shown, start=1)
    )
    return Reply("\n".join(lines), buttons=rows)


def about(turn: Turn, invite: Invite) -> str:
    """ "tạo 07:00 01/09/2022 bởi Trưởng ban, hết hạn 01/10/2022, đã dùng 1/2" """
    by = invites.maker(turn.session, invite=invite)
    return formatting.invite_about(invite, by=by, timezone=turn.engine.timezone, language=turn.lang)


# --- figures and the chart ---


def stats(turn: Turn, campaign: Campaign) -> Outcome:
    """/thongke: the figures, and the chart as a picture."""
    session = turn.session
    total = units.count_units(session)
    people = reports.attendance(session, campaign_id=campaign.id or 0)
    draw = partial(
        charts.progress_chart,
        title=campaign.title,
        first_submissions=reports.first_submissions(session, campaign_id=campaign.id or 0),
        total_units=total,
        deadline=campaign.report_deadline,
        attendance=people,
        timezone=turn.engine.timezone,
        language=turn.lang,
    )
    picture = Attachment(f"thongke-{campaign.code}.png", caption=campaign.title, picture=True, render=draw)
    return Outcome([Reply(status_text(turn, campaign, total=total, people=people), attachment=picture)])


# --- the compiled report ---


def export(turn: Turn, campaign: Campaign) -> Outcome:
    """/xuat: the DOCX report and the XLSX table, as files (in progress: "tính đến ngày …")."""
    from bot.exports import EXPORT_LANGUAGE, build_docx, build_xlsx, compile_report, file_name
    from storage.report_spec import placeholders

    data = compile_report(turn.session, campaign_code=campaign.code, today=turn.today, timezone=turn.engine.timezone)
    files = [("report", "docx", build_docx), ("appendix", "xlsx", build_xlsx)]
    replies = [Reply(say("export.sent", turn.lang, title=campaign.title, date=formatting.day(turn.today)))]
    for kind, suffix, build in files:  # the files are Vietnamese whatever the chat's language
        name = file_name(campaign.code, kind, turn.today, suffix)
        render = partial(build, data, language=EXPORT_LANGUAGE, today=turn.today)
        replies.append(Reply("", attachment=Attachment(name, render=render)))
    unfilled = [p.field for p in placeholders(data.spec.report)]
    if unfilled:
        fields = ", ".join(unfilled)
        replies.append(Reply(say("export.placeholders", turn.lang, count=len(unfilled), fields=fields)))
    return Outcome(replies)


# --- reminders and announcements ---


def manual_step(now: datetime, turn: Turn) -> str:
    """Each /nhac is a reminder of its own (to the minute: a double press writes nothing new)."""
    return f"manual-{now.astimezone(turn.engine.timezone):%Y-%m-%dT%H%M}"


def remind_prompt(turn: Turn, campaign: Campaign) -> Outcome:
    """/nhac: how many units are missing, how many reporters a reminder would reach (and how many of them were
    reminded today, when), and a confirm button."""
    campaign_id = campaign.id or 0
    reach = nudges.reach(turn.session, campaign_id=campaign_id, now=turn.now, manual=True)
    if not reach:
        return Outcome([Reply(say("remind.nobody", turn.lang, title=campaign.title))])
    missing = len(reports.missing_units(turn.session, campaign_id=campaign_id))
    lines = [
        say(
            "remind.confirm",
            turn.lang,
            title=campaign.title,
            missing=missing,
            people=len(reach),
            units=len({unit for unit, _ in reach}),
        )
    ]
    midnight = datetime.combine(turn.today, datetime.min.time(), tzinfo=turn.engine.timezone)
    reminded = nudges.reminded_since(turn.session, campaign_id=campaign_id, since=midnight)
    again = [reminded[person] for _, person in reach if person in reminded]
    if again:
        at = formatting.moment(max(again).astimezone(turn.engine.timezone), turn.lang)
        lines.append(say("remind.already_today", turn.lang, count=len(again), at=at))
    left_out = len(nudges.targets(turn.session, campaign_id=campaign_id)) - len(reach)
    if left_out:
        lines.append(say("remind.left_out", turn.lang, count=left_out))
    goes = _after_quiet_hours(turn, campaign)
    send = Button(say("button.remind", turn.lang), f"nhac:{campaign.id}")
    if goes is not None:  # quiet hours: the reminders wait for the morning, unless staff send them now
        at = formatting.moment(goes.astimezone(turn.engine.timezone), turn.lang)
        lines.append(say("remind.quiet", turn.lang, at=at))
        send = Button(
            say("button.remind_later", turn.lang, at=f"{goes.astimezone(turn.engine.timezone):%H:%M}"), send.data
        )
        now = Button(say("button.remind_now", turn.lang), f"nhac:{campaign.id}:now")
        buttons: tuple[tuple[Button, ...], ...] = ((send, now), (Button(say("button.cancel", turn.lang), "nhac:no"),))
    else:
        buttons = ((send, Button(say("button.cancel", turn.lang), "nhac:no")),)
    return Outcome([Reply("\n".join(lines), buttons=buttons)])


def _after_quiet_hours(turn: Turn, campaign: Campaign) -> datetime | None:
    """When the campaign's quiet hours end, if it is quiet hours now; else None."""
    quiet = turn.engine.spec(campaign).reminders.quiet_hours
    goes = ladder.after_quiet_hours(turn.now, quiet, turn.engine.timezone)
    return goes if goes > turn.now else None


def remind(turn: Turn, choice: str) -> Outcome:
    """Writes the reminders (the sender delivers them within a minute); "no" cancels."""
    if choice == "no":
        return Outcome(edit=Reply(say("remind.cancelled", turn.lang)), notice=say("remind.cancelled", turn.lang))
    choice, _, when = choice.partition(":")
    campaign = row(turn, Campaign, choice)
    if campaign is None:
        return turn.stale()
    now = when == "now"  # chosen in quiet hours: sent at once all the same
    written = nudges.plan(
        turn.session,
        campaign_id=campaign.id or 0,
        step=manual_step(turn.now, turn) + (nudges.SEND_NOW if now else ""),
        due_at=turn.now,
        now=turn.now,
        manual=True,
    )
    if not written:
        text = say("remind.nobody", turn.lang, title=campaign.title)
        return Outcome(edit=Reply(text), notice=text)
    goes = None if now else _after_quiet_hours(turn, campaign)
    if goes is not None:  # quiet hours: the sender holds them until they end
        at = formatting.moment(goes.astimezone(turn.engine.timezone), turn.lang)
        text = say("remind.queued_quiet", turn.lang, count=written, at=at)
    else:
        text = say("remind.queued", turn.lang, count=written)
    return Outcome(edit=Reply(text), notice=text)


def announce_prompt(turn: Turn, text: str) -> Outcome:
    """/thongbao <text>: who would get it, and a confirm button; the text waits in the conversation."""
    if not text.strip():
        return Outcome([Reply(say("announce.usage", turn.lang))])
    reporters = storage_people.active_reporters(turn.session)
    turn.conversation.pending = {"announce": text.strip()[:3500]}
    buttons = (
        (Button(say("button.announce", turn.lang), "ann:yes"), Button(say("button.cancel", turn.lang), "ann:no")),
    )
    return Outcome(
        [Reply(say("announce.confirm", turn.lang, people=len(reporters), text=text.strip()[:3500]), buttons=buttons)]
    )


def announce(turn: Turn, yes: bool) -> Outcome:
    text = turn.conversation.pending.get("announce")
    turn.conversation.pending = {}
    if not yes or not text:
        return Outcome(edit=Reply(say("announce.cancelled", turn.lang)), notice=say("announce.cancelled", turn.lang))
    key = f"announce:{turn.now.isoformat(timespec='seconds')}:{turn.actor}"
    body = say("announce.body", turn.lang, text=text)
    count = sum(
        outbox.add_notice(turn.session, person=p, campaign_id=None, key=key, text=body, now=turn.now)
        for p in storage_people.active_reporters(turn.session)
    )
    audit.record(
        turn.session,
        actor=turn.actor,
        action="announce",
        entity="notice",
        entity_id=key,
        people=count,
    )
    done = say("announce.queued", turn.lang, count=count)
    return Outcome(edit=Reply(done), notice=done)


# --- staff and revocation (admins) ---


def staff_list(turn: Turn) -> Outcome:
    people = storage_people.staff_members(turn.session)
    lines = [say("staff.heading", turn.lang, count=len(people))]
    for p in people:
        role = say(f"role.{p.role.value}", turn.lang)
        unit = turn.session.get(Unit, p.unit_id) if p.unit_id is not None else None
        if unit is not None:  # a unit's reporter too
            role += ", " + say("staff.also_reporter", turn.lang, unit=unit.name)
        lines.append(f"- {p.display_name or p.channel_user_id} ({role})")
    rows: list[tuple[Button, ...]] = [
        (Button(say("button.revoke", turn.lang, name=p.display_name or p.channel_user_id), f"rv:{p.id}"),)
        for p in people
        if turn.person is None or p.id != turn.person.id
    ]
    rows.append(
        (
            Button(say("button.staff_invite", turn.lang), "inv:staff"),
            Button(say("button.admin_invite", turn.lang), "inv:admin"),
        )
    )
    return Outcome([Reply("\n".join(lines), buttons=tuple(rows))])


def staff_invite(turn: Turn, admin: bool) -> Outcome:
    new = invites.create_invite(
        turn.session,
        role=Role.admin if admin else Role.staff,
        max_uses=1,
        ttl=timedelta(days=7),
        actor=turn.actor,
        now=turn.now,
    )
    return Outcome([Reply(say("invite.staff", turn.lang, link=turn.engine.invite_link(new.code)))])


def revoke(turn: Turn, person_id: int, confirmed: bool) -> Outcome:
    """Unbind a reporter's or staff member's chat at once, and revoke the invite they joined with; what they
    submitted stays."""
    person = turn.session.get(Person, person_id)
    if person is None or person.state is PersonState.revoked:
        return turn.stale()
    name = person.display_name or person.channel_user_id
    if not confirmed:
        question = say("revoke.confirm", turn.lang, name=name)
        if person.unit_id is not None and person.role is not Role.reporter:  # never a silent loss of the other role
            unit = turn.session.get(Unit, person.unit_id)
            question += " " + say("revoke.both_roles", turn.lang, unit=unit.name if unit else "?")
        return confirm(turn, question, f"rvy:{person_id}")
    done = say("revoke.done", turn.lang, name=name)
    if storage_people.revoke(turn.session, person=person, actor=turn.actor, now=turn.now) is not None:
        done += " " + say("revoke.invite_too", turn.lang)
    return Outcome(edit=Reply(done), notice=done)


def revoke_invite(turn: Turn, invite_id: int, confirmed: bool) -> Outcome:
    """Revoke one invite: nobody can join with it any more; who joined with it stays."""
    invite = turn.session.get(Invite, invite_id)
    if invite is None or invite.revoked_at is not None:
        return turn.stale()
    unit = turn.session.get(Unit, invite.unit_id) if invite.unit_id is not None else None
    target, described = unit.name if unit else say("invite.board", turn.lang), about(turn, invite)
    if not confirmed:
        question = say("revoke_invite.confirm", turn.lang, target=target, about=described)
        return confirm(turn, question, f"rviy:{invite_id}")
    invites.revoke_invite(turn.session, invite=invite, actor=turn.actor, now=turn.now)
    done = say("revoke_invite.done", turn.lang, target=target, about=described)
    return Outcome(edit=Reply(done), notice=done)


def confirm(turn: Turn, question: str, data: str) -> Outcome:
    """A revocation's question with its one confirm button, whose label it names for channels without buttons."""
    label = say("button.revoke_yes", turn.lang)
    text = question + " " + say("revoke.press", turn.lang, label=label)
    return Outcome([Reply(text, buttons=((Button(label, data),),))])


REVOKES = {"rv": revoke, "rvy": revoke, "rvi": revoke_invite, "rviy": revoke_invite}
