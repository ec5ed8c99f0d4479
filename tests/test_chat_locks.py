"""One chat's updates in order, different chats side by side (bot/channels/chat_locks.py, used by Telegram's
update processor and by the Zalo channel)."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.chat_locks import ChatLocks


async def test_one_chats_updates_wait_for_each_other_and_other_chats_do_not() -> None:
    locks = ChatLocks()
    events: list[str] = []
    release_first = asyncio.Event()

    async def handle(chat: int, name: str, wait: asyncio.Event | None = None) -> None:
        async with locks.hold(chat):
            events.append(f"start {name}")
            if wait is not None:
                await wait.wait()
            events.append(f"end {name}")

    first = asyncio.create_task(handle(1, "a1", release_first))
    await asyncio.sleep(0)
    second = asyncio.create_task(handle(1, "a2"))  # same chat: waits for a1
    other = asyncio.create_task(handle(2, "b1"))  # another chat: goes ahead
    await other
    assert events == ["start a1", "start b1", "end b1"]
    release_first.set()
    await asyncio.gather(first, second)
    assert events[3:] == ["end a1", "start a2", "end a2"]
    assert locks._locks == {}  # nobody holds or waits: nothing kept


async def test_a_failing_update_releases_its_chat() -> None:
    locks = ChatLocks()

    async def fail() -> None:
        async with locks.hold("u1"):
            raise RuntimeError("boom")

    for _ in range(2):  # had the first kept the lock, the second would time out instead
        with pytest.raises(RuntimeError, match="boom"):
            await asyncio.wait_for(fail(), timeout=1)
    assert locks._locks == {}
