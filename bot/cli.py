"""The operator's command line: `nqbot --help`.

Every command reads settings when it runs (never at import), does its work in one transaction, and
reports a mistake as one line on stderr with exit code 2, without a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from functools import update_wrapper
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings, load_settings
from storage import backup as backup_db
from storage import campaigns, migrate, units
from storage.campaign_spec import load_campaign_file
from storage.database import Database
from storage.errors import NqbotError

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CAMPAIGN = PROJECT_ROOT / "campaigns" / "nq15-2022.yaml"
SAMPLE_UNITS = PROJECT_ROOT / "examples" / "units-sample.csv"

T = TypeVar("T")


class Failure(click.ClickException):
    """A one-line error; exit code 2 like click's own usage errors."""

    exit_code = 2


class NqbotGroup(click.Group):
    """Turns nqbot's own errors and database errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NqbotError as exc:
            raise Failure(str(exc)) from None
        except SQLAlchemyError as exc:
            # The driver's message can carry the URL; show only its kind and first line.
            first = str(getattr(exc, "orig", exc)).splitlines()[0] if str(getattr(exc, "orig", exc)) else ""
            raise Failure(f"database error ({type(exc).__name__}): {first}") from None
        except OSError as exc:
            raise Failure(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


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
            click.echo(f"campaign {spec.code}: {'loaded' if result.created else 'up to date'}")
            if sample_units:
                rows = units.read_units_csv(SAMPLE_UNITS)
                imported = units.import_units(session, rows=rows, source=str(SAMPLE_UNITS))
                click.echo(f"units: {imported.created} new, {imported.updated} updated, {imported.unchanged} unchanged")
        click.echo(f"database ready at revision {migrate.head_revision()}")
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
    database = _open_database(load_settings())
    try:
        with database.session() as session:
            result = campaigns.load_campaign(session, spec=spec, source_file=str(file))
    finally:
        database.dispose()
    if result.created:
        click.echo(
            f"campaign {spec.code} loaded: {len(spec.questionnaire)} questions, "
            f"report deadline {spec.report_deadline:%d/%m/%Y}"
        )
    elif result.questionnaire_changed:
        click.echo(
            f"campaign {spec.code} updated: questionnaire version {result.questionnaire_version}; "
            f"{result.answers_on_older_versions} stored report(s) keep their earlier version"
        )
    else:
        click.echo(f"campaign {spec.code} updated (questionnaire unchanged)")


@campaign.command("list")
def campaign_list() -> None:
    """List the campaigns in the database."""
    database = _open_database(load_settings())
    try:
        with database.session() as session:
            for row in campaigns.list_campaigns(session):
                click.echo(
                    f"{row.code}\t{row.title}\tdeadline {row.report_deadline:%d/%m/%Y}\tcloses {row.closes_on:%d/%m/%Y}"
                )
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
    database = _open_database(load_settings())
    try:
        with database.session() as session:
            result = units.import_units(session, rows=rows, source=str(file), prune=prune)
    finally:
        database.dispose()
    click.echo(f"{file}: {result.created} new, {result.updated} updated, {result.unchanged} unchanged")
    if result.pruned:
        click.echo(f"deleted (not in the file, no data): {', '.join(result.pruned)}")
    if result.not_in_file:
        click.echo(f"kept (not in the file): {', '.join(result.not_in_file)}")


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations (creates the database when there is none)."""
    database = _open_database(load_settings())
    try:
        click.echo(f"database at revision {migrate.current_revision(database.engine)}")
    finally:
        database.dispose()


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Copy the SQLite database to FILE with SQLite's online backup (safe while the bot runs)."""
    settings = load_settings()
    source = settings.sqlite_path()
    if source is None:
        raise Failure("backup copies a SQLite file; for PostgreSQL use pg_dump")
    pages = backup_db.backup_sqlite(source, file)
    click.echo(f"backed up {source} to {file} ({pages} pages)")


