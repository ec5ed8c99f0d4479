"""A channel's inbox (storage/inbound.py) as the channels use it: store an update, handle it, mark it handled,
and take again what a process that stopped left unhandled.

Usage:
    inbox = Inbox(database, Channel.zalo)
    if await inbox.store(event_id, update, chat_id=chat):      # the first thing after it arrives
        inbox.spawn(inbox.handle(event_id, channel.handle_update(update)))   # or awaited, when polling
    for stored in await inbox.unhandled(only_process=True):    # at start; every few seconds with False
        await inbox.handle(stored.event_id, channel.handle_update(stored.payload))
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from storage import inbound
from storage.database import Database
from storage.inbound import Stored
from storage.models import Channel, utcnow

logger = logging.getLogger(__name__)

# A claim older than this is taken for a process that stopped: its update is handled by another. Each process
# renews the claims of the updates it is handling (or holding for their chat) every SWEEP_EVERY seconds, when
# it also takes the stale ones (bot/app.py), so a worker killed on PostgreSQL loses its updates for at most
# CLAIM_LEASE + SWEEP_EVERY.
CLAIM_LEASE = timedelta(seconds=10)
SWEEP_EVERY = 3.0
STOP_WAIT = 5.0  # seconds the updates being handled get to finish when the bot stops


# The updates whose turn committed (and marked them handled) during the handling an Inbox awaits, in that
# handling's task: told by the channel (turn_committed), so the inbox does not mark them again.
_TURNS: ContextVar[list[str] | None] = ContextVar("nqbot_inbox_turns", default=None)


def turn_committed(event_id: str | None) -> None:
    """The engine's turn of this update committed: the update is marked handled with its effects (the turn's
    first statement, storage.inbound.first_delivery), and the inbox handling it need not mark it again."""
    committed = _TURNS.get()
    if committed is not None and event_id is not None:
        committed.append(event_id)


class Inbox:
    """Stores a channel's updates before they are handled; keeps the handling tasks it spawns."""

    def __init__(self, database: Database, channel: Channel, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
        self.channel = channel
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_hand: set[str] = set()  # the updates this process has taken and not yet handled

    async def store(self, event_id: str, payload: Mapping[str, Any], *, chat_id: str | None) -> bool:
        """Store an update (committed when this returns); True when this process is to handle it (False for a
        redelivery of one handled, or being handled by another process). A database error is raised."""
        now = self.clock()
        work = partial(
            inbound.store,
            channel=self.channel,
            event_id=event_id,
            payload=payload,
            chat_id=chat_id,
            now=now,
            stale_before=now - CLAIM_LEASE,
        )
        taken = bool(await self.database.run_core(work))  # Core only: no session
        if taken:
            self._in_hand.add(event_id)
        return taken

    async def handle(self, event_id: str, handling: Coroutine[Any, Any, None]) -> None:
        """Run a stored update's handling, then mark it handled, unless its turn did (turn_committed). If the
        handling fails, the update is left unhandled: taken again later, at most inbound.MAX_ATTEMPTS times."""
        self._in_hand.add(event_id)
        committed: list[str] = []
        token = _TURNS.set(committed)
        try:
            await handling
        except Exception:
            logger.exception("error while handling %s update %s; it is tried again later", self.channel, event_id)
            return
        finally:
            _TURNS.reset(token)
            self._in_hand.discard(event_id)
        if event_id in committed:  # its turn marked it, in the transaction that committed its effects
            return
        mark = partial(inbound.mark_handled, channel=self.channel, event_id=event_id, now=self.clock())
        try:
            await self.database.run(mark)
        except Exception:  # the turn has marked it, if it had one; otherwise it is handled again later
            logger.exception("could not mark %s update %s handled", self.channel, event_id)

    def spawn(self, handling: Coroutine[Any, Any, None]) -> None:
        """Handle in a task of its own (the webhook answers meanwhile); kept until done."""
        task = asyncio.create_task(handling)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def unhandled(self, *, only_process: bool) -> list[Stored]:
        """Claim stored updates left unhandled: every one when this is the only process (SQLite), else those
        whose claim has expired (a worker that stopped)."""
        now = self.clock()
        stale_before = None if only_process else now - CLAIM_LEASE
        claim = partial(inbound.claim_unhandled, channel=self.channel, now=now, stale_before=stale_before)
        taken: list[Stored] = await self.database.run(claim)
        self._in_hand.update(stored.event_id for stored in taken)
        return taken

    async def renew(self) -> None:
        """Renew the claims of the updates this process has in hand, so no other takes them for abandoned."""
        if self._in_hand:
            renew = partial(inbound.renew_claims, channel=self.channel, event_ids=list(self._in_hand), now=self.clock())
            await self.database.run(renew)

    async def replay(
        self, handling: Callable[[dict[str, Any]], Coroutine[Any, Any, None]], *, only_process: bool
    ) -> int:
        """Handle, oldest first, what `unhandled` claims, until nothing is left (after renewing this process's
        own claims); how many were taken. A database error is logged: the next sweep tries again."""
        taken = 0
        try:
            await self.renew()
            while batch := await self.unhandled(only_process=only_process):
                for stored in batch:
                    await self.handle(stored.event_id, handling(stored.payload))
                taken += len(batch)
        except Exception:
            logger.exception("could not take the stored %s updates left unhandled; tried again later", self.channel)
        if taken:
            logger.info("%d stored %s update(s) left unhandled were handled", taken, self.channel)
        return taken

    async def close(self) -> None:
        """Give the updates being handled a few seconds, then stop them (they are stored: handled next time)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=STOP_WAIT)
        for task in set(self._tasks):
            task.cancel()
