"""The terminal: the same engine in a text chat, for the demo (`nqbot demo`).

Choices are listed with numbers (type the number or the label); action buttons are shown in brackets
and pressed by typing their label. Files (a chart, an export) are written to a folder and their paths
printed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.channels.typed_actions import TypedActions
from bot.engine import Engine, Inbound, Outcome, Reply
from bot.texts import say
from storage.models import Channel
from storage.private_files import write_private


def render(reply: Reply) -> str:
    lines = [reply.text] if reply.text else []
    lines += [f"   {i}. {button.label}" for i, button in enumerate(reply.choices, start=1)]
    actions = [button for row in reply.buttons for button in row]
    if actions:
        lines.append("   " + "  ".join(f"[{button.label}]" for button in actions))
    return "\n".join(lines)


class TerminalChat:
    """One person at the keyboard talking to the engine; `files` is where attachments are saved."""

    def __init__(
        self, engine: Engine, user_id: str = "demo", *, files: Path | None = None, display_name: str = "Demo"
    ) -> None:
        self.engine = engine
        self.user_id = user_id
        self.files = files
        self.display_name = display_name
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
            display_name=self.display_name,
        )
        outcome = await self.engine.handle(event)
        if outcome.replies:
            self.actions.remember(self.user_id, outcome.replies)
        return outcome

    def shown(self, reply: Reply) -> str:
        """The reply as printed: its text and, for a file, where it was saved."""
        text = render(reply)
        lines = [text] if text else []
        attachment = reply.attachment
        if attachment is not None:
            if self.files is None:
                lines.append(say("terminal.file_not_saved", self.engine.language, filename=attachment.filename))
            else:
                path = write_private(self.files / Path(attachment.filename).name, attachment.content)
                if attachment.caption:
                    lines.append(attachment.caption)
                lines.append(say("terminal.file_saved", self.engine.language, path=path))
        return "\n".join(lines)

    async def run(self, read: Callable[[], Awaitable[str | None]], write: Callable[[str], None]) -> None:
        """Chat until `read` gives None (end of input)."""
        while (typed := await read()) is not None:
            if not typed.strip():
                continue
            outcome = await self.send(typed.strip())
            if outcome.edit is not None and not outcome.replies:
                outcome.replies.append(outcome.edit)  # a toggled multi-choice: show the new state
            for reply in outcome.replies:
                write(self.shown(reply) + "\n")
