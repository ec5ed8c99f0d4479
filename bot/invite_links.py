"""Invite links and QR codes for units: https://t.me/<bot>?start=<code>."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from bot.settings import Settings
from storage import invites, units
from storage.errors import ConfigError, NqbotError, Text
from storage.models import Role, Unit
from storage.private_files import write_private

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MadeInvite:
    unit_code: str
    unit_name: str
    code: str


def make_reporter_invites(
    session: Session, *, unit_code: str | None, ttl_days: int, max_uses: int, actor: str = "cli"
) -> list[MadeInvite]:
    """A new invite for one unit, or for every unit when `unit_code` is None."""
    if unit_code is not None:
        unit = units.get_unit(session, code=unit_code)
        if unit is None:
            raise NqbotError(Text("invite.unknown_unit", unit=unit_code))
        if unit.reports_through_parent:
            parent = session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
            raise NqbotError(Text("invite.reported_by_parent", unit=unit.code, parent=parent.code if parent else "?"))
        targets = [unit]
    else:
        targets = units.list_units(session, reporting_only=True)  # not the cells their committee reports for
        if not targets:
            raise NqbotError(Text("invite.no_units"))
    made = []
    for unit in targets:
        new = invites.create_invite(
            session, role=Role.reporter, unit_id=unit.id, ttl=timedelta(days=ttl_days), max_uses=max_uses, actor=actor
        )
        made.append(MadeInvite(unit.code, unit.name, new.code))
    return made


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username from getMe, or None without a token or a reachable API."""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        token = settings.require_telegram_token()
    except ConfigError:
        return None
    try:
        async with Bot(token, base_url=settings.telegram_api_base_url) as bot:
            return bot.username
    except TelegramError as exc:
        logger.warning("could not ask Telegram for the bot's name: %s", type(exc).__name__)
        return None


def link(username: str | None, code: str) -> str:
    """A link that opens the bot with the code, or (no bot name known) what to type: "/start CODE"."""
    return f"https://t.me/{username}?start={code}" if username else f"/start {code}"


def typed(code: str) -> str:
    """What a reporter types to join where there are no deep links (Zalo): "DK CODE"."""
    return f"DK {code}"


def qr_png(text: str) -> bytes:
    """A QR code of `text` as PNG bytes."""
    import qrcode

    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


def write_qr(text: str, path: Path) -> None:
    """The QR code as a PNG file only its owner reads: an invite lets anyone who has it join."""
    write_private(path, qr_png(text))
