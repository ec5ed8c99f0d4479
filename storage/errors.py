"""Errors that nqbot reports to a person as one clear line (the CLI exits 2 on them)."""


class NqbotError(Exception):
    """An error whose message is fit to show as it is: one line, no secrets."""


class ConfigError(NqbotError):
    """A setting is missing or wrong."""


class CampaignFileError(NqbotError):
    """A campaign file cannot be loaded; the message names the file, the field and the mistake."""


class UnitImportError(NqbotError):
    """A units CSV has bad rows; nothing was imported. `problems` lists each as 'line N: …'."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:10]) + (f"; … and {len(problems) - 10} more" if len(problems) > 10 else "")
        super().__init__(f"{path}: nothing imported, {len(problems)} bad row(s): {shown}")
