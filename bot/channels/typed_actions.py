"""Typing a button's label presses it, on channels without buttons (Zalo, the terminal)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from bot.engine import Reply
from storage.units import fold


class TypedActions:
    """The action buttons of the last message each chat got, so that typing a label presses it.

    In memory only, and bounded: after a restart the engine's own typed words ("gửi", "có", numbers) still work."""

    def __init__(self, chats: int = 10_000) -> None:
        self.chats = chats
        self._by_chat: OrderedDict[str, dict[str, str]] = OrderedDict()

    def remember(self, chat_id: str, replies: Sequence[Reply]) -> None:
        self._by_chat.pop(chat_id, None)
        actions = {fold(b.label): b.data for reply in replies for row in reply.buttons for b in row}
        if actions:
            self._by_chat[chat_id] = actions
            while len(self._by_chat) > self.chats:
                self._by_chat.popitem(last=False)

    def pressed(self, chat_id: str, text: str) -> str | None:
        """The data of the button whose label was typed, if any."""
        return self._by_chat.get(chat_id, {}).get(fold(text))
