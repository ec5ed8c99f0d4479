"""Everything the bot sends: the outbox's rows (storage/outbox.py, storage/nudges.py), the sender that
delivers them paced per channel, and the texts made when they are sent (nudges, the staff digest)."""
