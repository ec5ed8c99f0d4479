"""The operator's command line: `nqbot --help`.

Every command reads settings when it runs (never at import), does its work in one transaction, and
reports a mistake as one line on stderr with exit code 2, without a traceback. Every file and folder it
makes is its owner's only (umask 077, see storage/private_files.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from datetime import date, datetime
from functools import update_wrapper
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.formatting import day, invite_about, moment
from bot.settings import Settings, load_settings
from bot.texts import said, say
from storage import backup as backup_db
from storage import campaigns, migrate, units
from storage.campaign_copy import CampaignCopy, copy_campaign
from storage.campaign_spec import CampaignSpec, load_campaign_file
from storage.database import Database
from storage.errors import NqbotError
from storage.private_files import PRIVATE_UMASK, private_folder

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CAMPAIGN = PROJECT_ROOT / "campaigns" / "nq15-2022.yaml"
SAMPLE_UNITS = PROJECT_ROOT / "examples" / "units-sample.csv"

T = TypeVar("T")


class Failure(click.ClickException):
    """A one-line error ("Lỗi: …"); exit code 2 like click's own usage errors."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(say("cli.error", _language(), message=self.format_message()), err=True, file=file)


class NqbotGroup(click.Group):
    """Turns nqbot's own errors and database errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NqbotError as exc:
            raise Failure(said(exc.message, _language())) from None
        except SQLAlchemyError as exc:
            # The driver's message can carry the URL; show only its kind and first line.
            first = str(getattr(exc, "orig", exc)).splitlines()[0] if str(getattr(exc, "orig", exc)) else ""
            raise Failure(say("cli.database_error", _language(), kind=type(exc).__name__, detail=first)) from None
        except OSError as exc:
            raise Failure(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def tell(settings: Settings, key: str, /, *, err: bool = False, **params: Any) -> None:
    """Print a catalog text in the operator's language (NQBOT_LANGUAGE)."""
    click.echo(say(key, settings.nqbot_language, **params), err=err)


def _language() -> str:
    """NQBOT_LANGUAGE, for a message about settings that may themselves be wrong."""
    try:
        return load_settings().nqbot_language
    except NqbotError:
        return "vi"


def run_async(func: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., T]:
    """Run an async command body with its own event loop, settings and database."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        return asyncio.run(func(*args, **kwargs))

    return update_wrapper(wrapper, func)


@click.group(cls=NqbotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (debug level).")
def cli(verbose: bool) -> None:
    """nqbot: collect every unit's report on a campaign, chase the late ones, compile the result."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _open_database(settings: Settings, *, upgrade: bool = True) -> Database:
    database = Database(settings.database_url)
    if upgrade:
        migrate.upgrade(database.engine)
    return database


def _campaigns_known(settings: Settings, session: Any) -> str:
    """Every campaign with its dates, for a message that lists them."""
    rows = campaigns.list_campaigns(session)
    language = settings.nqbot_language
    listed = [
        say("cli.campaign_dates", language, code=r.code, deadline=day(r.report_deadline), closes=day(r.closes_on))
        for r in rows
    ]
    return ", ".join(listed) or say("cli.no_campaigns", language)


def _warn_if_none_open(settings: Settings, session: Any) -> None:
    """Say (on stderr) that no campaign takes reports today, and which exist: a new reporter would be told
    at once that the campaign has ended."""
    from storage.models import utcnow

    today = utcnow().astimezone(settings.timezone).date()
    if not campaigns.open_campaigns(session, today=today):
        tell(settings, "cli.no_open_campaign", err=True, campaigns=_campaigns_known(settings, session))


@cli.command()
@click.option("--sample-units", is_flag=True, help=f"Also import the sample units ({SAMPLE_UNITS.name}).")
def init(sample_units: bool) -> None:
    """Create or upgrade the database and load the shipped campaign (NQ 15)."""
    settings = load_settings()
    database = _open_database(settings)
    try:
        spec = load_campaign_file(SHIPPED_CAMPAIGN)
        with database.session() as session:
            result = campaigns.load_campaign(session, spec=spec, source_file=str(SHIPPED_CAMPAIGN))
            _tell_loaded(settings, spec, result)
            if sample_units:
                rows = units.read_units_csv(SAMPLE_UNITS)
                imported = units.import_units(session, rows=rows, source=str(SAMPLE_UNITS))
                _tell_imported(settings, SAMPLE_UNITS, imported)
            _warn_if_none_open(settings, session)
        tell(settings, "cli.database_ready", revision=migrate.head_revision())
    finally:
        database.dispose()


