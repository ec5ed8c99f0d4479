"""nqbot's chat side: settings, the CLI, the conversation engine and the channels that carry it."""
