"""Numbers, percentages and dates written the Vietnamese way: 1.234, 95,00%, 20/09/2022."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.texts import say


def number(value: int) -> str:
    """1234 → "1.234"."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float, places: int = 2) -> str:
    """95.0 → "95,00"; 1234.5 → "1.234,50"."""
    whole, _, fraction = f"{value:,.{places}f}".partition(".")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def day(value: date) -> str:
    """date(2022, 9, 20) → "20/09/2022"."""
    return value.strftime("%d/%m/%Y")


def moment(value: datetime) -> str:
    """A local time as "08:05 20/09/2022"."""
    return value.strftime("%H:%M %d/%m/%Y")


def days_to(deadline: date, today: date, language: str) -> str:
    """ "còn 5 ngày", "hạn là hôm nay", "đã quá hạn 2 ngày"."""
    days = (deadline - today).days
    if days > 0:
        return say("deadline.days_left", language, days=days)
    return say("deadline.today", language) if days == 0 else say("deadline.days_late", language, days=-days)


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
