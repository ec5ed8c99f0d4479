"""One channel's send limiter: replies, notices and nudges share it, replies first.

Usage:
    pacer = Pacer(rate=25)
    await pacer.wait(chat_id, urgent=True)   # a reply: goes before any nudge waiting for its turn
    await pacer.wait(chat_id)                # a nudge or a notice

At most `rate` messages a second in all, spaced evenly; to one chat, `burst` at once (a reply and the
next question) and then `per_chat` a second. Time is the monotonic clock's, so a wall-clock jump neither
stalls sending nor lets it burst. A message that is not urgent waits while any urgent one is waiting, so
the bot's own fan-out never holds up a reporter's answer by more than one slot.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

FORGET_CHATS_AT = 10_000  # chats remembered before the idle ones are dropped


@dataclass
class Pacer:
    rate: float
    per_chat: float = 1.0
    burst: float = 3.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    _next: float = 0.0
    _chats: dict[str, tuple[float, float]] = field(default_factory=dict)  # chat → (tokens, as of)
    _urgent: int = 0
    _no_urgent: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._no_urgent.set()

    async def wait(self, chat: str, *, urgent: bool = False) -> None:
        """Wait for this chat's next slot."""
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
        try:
            while not urgent and self._urgent:
                await self._no_urgent.wait()
            now = self.monotonic()
            start = max(now, self._next, self._chat_ready(chat, now))
            self._next = start + 1.0 / self.rate
            self._chats[chat] = (self._tokens(chat, start) - 1.0, start)
            if len(self._chats) > FORGET_CHATS_AT:
                self._forget_idle(now)
            if start > now:
                await self.sleep(start - now)
        finally:
            if urgent:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()

    def _tokens(self, chat: str, at: float) -> float:
        """The chat's tokens at `at` (not before its last send)."""
        tokens, since = self._chats.get(chat, (self.burst, at))
        return min(self.burst, tokens + max(0.0, at - since) * self.per_chat)

    def _chat_ready(self, chat: str, now: float) -> float:
        """When the chat has a whole token again."""
        at = max(now, self._chats.get(chat, (0.0, now))[1])
        tokens = self._tokens(chat, at)
        return at if tokens >= 1.0 else at + (1.0 - tokens) / self.per_chat

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.per_chat
        self._chats = {chat: state for chat, state in self._chats.items() if now - state[1] < full}

    def pause(self, seconds: float) -> None:
        """The platform asked to wait (a 429's retry_after): no message starts before then."""
        self._next = max(self._next, self.monotonic() + seconds)
