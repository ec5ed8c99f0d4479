"""One channel's send limiter: replies, notices and nudges share it, replies first.

Usage:
    pacer = Pacer(rate=25)
    await pacer.wait(chat_id, urgent=True)   # a reply: goes before any nudge waiting for its turn
    await pacer.wait(chat_id)                # a nudge or a notice

At most `rate` messages a second in all, spaced evenly (1/rate apart, counted from when each actually
started, so a busy event loop never lets the ones that waited go out in a burst); to one chat, `burst` at
once (a reply and the next question) and then `per_chat` a second. Time is the monotonic clock's, so a
wall-clock jump neither stalls sending nor lets it burst. A message that is not urgent waits while any
urgent one is waiting, so the bot's own fan-out never holds up a reporter's answer by more than one slot.
"""

from __future__ import annotations

import asyncio
import math
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
    _last: float = -math.inf  # when the last message started
    _paused_until: float = -math.inf
    _chats: dict[str, tuple[float, float]] = field(default_factory=dict)  # chat → (tokens, as of)
    _urgent: int = 0
    _no_urgent: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._no_urgent.set()

    async def wait(self, chat: str, *, urgent: bool = False) -> None:
        """Wait for this chat's next slot. The slot is taken when it has come, not booked ahead: a waiter woken
        late (the event loop was busy) or during a pause asked for meanwhile looks again before it sends."""
        if urgent:
            self._urgent += 1
            self._no_urgent.clear()
        try:
            while True:
                if not urgent and self._urgent:
                    await self._no_urgent.wait()
                    continue
                now = self.monotonic()
                ready = max(self._paused_until, self._last + 1.0 / self.rate, self._chat_ready(chat, now))
                if ready <= now:
                    self._last = now
                    self._chats[chat] = (self._tokens(chat, now) - 1.0, now)
                    if len(self._chats) > FORGET_CHATS_AT:
                        self._forget_idle(now)
                    return
                await self.sleep(ready - now)
        finally:
            if urgent:
                self._urgent -= 1
                if not self._urgent:
                    self._no_urgent.set()

    def pause(self, seconds: float) -> None:
        """The platform asked to wait (a 429's retry_after): no message starts before then."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    def _tokens(self, chat: str, at: float) -> float:
        tokens, since = self._chats.get(chat, (self.burst, at))
        return min(self.burst, tokens + max(0.0, at - since) * self.per_chat)

    def _chat_ready(self, chat: str, now: float) -> float:
        """When the chat has a whole token again."""
        tokens = self._tokens(chat, now)
        return now if tokens >= 1.0 else now + (1.0 - tokens) / self.per_chat

    def _forget_idle(self, now: float) -> None:
        full = self.burst / self.per_chat
        self._chats = {chat: state for chat, state in self._chats.items() if now - state[1] < full}