@cli.command()
def status() -> None:
    """Show the campaigns, the units and how many have reported."""
    from storage import reports

    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            unit_count = units.count_units(session)
            click.echo(f"units: {unit_count}")
            for row in campaigns.list_campaigns(session):
                progress = reports.progress(session, campaign_id=row.id or 0)
                click.echo(
                    f"{row.code}: {progress.submitted}/{unit_count} reported ({progress.late} late), "
                    f"{progress.drafts} draft(s); report deadline {row.report_deadline:%d/%m/%Y}, "
                    f"closes {row.closes_on:%d/%m/%Y}"
                )
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
    configure_logging()
    run_bot(settings, webhook=hook)


@cli.command()
@click.option("--keep", is_flag=True, help="Reuse data/demo.db from the last demo instead of starting afresh.")
@run_async
async def demo(keep: bool) -> None:
    """Chat with the bot in this terminal as a unit's reporter (no token, no network)."""
    from bot import demo as demo_setup
    from bot import formatting
    from bot.channels.terminal import TerminalChat
    from bot.engine.engine import system_clock

    settings = load_settings()
    today = system_clock().astimezone(settings.timezone).date()
    path = PROJECT_ROOT / "data" / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    prepared = demo_setup.prepare(
        path, SHIPPED_CAMPAIGN, SAMPLE_UNITS, today=today, language=settings.nqbot_language, keep=keep
    )
    click.echo(
        f"nqbot demo: campaign “{prepared.spec.title}”, report deadline "
        f"{formatting.day(prepared.spec.report_deadline)}; database {path}"
    )
    click.echo(f"Invite code for {prepared.unit_name}: {prepared.invite_code}")
    click.echo(f"Type  /start {prepared.invite_code}  to join as its reporter. Ctrl-D ends the demo.\n")
    chat = TerminalChat(prepared.engine)

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
    click.echo("\nDemo ended; run `nqbot demo --keep` to continue where you left off.")


@cli.command()
@click.argument("unit", required=False)
@click.option("--all", "all_units", is_flag=True, help="An invite for every unit.")
@click.option("--qr", "qr_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write QR codes here.")
@click.option("--days", default=30, show_default=True, help="Days until the invite expires.")
@click.option("--uses", default=2, show_default=True, help="How many people may join with it (secretary, deputy).")
def invite(unit: str | None, all_units: bool, qr_dir: Path | None, days: int, uses: int) -> None:
    """Print a unit's invite link (`nqbot invite DB-STC`) or every unit's (`--all`)."""
    from bot import invite_links

    if bool(unit) == all_units:
        raise Failure("name one unit code, or use --all")
    settings = load_settings()
    database = _open_database(settings)
    try:
        with database.session() as session:
            made = invite_links.make_reporter_invites(session, unit_code=unit, ttl_days=days, max_uses=uses)
        username = asyncio.run(invite_links.bot_username(settings))
        for item in made:
            link = invite_links.link(username, item.code)
            click.echo(f"{item.unit_code}\t{item.unit_name}\t{link}")
            if qr_dir is not None:
                invite_links.write_qr(link, qr_dir / f"{item.unit_code}.png")
        if username is None:
            click.echo(
                "(no bot username: set TELEGRAM_BOT_TOKEN to print t.me links; meanwhile the lines above "
                "can be typed to the bot)",
                err=True,
            )
    finally:
        database.dispose()


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
    from bot.engine.engine import system_clock
    from bot.exports import export_files

    settings = load_settings()
    database = _open_database(settings)
    try:
        today = system_clock().astimezone(settings.timezone).date()
        paths = export_files(
            database, campaign_code, out_dir, today=today, language=settings.nqbot_language, timezone=settings.timezone
        )
    finally:
        database.dispose()
    for path in paths:
        click.echo(str(path))


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
            new = invites.create_invite(
                session, role=Role.admin if admin else Role.staff, ttl=timedelta(days=days), max_uses=1
            )
    finally:
        database.dispose()
    username = asyncio.run(invite_links.bot_username(settings))
    click.echo(invite_links.link(username, new.code))


def main() -> None:
    cli(prog_name="nqbot")