@cli.group()
def campaign() -> None:
    """Load and list campaigns."""


@campaign.command("load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def campaign_load(file: Path) -> None:
    """Validate a campaign file and store it (a changed questionnaire becomes a new version)."""
    spec = load_campaign_file(file)  # before touching the database: a bad file changes nothing
    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            result = campaigns.load_campaign(session, spec=spec, source_file=str(file))
    finally:
        database.dispose()
    _tell_loaded(settings, spec, result)
    _warn_placeholders(settings, spec)


def _warn_placeholders(settings: Settings, spec: CampaignSpec) -> None:
    """One line on stderr per report field still holding the shipped placeholder or left empty."""
    from bot.exports import placeholder_warnings

    for line in placeholder_warnings(spec.report, settings.nqbot_language):
        click.echo(line, err=True)


class DayParam(click.ParamType):
    """A day written DD/MM/YYYY, as the operator writes dates."""

    name = "DD/MM/YYYY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()
        except ValueError:
            raise Failure(say("cli.bad_day", _language(), value=value)) from None


@campaign.command("new")
@click.argument("code")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The campaign file to copy, e.g. campaigns/nq15-2022.yaml.",
)
@click.option("--deadline", required=True, type=DayParam(), help="The units' report deadline.")
@click.option("--board-deadline", type=DayParam(), help="The board's own deadline (default: moved by the same days).")
@click.option("--closes", type=DayParam(), help="Last day units may change a report (default: moved the same).")
@click.option("--dry-run", is_flag=True, help="Write the file but do not load it (edit it, then `campaign load`).")
def campaign_new(
    code: str, source: Path, deadline: date, board_deadline: date | None, closes: date | None, dry_run: bool
) -> None:
    """Write campaigns/CODE.yaml (in this folder) from an earlier campaign with every date moved, and load it."""
    settings = load_settings()
    copy = copy_campaign(source, code=code, report_deadline=deadline, board_deadline=board_deadline, closes_on=closes)
    target = Path("campaigns") / f"{code}.yaml"
    if target.exists():
        raise Failure(say("cli.campaign_file_exists", settings.nqbot_language, file=target))
    database = None if dry_run else _open_database(settings)
    try:
        if database is not None:
            with database.session() as session:
                if campaigns.get_campaign(session, code=code) is not None:
                    raise Failure(say("cli.campaign_code_taken", settings.nqbot_language, code=code))
        private_folder(target.parent)
        with target.open("x", encoding="utf-8") as file:  # "x": never over a file made meanwhile
            file.write(copy.text)
        _tell_written(settings, target, copy)
        if database is None:
            tell(settings, "cli.campaign_not_loaded", file=target)
            return
        with database.session() as session:
            result = campaigns.load_campaign(session, spec=copy.spec, source_file=str(target))
        _tell_loaded(settings, copy.spec, result)
    finally:
        if database is not None:
            database.dispose()


def _tell_written(settings: Settings, target: Path, copy: CampaignCopy) -> None:
    spec = copy.spec
    deadline, board, closes = day(spec.report_deadline), day(spec.board_deadline), day(spec.closes_on)
    tell(settings, "cli.campaign_written", file=target, code=spec.code, deadline=deadline, board=board, closes=closes)
    if copy.to_fill:
        tell(settings, "cli.campaign_fill", fields="; ".join(copy.to_fill))
    if copy.old_dates_in_text:
        tell(settings, "cli.campaign_old_dates", lines=", ".join(copy.old_dates_in_text))


