"""What the campaign file's parts share: strict models, texts in two languages, dates written either way."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

IDENTIFIER = r"^[a-z][a-z0-9_]{0,23}$"  # short: question and choice ids travel in 64-byte button data


def _vietnamese_date(value: Any) -> Any:
    """Accept 20/09/2022 as well as YAML's 2022-09-20."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value.strip()):
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    return value


Day = Annotated[date, BeforeValidator(_vietnamese_date)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(Strict):
    """A text in Vietnamese and, optionally, English (Vietnamese stands in when English is missing)."""

    vi: str = Field(min_length=1)
    en: str | None = None

    def get(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi


def _text_or_local(value: Any) -> Any:
    """Accept a plain Vietnamese string where a LocalText is expected."""
    return {"vi": value} if isinstance(value, str) else value


Label = Annotated[LocalText, BeforeValidator(_text_or_local)]
