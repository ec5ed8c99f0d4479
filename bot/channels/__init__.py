"""Channels translate between a chat platform and the engine's Inbound/Reply; they hold no logic."""