def _tell_loaded(settings: Settings, spec: CampaignSpec, result: campaigns.LoadResult) -> None:
    if result.created:
        tell(
            settings,
            "cli.campaign_loaded",
            code=spec.code,
            questions=len(spec.questionnaire),
            deadline=day(spec.report_deadline),
        )
    elif result.questionnaire_changed:
        tell(
            settings,
            "cli.campaign_new_version",
            code=spec.code,
            version=result.questionnaire_version,
            older=result.answers_on_older_versions,
        )
    else:
        tell(settings, "cli.campaign_updated", code=spec.code)


@campaign.command("list")
def campaign_list() -> None:
    """List the campaigns in the database."""
    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            for row in campaigns.list_campaigns(session):
                deadline, closes = day(row.report_deadline), day(row.closes_on)
                tell(settings, "cli.campaign_row", code=row.code, title=row.title, deadline=deadline, closes=closes)
    finally:
        database.dispose()


@cli.group("units")
def units_group() -> None:
    """Import the register of units."""


@units_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prune", is_flag=True, help="Delete units missing from the file that have no data.")
def units_import(file: Path, prune: bool) -> None:
    """Import units from a CSV (code,name,kind,member_count,parent) in one transaction."""
    rows = units.read_units_csv(file)
    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            result = units.import_units(session, rows=rows, source=str(file), prune=prune)
    finally:
        database.dispose()
    _tell_imported(settings, file, result)


