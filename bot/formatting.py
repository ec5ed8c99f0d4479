"""Numbers, percentages and dates written the Vietnamese way: 1.234, 95,00%, 20/09/2022."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.texts import say
from storage.models import Invite


def number(value: int) -> str:
    """1234 → "1.234"."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float, places: int = 2) -> str:
    """95.0 → "95,00"; 1234.5 → "1.234,50"."""
    whole, _, fraction = f"{value:,.{places}f}".partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def quote(text: str, limit: int = 50) -> str:
    """What a person typed, for echoing in a reply: at most `limit` characters, on one line, "…" where cut."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def day(value: date) -> str:
    """date(2022, 9, 20) → "20/09/2022"."""
    return value.strftime("%d/%m/%Y")


def moment(value: datetime, language: str = "vi") -> str:
    """A local time as "08:05 ngày 20/09/2022" (English: "08:05 on 20/09/2022")."""
    return say("moment", language, time=value.strftime("%H:%M"), day=value.strftime("%d/%m/%Y"))


def days_to(deadline: date, today: date, language: str) -> str:
    """ "còn 5 ngày", "hạn là hôm nay", "đã quá hạn 2 ngày"."""
    days = (deadline - today).days
    if days > 0:
        return say("deadline.days_left", language, days=days)
    return say("deadline.today", language) if days == 0 else say("deadline.days_late", language, days=-days)


def invite_about(invite: Invite, *, by: str | None, timezone: ZoneInfo, language: str) -> str:
    """One invite as the lists that revoke them show it (/moi, `nqbot invite --revoke`): "tạo 07:00 01/09/2022 bởi
    dòng lệnh, hết hạn 01/10/2022, đã dùng 1/2"; `by` is the maker's name, None for the operator's command line."""
    return say(
        "invite.about",
        language,
        created=moment(invite.created_at.astimezone(timezone), language),
        by=by or say("invite.by_cli", language),
        expires=day(invite.expires_at.astimezone(timezone).date()),
        used=invite.use_count,
        uses=invite.max_uses,
    )


def value(item: Any, language: str = "vi") -> str:
    """Any value an expression gives, written for a reader."""
    if item is None:
        return "—"
    if isinstance(item, bool):
        return say("answer.yes" if item else "answer.no", language)
    if isinstance(item, int):
        return number(item)
    if isinstance(item, float):
        return decimal(item)
    if isinstance(item, date):
        return day(item)
    if isinstance(item, list):
        return ", ".join(value(i, language) for i in item)
    return str(item)
