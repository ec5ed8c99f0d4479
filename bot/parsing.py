"""Turn what a reporter types on a phone into typed answers: numbers, dates, yes/no, choices, free text.

Pure functions. Input that cannot be read raises ParseError, whose `key` (a bot/texts.py key) and `params`
tell the reporter what to fix: `say(err.key, language, **err.params)`. Nothing else is ever raised.
Case and Vietnamese diacritics never matter ("Hôm Nay" == "hom nay"); full-width digits read as plain ones.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Sequence

from storage.units import fold

MAX_INTEGER = 10_000_000


class ParseError(ValueError):
    """Input that cannot be read: `key` names the catalog text, `params` fill its placeholders."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


def _nfkc(text: str) -> str:
    """Compatibility forms to plain ones ("３８" → "38", "，" → ","); composes decomposed Vietnamese."""
    return unicodedata.normalize("NFKC", text)


def _folded(text: str) -> str:
    """Lower case, no diacritics, single spaces: what we match words against."""
    return fold(_nfkc(text))


# --- integers ---

# "38", "1234", or thousands in groups of three with one kind of separator ("1.234.567", "1,234", "1 234");
# then optional words ("38 đồng chí"). A minus sign is read only to say "cannot be negative".
_INTEGER = re.compile(
    r"(?P<sign>[-−]\s*)?(?P<num>[0-9]{1,3}(?P<sep>[., ])[0-9]{3}(?:(?P=sep)[0-9]{3})*|[0-9]+)\s*(?P<rest>.*)", re.S
)


def _is_words(text: str) -> bool:
    """Letters (any script, with combining marks) and spaces only."""
    return all(c.isalpha() or c.isspace() or unicodedata.category(c).startswith("M") for c in text)


def parse_integer(text: str) -> int:
    """A whole number from 0 to 10 000 000: "38", "38 đồng chí", "1.234", "1 234"."""
    m = _INTEGER.fullmatch(_nfkc(text).strip())
    if m is None or not _is_words(m["rest"]):
        raise ParseError("parse.integer.not_number")
    digits = re.sub(r"[^0-9]", "", m["num"]).lstrip("0") or "0"
    if m["sign"] and digits != "0":
        raise ParseError("parse.integer.negative")
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:  # length first: int() of huge strings fails
        raise ParseError("parse.integer.too_large", text=m["num"])
    return int(digits)


# --- dates ---

_TODAY = {"hom nay", "today"}
_YESTERDAY = {"hom qua", "yesterday"}
_SEP = r"\s*[/.-]\s*"
_DMY = re.compile(rf"([0-9]{{1,2}}){_SEP}([0-9]{{1,2}})(?:{_SEP}([0-9]{{4}}|[0-9]{{2}}))?")  # 20/9, 20.09.2022, 20-9-22
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")  # 2022-09-20


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """A day: "20/9" (this year), "20/9/22", "20.09.2022", "2022-09-20", "hôm nay", "hôm qua", "ngày 20/9"."""
    s = re.sub(r"^ngay\s*", "", _folded(text))
    if s in _TODAY:
        return today
    if s in _YESTERDAY:
        return today - datetime.timedelta(days=1)
    if m := _ISO.fullmatch(s):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DMY.fullmatch(s):
        day, month = int(m[1]), int(m[2])
        year = today.year if m[3] is None else int(m[3]) + (2000 if len(m[3]) == 2 else 0)
    else:
        raise ParseError("parse.date.not_date")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ParseError("parse.date.invalid_day", text=m[0]) from None  # the date as typed, without "ngày"


# One date per token; "hôm nay" / "hôm qua" are two words but one token. Separators: , ; + whitespace, "và".
_DATE_TOKEN = re.compile(r"\bhom (?:nay|qua)\b|[^\s,;+]+")
_DATE_FILLER = {"va", "and", "ngay"}