def _tell_imported(settings: Settings, file: Path, result: units.ImportResult) -> None:
    tell(
        settings,
        "cli.units_imported",
        source=file,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    if result.pruned:
        tell(settings, "cli.units_pruned", codes=", ".join(result.pruned))
    if result.not_in_file:
        tell(settings, "cli.units_kept", codes=", ".join(result.not_in_file))


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (creates the database when there is none)."""
    settings = load_settings()
    database = _open_database(settings)
    try:
        tell(settings, "cli.database_ready", revision=migrate.current_revision(database.engine))
    finally:
        database.dispose()


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the SQLite database to FILE with SQLite's online backup (safe while the bot runs)."""
    settings = load_settings()
    source = settings.sqlite_path()
    if source is None:
        raise Failure(say("cli.backup_needs_sqlite", settings.nqbot_language))
    pages = backup_db.backup_sqlite(source, file)
    tell(settings, "cli.backed_up", source=source, file=file, pages=pages)


@cli.command()
def status() -> None:
    """Show the campaigns, the units and how many have reported."""
    from storage import reports

    settings = load_settings()
    path = settings.sqlite_path()
    if path is not None and not path.exists():  # never a new, empty database that says "0 units"
        raise Failure(say("cli.no_database", settings.nqbot_language, path=path))
    database = _open_database(settings)
    try:
        with database.session() as session:
            unit_count = units.count_units(session)
            tell(settings, "cli.status_units", count=unit_count)
            for row in campaigns.list_campaigns(session):
                progress = reports.progress(session, campaign_id=row.id or 0)
                tell(
                    settings,
                    "cli.status_campaign",
                    code=row.code,
                    submitted=progress.submitted,
                    units=unit_count,
                    late=progress.late,
                    drafts=progress.drafts,
                    deadline=day(row.report_deadline),
                    closes=day(row.closes_on),
                )
            _warn_if_none_open(settings, session)
    finally:
        database.dispose()


@cli.command()
@click.option(
    "--webhook",
    is_flag=True,
    help="Take updates through a webhook at WEBHOOK_URL (…/telegram, …/zalo) instead of long polling.",
)
def run(webhook: bool) -> None:
    """Run the bot on Telegram and/or Zalo (whichever tokens are set) until stopped with Ctrl-C or SIGTERM."""
    from bot.app import configure_logging
    from bot.app import run as run_bot

    settings = load_settings()
    settings.require_any_token()  # before logging starts: a missing token is one line, exit 2
    hook = settings.require_webhook() if webhook else None
    path = settings.sqlite_path()
    if path is None or path.exists():  # a new database is made (and checked) by the run itself
        database = _open_database(settings, upgrade=False)  # the leading run upgrades, not this check
        try:
            with database.session() as session:
                _warn_if_none_open(settings, session)
        except SQLAlchemyError:
            logger.debug("no campaigns to check before the schema is upgraded", exc_info=True)
        finally:
            database.dispose()
    configure_logging()
    run_bot(settings, webhook=hook)


@cli.command()
@click.option("--keep", is_flag=True, help="Reuse data/demo.db from the last demo instead of starting afresh.")
@click.option("--staff", is_flag=True, help="Chat as a board staff member, with a few sample units already reported.")
@run_async
async def demo(keep: bool, staff: bool) -> None:
    """Chat with the bot in this terminal as a unit's reporter, or with --staff as the board's staff (no token,
    no network). Charts and exports are saved in data/demo-files/."""
    from bot import demo as demo_setup
    from bot.channels.terminal import TerminalChat
    from storage.models import utcnow

    settings = load_settings()
    today = utcnow().astimezone(settings.timezone).date()
    path = PROJECT_ROOT / "data" / "demo.db"
    private_folder(path.parent)
    prepared = demo_setup.prepare(
        path, SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=today, language=settings.nqbot_language, keep=keep
    )
    tell(settings, "demo.heading", title=prepared.spec.title, deadline=day(prepared.spec.report_deadline), path=path)
    files = PROJECT_ROOT / "data" / "demo-files"
    if staff:
        chat = TerminalChat(prepared.engine, demo_setup.STAFF_USER, files=files, display_name="Demo (Ban)")
        await demo_setup.report_samples(prepared)
        samples = demo_setup.SAMPLE_REPORTS
        reported = sum(sample.submitted for sample in samples)
        tell(settings, "demo.staff_how", reported=reported, drafts=len(samples) - reported, files=files)
        click.echo()
        for reply in await demo_setup.join_as_staff(prepared, chat):
            click.echo(chat.shown(reply) + "\n")
    else:
        tell(settings, "demo.invite", unit=prepared.unit_name, code=prepared.invite_code)
        tell(settings, "demo.how", code=prepared.invite_code)
        click.echo()
        chat = TerminalChat(prepared.engine, files=files)

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(input, "> ")
        except EOFError:
            return None

    try:
        await chat.run(read, click.echo)
    except KeyboardInterrupt:
        pass
    finally:
        prepared.database.dispose()
    click.echo()
    tell(settings, "demo.staff_ended" if staff else "demo.ended")


@cli.command()
@click.argument("unit", required=False)
@click.option("--all", "all_units", is_flag=True, help="An invite for every unit.")
@click.option("--qr", "qr_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write QR codes here.")
@click.option("--days", default=30, show_default=True, help="Days until the invite expires.")
@click.option("--uses", default=2, show_default=True, help="How many people may join with it (secretary, deputy).")
@click.option(
    "--revoke", "revoke_target", metavar="UNIT|CODE", help="Revoke a unit's live invites, or one invite by its code."
)
def invite(
    unit: str | None, all_units: bool, qr_dir: Path | None, days: int, uses: int, revoke_target: str | None
) -> None:
    """Print a unit's invite link (`nqbot invite DB-STC`) or every unit's (`--all`); or revoke invites
    (`nqbot invite --revoke DB-STC`, or `--revoke CODE` for one)."""
    from bot import invite_links

    settings = load_settings()
    if revoke_target is not None:
        if unit or all_units or qr_dir:
            raise Failure(say("cli.invite_revoke_alone", settings.nqbot_language))
        _revoke_invites(settings, revoke_target)
        return
    if bool(unit) == all_units:
        raise Failure(say("cli.invite_which", settings.nqbot_language))
    database = _open_database(settings)
    try:
        with database.session() as session:
            made = invite_links.make_reporter_invites(session, unit_code=unit, ttl_days=days, max_uses=uses)
            _warn_if_none_open(settings, session)
        username = asyncio.run(invite_links.bot_username(settings))
        for item in made:
            link = invite_links.link(username, item.code)
            click.echo(f"{item.unit_code}\t{item.unit_name}\t{link}")
            if qr_dir is not None:
                invite_links.write_qr(link, qr_dir / f"{item.unit_code}.png")
        if username is None:
            tell(settings, "cli.invite_no_username", err=True)
    finally:
        database.dispose()


def _revoke_invites(settings: Settings, target: str) -> None:
    """Revoke the live invites of the unit `target` names, or the invite whose code it is; a line for each."""
    from storage import invites
    from storage.models import Unit, utcnow

    language, now = settings.nqbot_language, utcnow()
    database = _open_database(settings)
    try:
        with database.session() as session:
            unit = units.get_unit(session, code=target)
            invite = None if unit else invites.find_invite(session, code=target, now=now)[0]
            if unit is not None:
                revoked = invites.revoke_unit_invites(session, unit_id=unit.id or 0, actor="cli", now=now)
                nothing = say("cli.invite_none_live", language, unit=unit.code)
            elif invite is None:
                raise Failure(say("cli.invite_unknown", language, target=target))
            elif invite.revoked_at is None:
                invites.revoke_invite(session, invite=invite, actor="cli", now=now)
                revoked, unit = [invite], session.get(Unit, invite.unit_id or 0)
            else:
                at = moment(invite.revoked_at.astimezone(settings.timezone), language)
                revoked, nothing = [], say("cli.invite_was_revoked", language, at=at)
            owner = f"{unit.code} ({unit.name})" if unit else say("invite.board", language)
            lines = [
                say(
                    "cli.invite_revoked",
                    language,
                    target=owner,
                    about=invite_about(
                        done, by=invites.maker(session, invite=done), timezone=settings.timezone, language=language
                    ),
                )
                for done in revoked
            ]
    finally:
        database.dispose()
    for line in lines or [nothing]:
        click.echo(line)


@cli.command()
@click.argument("campaign_code", metavar="CAMPAIGN")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("exports"),
    show_default=True,
    help="Folder for the files.",
)
def export(campaign_code: str, out_dir: Path) -> None:
    """Write the compiled report (DOCX) and its table (XLSX) for a campaign, as of today."""
    from bot.exports import export_files
    from storage.models import utcnow

    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            found = campaigns.get_campaign(session, code=campaign_code)
            if found is None:
                known = _campaigns_known(settings, session)
                raise Failure(say("cli.unknown_campaign", settings.nqbot_language, code=campaign_code, campaigns=known))
            spec = campaigns.spec_of(found)
        today = utcnow().astimezone(settings.timezone).date()
        paths = export_files(database, campaign_code, out_dir, today=today, timezone=settings.timezone)
    finally:
        database.dispose()
    for path in paths:
        click.echo(str(path))
    _warn_placeholders(settings, spec)


