"""`python -m bot` is the `nqbot` command."""

from bot.cli import main

main()
