"""Errors that nqbot reports to a person as one clear line (the CLI exits 2 on them)."""

from __future__ import annotations

from typing import Any


class Text:
    """A catalog text not said yet: its key in bot/texts.py and its parameters (some may be Texts too).

    Storage does not know who will read its errors, nor in which language; an error made with a Text is said
    in the reader's language by whoever shows it (`bot.texts.said`; the CLI uses NQBOT_LANGUAGE).

        raise CampaignFileError(Text("campaign_file.too_large", source=path, size=size, limit=LIMIT))
    """

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params

    def __str__(self) -> str:  # in logs and tracebacks, where no language is chosen
        return f"{self.key} {self.params}"


class NqbotError(Exception):
    """An error whose message is fit to show as it is: one line, no secrets; a text, or a catalog Text."""

    @property
    def message(self) -> str | Text:
        """What to show: the Text the error was made with, or its text."""
        first = self.args[0] if len(self.args) == 1 else None
        return first if isinstance(first, Text) else str(self)


class ConfigError(NqbotError):
    """A setting is missing or wrong."""


class CampaignFileError(NqbotError):
    """A campaign file cannot be loaded; the message names the file, the field and the mistake."""


class UnitImportError(NqbotError):
    """A units CSV has bad rows; nothing was imported. `problems` has a catalog Text for each ("line N: …")."""

    SHOWN = 10  # problems said in the one line; the rest are counted

    def __init__(self, path: str, problems: list[Text]) -> None:
        self.problems = problems
        more = Text("units.more", count=len(problems) - self.SHOWN) if len(problems) > self.SHOWN else ""
        shown = problems[: self.SHOWN]
        super().__init__(Text("units.not_imported", source=path, count=len(problems), problems=shown, more=more))