def parse_date_list(text: str, today: datetime.date, max_dates: int = 10) -> list[datetime.date]:
    """Several days, sorted and without repeats: "15/9, 16/9", "15/9 và 16/9/2022", "15/9 16/9"."""
    tokens = [t for t in _DATE_TOKEN.findall(_folded(text)) if t not in _DATE_FILLER]
    if not tokens:
        raise ParseError("parse.date_list.empty")
    dates = sorted({parse_date(token, today) for token in tokens})
    if len(dates) > max_dates:
        raise ParseError("parse.date_list.too_many", max=max_dates)
    return dates


# --- yes / no ---

_YES = {"co", "roi", "da", "yes", "y", "ok", "dung", "1"}  # "dạ" folds to "da" too, which is also a yes
_NO = {"khong", "ko", "k", "chua", "no", "n", "2"}


def parse_yes_no(text: str) -> bool:
    """True for "có", "rồi", "đã tổ chức", "ok"…; False for "không", "ko", "chưa tổ chức"…: the first word decides."""
    m = re.match(r"\W*(\w+)", _folded(text))
    first = m[1] if m else ""
    if first in _YES:
        return True
    if first in _NO:
        return False
    raise ParseError("parse.yes_no.unclear")


# --- choices ---

_PUNCTUATION = " .,;:!?()[]\"'"


def _key(text: str) -> str:
    return _folded(text).strip(_PUNCTUATION)


def match_choice(text: str, choices: Sequence[tuple[str, str]]) -> str:
    """The id of the choice meant: by number ("2", "2.", "số 2"), id, label, or an unambiguous part of a label."""
    typed, s, count = text.strip(), _key(text), len(choices)
    if m := re.fullmatch(r"(?:so\s*)?([0-9]+)", s):
        number = int(m[1]) if len(m[1]) <= 6 else 0
        if not 1 <= number <= count:
            raise ParseError("parse.choice.out_of_range", count=count)
        return choices[number - 1][0]
    if s:
        found = [(cid, label) for cid, label in choices if s in (_key(cid), _key(label))]
        if not found and len(s) >= 3:  # a part of a label, only when nothing matches in full
            found = [(cid, label) for cid, label in choices if s in _key(label)]
        if len(found) == 1:
            return found[0][0]
        if found:
            raise ParseError("parse.choice.ambiguous", text=typed, matches=", ".join(label for _, label in found))
    raise ParseError("parse.choice.unknown", text=typed, count=count)


_ITEM_SEP = re.compile(r"[,;+\n]|\s+v[aà]\s+", re.IGNORECASE)
_NUMBERS = re.compile(r"(?:[0-9]+\.?\s+)+[0-9]+\.?")  # "1 3 5": spaces separate items only between numbers


def match_choices(text: str, choices: Sequence[tuple[str, str]]) -> list[str]:
    """Several choices ("1, 3 và 5", "1 3", "trực tiếp; trực tuyến"): their ids, in choice order, without repeats.

    The whole text is tried as one choice first, so a label that itself contains "và" is not split apart.
    """
    text = _nfkc(text)
    try:
        return [match_choice(text, choices)]
    except ParseError:
        pass
    items: list[str] = []
    for item in (part.strip() for part in _ITEM_SEP.split(text)):
        items.extend(item.split() if _NUMBERS.fullmatch(item) else [item] if item else [])
    if not items:
        raise ParseError("parse.choice.unknown", text=text.strip(), count=len(choices))
    picked = {match_choice(item, choices) for item in items}
    return list(dict.fromkeys(cid for cid, _ in choices if cid in picked))


# --- free text ---


def clean_text(text: str) -> str:
    """Free text, trimmed: runs of spaces and tabs become one space, line breaks stay (without spaces around)."""
    text = re.sub(r"\r\n?", "\n", unicodedata.normalize("NFC", text))
    text = re.sub(r" ?\n ?", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()
    if not text:
        raise ParseError("parse.text.empty")
    return text
