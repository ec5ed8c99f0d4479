"""The conversation engine: plain Python, no channel types (see engine.py)."""

from bot.engine.engine import Engine
from bot.engine.messages import Attachment, Button, Inbound, Outcome, Reply

__all__ = ["Attachment", "Button", "Engine", "Inbound", "Outcome", "Reply"]
