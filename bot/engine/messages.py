"""What flows in and out of the engine: plain data, no Telegram or Zalo types."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from storage.models import Channel

TYPED = frozenset({Channel.zalo, Channel.terminal})  # channels without buttons: every choice and action is typed


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: typed text (commands included) or pressed a button."""

    channel: Channel
    user_id: str
    chat_id: str
    text: str | None = None
    button: str | None = None  # the data of a pressed button
    display_name: str = ""
    private: bool = True  # a one-to-one chat; the bot works only there
    event_id: str | None = None  # the platform's id of the update: a redelivery of it is not applied twice


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # comes back as Inbound.button when pressed


@dataclass(frozen=True)
class Attachment:
    """A file or picture. Heavy ones (charts, exports) come with `render` instead of `content`: the engine
    runs it after the update's transaction, in a thread (off the event loop), and fills `content`."""

    filename: str
    content: bytes = b""
    caption: str = ""
    picture: bool = False  # shown as a photo (a chart, a QR code) rather than sent as a file
    render: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Reply:
    """One message to send.

    `choices` are a question's options: shown as buttons, one a row, or by a channel without buttons as
    numbered lines (typing the number answers). `buttons` are actions (rows of buttons) whose typed
    alternative the text already names ("gõ “gửi”"), so a channel without buttons may leave them out.
    """

    text: str
    choices: tuple[Button, ...] = ()
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None


@dataclass
class Outcome:
    """What to do for one inbound event: messages to send, and for a button press, how to update the
    message that carried the button (`edit`) and the short notice that acknowledges the press. Texts are
    whole: each channel cuts or splits them to its own limits."""

    replies: list[Reply] = field(default_factory=list)
    edit: Reply | None = None
    notice: str | None = None
    menu: str | None = None  # "staff" or "reporter": the person's command menu should change to this
    queued: list[tuple[int, Reply]] = field(default_factory=list)  # replies written to the outbox: (row id, reply)


def utf16_units(text: str) -> int:
    """The length as Telegram and Zalo count it (a character outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def text_size(reply: Reply) -> int:
    """A reply's length as a channel without buttons shows it (UTF-16 units): its text, then a numbered line
    for each choice."""
    return utf16_units("\n".join([reply.text, *(f"{i}. {b.label}" for i, b in enumerate(reply.choices, start=1))]))


def merge(
    replies: Sequence[Reply], limit: int, size: Callable[[Reply], int] = text_size, *, keyboards: bool = True
) -> list[Reply]:
    """A turn's consecutive replies joined into as few messages as fit `limit` (by `size`), a blank line
    between: on a channel without buttons each message counts (Zalo's monthly quota), and on any a reporter
    gets one notification per answer. A reply with choices ends a message (they are listed after its text),
    and with `keyboards=False` (buttons under a message) so does one with buttons; files stay messages of
    their own."""
    merged: list[Reply] = []
    for reply in replies:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.attachment is None
            and reply.attachment is None
            and not last.choices
            and (keyboards or not last.buttons)
        ):
            text = "\n\n".join(part for part in (last.text, reply.text) if part)
            joined = Reply(text, choices=reply.choices, buttons=last.buttons + reply.buttons)
            if size(joined) <= limit:
                merged[-1] = joined
                continue
        merged.append(reply)
    return merged


def markup_of(reply: Reply) -> dict[str, Any]:
    """A reply's choices and buttons as JSON, to store it in the outbox beside its text."""
    markup: dict[str, Any] = {}
    if reply.choices:
        markup["choices"] = [[b.label, b.data] for b in reply.choices]
    if reply.buttons:
        markup["buttons"] = [[[b.label, b.data] for b in row] for row in reply.buttons]
    return markup


def reply_of(text: str, markup: dict[str, Any]) -> Reply:
    """The reply a stored message was written from."""
    choices = tuple(Button(label, data) for label, data in markup.get("choices", []))
    buttons = tuple(tuple(Button(label, data) for label, data in row) for row in markup.get("buttons", []))
    return Reply(text, choices=choices, buttons=buttons)


async def rendered(outcome: Outcome) -> Outcome:
    """The outcome with every attachment's `render` run (in a worker thread) into its content."""
    import asyncio

    for i, reply in enumerate(outcome.replies):
        attachment = reply.attachment
        if attachment is not None and attachment.render is not None:
            content = await asyncio.to_thread(attachment.render)
            outcome.replies[i] = replace(reply, attachment=replace(attachment, content=content, render=None))
    return outcome