@cli.group()
def staff() -> None:
    """The propaganda board's staff."""


@staff.command("invite")
@click.option("--admin", is_flag=True, help="The invitee may manage staff too.")
@click.option("--days", default=7, show_default=True, help="Days until the invite expires.")
def staff_invite(admin: bool, days: int) -> None:
    """Print a one-time invite for a staff member (the first admin is made this way)."""
    from datetime import timedelta

    from bot import invite_links
    from storage import invites
    from storage.models import Role

    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            role = Role.admin if admin else Role.staff
            new = invites.create_invite(session, role=role, ttl=timedelta(days=days), max_uses=1)
    finally:
        database.dispose()
    language = settings.nqbot_language
    expires = moment(new.invite.expires_at.astimezone(settings.timezone), language)
    tell(settings, "cli.staff_invite_made", role=say(f"cli.staff_invite_{role.value}", language), expires=expires)
    # Each channel the bot runs on; before any is set up, both, so the operator sees what the person will do.
    telegram, zalo = settings.telegram_token() is not None, settings.zalo_token() is not None
    if telegram or not zalo:
        username = asyncio.run(invite_links.bot_username(settings))
        tell(settings, "cli.staff_invite_telegram", link=invite_links.link(username, new.code))
    if zalo or not telegram:
        tell(settings, "cli.staff_invite_zalo", typed=invite_links.typed(new.code))
    tell(settings, "cli.staff_invite_send", role=say(f"role.{role.value}", language))


def main() -> None:
    """The `nqbot` command; the files it and SQLite make (database, WAL, backups, exports) are 0600."""
    os.umask(PRIVATE_UMASK)
    cli(prog_name="nqbot")
