"""What a channel's delivery does for the sender: send one message to one chat, say how it went.

Usage:
    class TelegramDelivery:  # a channel's implementation
        limit = 4096
        async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered: ...

A text longer than the channel's limit goes as several pieces (`split`); `skip` pieces were delivered by
an earlier attempt and are not sent again, and `Delivered.parts_sent` says how many have gone in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.engine import Reply
from bot.engine.messages import utf16_units


class Result(StrEnum):
    sent = "sent"
    retry_after = "retry_after"  # the platform asks us to wait (`wait` seconds)
    blocked = "blocked"  # the person blocked the bot, or the chat is gone
    transient = "transient"  # a network or server error: try again later
    rejected = "rejected"  # the platform refused this message for good (a 400): fail it, not the channel


@dataclass(frozen=True)
class Delivered:
    result: Result
    wait: float = 0.0
    error: str = ""
    parts_sent: int = 0  # pieces of the text delivered so far, those skipped included


class Delivery(Protocol):
    """One channel's way of sending a message to a chat."""

    async def deliver(self, chat_id: str, reply: Reply, *, skip: int = 0) -> Delivered: ...


def split(text: str, limit: int) -> list[str]:
    """Cut a text into pieces of at most `limit` UTF-16 units: at a line break in the last half of a piece,
    else between words; only a single word longer than a piece is cut inside. A blank text has none."""
    pieces: list[str] = []
    rest = text.strip()
    while utf16_units(rest) > limit:
        fits, used = 0, 0
        for char in rest:
            used += 2 if ord(char) > 0xFFFF else 1
            if used > limit:
                break
            fits += 1
        window = rest[:fits]
        at = window.rfind("\n")
        if at < fits // 2:
            at = max(at, window.rfind(" "))
        piece, rest = (window, rest[fits:]) if at <= 0 else (window[:at], rest[at + 1 :])
        if piece.strip():
            pieces.append(piece.rstrip())
        rest = rest.lstrip(" \n")
    if rest:
        pieces.append(rest)
    return pieces
