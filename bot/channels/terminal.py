"""The terminal: the same engine in a text chat, for the demo (`nqbot demo`).

Choices are listed with numbers (type the number or the label); action buttons are shown in brackets
and pressed by typing their label.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.typed_actions import TypedActions
from bot.engine import Engine, Inbound, Outcome, Reply
from storage.models import Channel


def render(reply: Reply) -> str:
    lines = [reply.text]
    lines += [f"   {i}. {button.label}" for i, button in enumerate(reply.choices, start=1)]
    actions = [button for row in reply.buttons for button in row]
    if actions:
        lines.append("   " + "  ".join(f"[{button.label}]" for button in actions))
    return "\n".join(lines)


class TerminalChat:
    """One person at the keyboard talking to the engine."""

    def __init__(self, engine: Engine, user_id: str = "demo") -> None:
        self.engine = engine
        self.user_id = user_id
        self.actions = TypedActions(chats=1)

    async def send(self, typed: str) -> Outcome:
        """Typed text, or a press when it names one of the last message's action buttons."""
        button = self.actions.pressed(self.user_id, typed)
        event = Inbound(
            Channel.terminal,
            self.user_id,
            self.user_id,
            text=None if button else typed,
            button=button,
            display_name="Demo",
        )
        outcome = await self.engine.handle(event)
        if outcome.replies:
            self.actions.remember(self.user_id, outcome.replies)
        return outcome

    async def run(self, read: Callable[[], Awaitable[str | None]], write: Callable[[str], None]) -> None:
        """Chat until `read` gives None (end of input)."""
        while (typed := await read()) is not None:
            if not typed.strip():
                continue
            outcome = await self.send(typed.strip())
            if outcome.edit is not None and not outcome.replies:
                outcome.replies.append(outcome.edit)  # a toggled multi-choice: show the new state
            for reply in outcome.replies:
                write(render(reply) + "\n")
