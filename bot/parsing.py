"""Turn what a reporter types on a phone into typed answers: numbers, dates, yes/no, choices, free text.

Pure functions. Input that cannot be read raises ParseError, whose `key` (a bot/texts.py key) and `params`
tell the reporter what to fix: `say(err.key, language, **err.params)`. Nothing else is ever raised; a hedged
reply ("khoảng 30") raises the ParseError subclass Approximate, which carries what was read, to be confirmed.
Case and Vietnamese diacritics never matter ("Hôm Nay" == "hom nay"); full-width digits read as plain ones.
A reply is never guessed from a fragment: what cannot be read whole is asked again.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from bot import formatting
from storage.campaign_spec import name_key
from storage.units import fold

MAX_INTEGER = 10_000_000


class ParseError(ValueError):
    """Input that cannot be read: `key` names the catalog text, `params` fill its placeholders (a typed `text`
    is quoted short)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        if isinstance(params.get("text"), str):
            params["text"] = formatting.quote(str(params["text"]))
        self.params: dict[str, object] = params


class Approximate(ParseError):
    """A hedged reply ("khoảng 30", "tầm 15/9"): `value` is what it says, to be confirmed before it is stored."""

    def __init__(self, value: Any, text: str) -> None:
        super().__init__("parse.approximate", text=text.strip(), value=formatting.value(value))
        self.value = value


def _nfkc(text: str) -> str:
    """Compatibility forms to plain ones ("３８" → "38", "，" → ","); composes decomposed Vietnamese."""
    return unicodedata.normalize("NFKC", text)


def _folded(text: str) -> str:
    """Lower case, no diacritics, single spaces: what we match words against."""
    return fold(_nfkc(text))


# Courtesy around a reply, compared with diacritics ("dạ" is not "đã", both fold to "da").
_POLITE_END = {"ạ", "nhé", "nha", "nhe", "à"}
_POLITE_START = {"dạ", "thưa"}


def _reply_key(text: str) -> str:
    """A reply as name_key gives it, without courtesy words ("Dạ, đã tổ chức ạ" → "da to chuc"; "Dạ" → "")."""
    words = re.findall(r"[^\W_]+", _nfkc(text).lower())
    while words and words[-1] in _POLITE_END:
        words.pop()
    while words and words[0] in _POLITE_START:
        words.pop(0)
    return name_key(" ".join(words))


# Hedges around a number or a day: the reply is read, then confirmed ("khoảng 30" → 30, đúng không?).
_HEDGE = re.compile(r"^(?:(?:khoang|tam|chung|gan|hon|tren|duoi|it nhat|toi thieu|xap xi|uoc tinh|co le)\b|~)\s*")
_HEDGE_END = re.compile(r"\s*(?:\+|\btro len|\bhon|\bmay|\bgi do)$")


# --- integers ---

# "38", "1234", or thousands in groups of three with one kind of separator ("1.234.567", "1,234", "1 234");
# then optional words ("38 đồng chí", "28 đ/c"). A minus sign is read only to say "cannot be negative".
_INTEGER = re.compile(
    r"(?P<sign>[-−]\s*)?(?P<num>[0-9]{1,3}(?P<sep>[., ])[0-9]{3}(?:(?P=sep)[0-9]{3})*|[0-9]+)\s*(?P<rest>.*)", re.S
)
_RANGE = re.compile(r"[0-9][0-9., ]*(?:[-–—~]|\bden\b|\btoi\b|\bhoac\b)\s*[0-9][^-–—~]*")  # "30-35", "30 đến 35"
_ZEROS = {"chuc": 1, "tram": 2, "k": 3, "nghin": 3, "ngan": 3, "trieu": 6}  # "3 chục", "2 nghìn", "5k"
_NONE = {"khong", "ko", "k", "khong co", "ko co", "khong ai", "khong co ai", "chua co", "chua co ai", "none", "zero"}


def _is_words(text: str) -> bool:
    """Letters (any script, with combining marks), spaces, and the marks of abbreviations ("đ/c", "đ.c") only."""
    text = re.sub(r"(?<=[^\W\d_])[./](?=[^\W\d_])|(?<=[^\W\d_])\.$", " ", text)
    return all(c.isalpha() or c.isspace() or unicodedata.category(c).startswith("M") for c in text)


def _unhedged(folded: str) -> str:
    """A folded reply without the hedges before and after it ("khoảng 30", "tầm 30 mấy", "30+" → "30")."""
    while hedged := _HEDGE.match(folded):
        folded = folded[hedged.end() :].strip()
    while after := _HEDGE_END.search(folded):
        folded = folded[: after.start()].strip()
    return folded


def parse_integer(text: str) -> int:
    """A whole number from 0 to 10 000 000: "38", "38 đồng chí", "28 đ/c", "1.234", "1 234", "không" (0).
    A hedged number ("khoảng 30", "hơn 30", "30+") raises Approximate(30); a range ("30-35") is asked again."""
    typed = _nfkc(text).strip()
    folded = _folded(typed).rstrip(" .!")
    if folded in _NONE:
        return 0
    bare = _unhedged(folded)
    if bare != folded:  # read the number inside, once (a loop: "khoảng khoảng … 30" never recurses deep)
        raise Approximate(parse_integer(bare), typed)
    if _RANGE.fullmatch(folded):
        raise ParseError("parse.integer.range", text=typed)
    m = _INTEGER.fullmatch(typed)
    if m is None or not _is_words(m["rest"]):
        raise ParseError("parse.integer.not_number")
    digits = re.sub(r"[^0-9]", "", m["num"]).lstrip("0") or "0"
    if m["sign"] and digits != "0":
        raise ParseError("parse.integer.negative")
    unit = _folded(m["rest"]).partition(" ")[0]
    shown = m["num"] + (" " + m["rest"].split()[0] if unit in _ZEROS else "")
    digits += "0" * _ZEROS.get(unit, 0)  # "2 nghìn" is 2000, not 2
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:  # length first: int() of huge strings fails
        raise ParseError("parse.integer.too_large", text=shown)
    return int(digits)


# --- dates ---
# A reply is read as a run of pieces: days ("20/9", "20-9-22", "2022-09-20", "20 tháng 9 năm 2022"), bare day
# numbers that take the month of the next day given ("15, 16/9", "15 và 16/9"), ranges ("15-17/9",
# "15/9 - 16/9", "15/9 đến 17/9": every day between), days relative to today ("hôm kia", "ngày mai",
# "3 ngày trước") and weekdays ("thứ 2 tuần trước"; a bare weekday is the latest such day not after today, or
# takes the week of the next weekday that names one: "thứ 2, thứ 3 tuần trước" are both last week's).

_D, _Y = r"[0-9]{1,2}", r"(?:[0-9]{4}|[0-9]{2})"
_NUMERIC = re.compile(rf"({_D})\s*([/.-])\s*({_D})(?:\s*\2\s*({_Y}))?(?![0-9])(?!\s*[/.]\s*[0-9])")  # 20/9, 20-9-22
_WORDY = re.compile(rf"({_D})\s*(?:thang|thg|th)\s*({_D})(?:\s*(?:nam|,|/)?\s*({_Y}))?(?![0-9])")  # 20 tháng 9
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_DAY = re.compile(rf"({_D})(?![0-9])")  # a bare day number: "15" in "15, 16/9"
_DAYS_AGO = re.compile(r"([0-9]{1,3})\s*ngay\s*(?:truoc|qua)\b")
_RELATIVE = {
    "hom nay": 0, "bua nay": 0, "today": 0, "hom qua": -1, "bua qua": -1, "yesterday": -1, "hom kia": -2,
    "bua kia": -2, "ngay mai": 1, "mai": 1, "tomorrow": 1, "ngay kia": 2, "ngay mot": 2, "mot": 2,
}  # fmt: skip
_RELATIVE_WORDS = re.compile(rf"(?:{'|'.join(sorted(_RELATIVE, key=len, reverse=True))})\b")
_WEEKDAYS = {"2": 0, "hai": 0, "3": 1, "ba": 1, "4": 2, "tu": 2, "5": 3, "nam": 3, "6": 4, "sau": 4, "7": 5, "bay": 5}
_WEEKDAY = re.compile(
    r"(?:thu\s*([2-7]|hai|ba|tu|nam|sau|bay)|t([2-7])|(chu nhat|cn))\b"
    r"(?:\s*(tuan\s*(?:nay|truoc|roi|qua|vua\s*roi|vua\s*qua|sau|toi)|vua\s*roi|vua\s*qua|truoc)\b)?"
)
_TO = re.compile(r"\s*(?:-|–|—|~|\bden\b|\btoi\b)\s*(?:ngay\b\s*)?")
_FILLER = re.compile(r"[\s,;+&]+|(?:va|and|cac|du kien|vao)\b|ngay(?![a-z])")


def _day(day: int, month: int, year: int | None, today: datetime.date, typed: str) -> datetime.date:
    try:
        return datetime.date(today.year if year is None else year + (2000 if year < 100 else 0), month, day)
    except ValueError:
        raise ParseError("parse.date.invalid_day", text=typed.strip()) from None


def _weekday(match: re.Match[str], week: str | None, today: datetime.date) -> datetime.date:
    """A weekday relative to today; weeks start on Monday and end with "chủ nhật"."""
    weekday = 6 if match[3] else _WEEKDAYS[match[1] or match[2]]
    monday = today - datetime.timedelta(days=today.weekday())
    week = re.sub(r"\s+", "", week or "")
    if week == "tuannay":
        return monday + datetime.timedelta(days=weekday)
    if week in ("tuansau", "tuantoi"):
        return monday + datetime.timedelta(days=weekday + 7)
    if week.startswith("tuan"):  # trước, rồi, qua, vừa rồi, vừa qua
        return monday + datetime.timedelta(days=weekday - 7)
    back = (today.weekday() - weekday) % 7
    return today - datetime.timedelta(days=back or (7 if week else 0))  # "vừa rồi", "trước": before today


def _date_piece(match: re.Match[str], today: datetime.date) -> datetime.date:
    """The day one full date piece names (numeric, wordy, ISO, relative, "N ngày trước")."""
    if match.re is _ISO:
        return _day(int(match[3]), int(match[2]), int(match[1]), today, match[0])
    if match.re is _NUMERIC:
        return _day(int(match[1]), int(match[3]), int(match[4]) if match[4] else None, today, match[0])
    if match.re is _WORDY:
        return _day(int(match[1]), int(match[2]), int(match[3]) if match[3] else None, today, match[0])
    if match.re is _DAYS_AGO:
        return today - datetime.timedelta(days=int(match[1]))
    return today + datetime.timedelta(days=_RELATIVE[match[0]])


class _DateReader:
    """Reads the pieces of one reply in order; see the comment above."""

    def __init__(self, text: str, today: datetime.date, limit: int) -> None:
        self.text, self.today, self.limit = _folded(text).strip(" .!?"), today, limit
        self.dates: list[datetime.date] = []
        self.bare_days: list[tuple[int, str]] = []  # waiting for the next day's month
        self.bare_weekdays: list[re.Match[str]] = []  # waiting for the next weekday's week
        self.range_from: datetime.date | tuple[int, str] | None = None

    def read(self) -> tuple[list[datetime.date], bool]:
        """The days named, in typed order with repeats, and whether the reply was hedged ("khoảng 15/9")."""
        hedged = _HEDGE.match(self.text)
        pos, s = (hedged.end() if hedged else 0), self.text
        while pos < len(s):
            if m := _RELATIVE_WORDS.match(s, pos) or _FILLER.match(s, pos):
                if m.re is _RELATIVE_WORDS:
                    self.day(_date_piece(m, self.today))
            elif m := _ISO.match(s, pos) or _NUMERIC.match(s, pos) or _WORDY.match(s, pos) or _DAYS_AGO.match(s, pos):
                day = _date_piece(m, self.today)
                if (to := _TO.match(s, m.end())) and to.end() > m.end():  # the first day of a range
                    self.flush(day)
                    self.range_from, pos = day, to.end()
                    continue
                self.day(day)
            elif m := _DAY.match(s, pos):
                if (to := _TO.match(s, m.end())) and to.end() > m.end():  # "15-17/9"
                    self.range_from, pos = (int(m[1]), m[0]), to.end()
                    continue
                self.bare_days.append((int(m[1]), m[0]))
            elif m := _WEEKDAY.match(s, pos):
                self.weekday(m)
            else:
                raise ParseError("parse.date.not_date")
            pos = m.end()
        for waiting in self.bare_weekdays:
            self.day(_weekday(waiting, None, self.today))
        if self.bare_days or self.range_from is not None or not self.dates:
            raise ParseError("parse.date.not_date")
        return self.dates, hedged is not None

    def flush(self, day: datetime.date) -> None:
        """Bare day numbers typed before `day` take its month and year."""
        self.dates.extend(_day(number, day.month, day.year, self.today, typed) for number, typed in self.bare_days)
        self.bare_days.clear()

    def day(self, day: datetime.date) -> None:
        self.flush(day)
        first = self.range_from
        if isinstance(first, tuple):
            first = _day(first[0], day.month, day.year, self.today, first[1])
        if first is not None:
            if first > day:
                raise ParseError("parse.date_list.backwards", first=first.strftime("%d/%m"), last=day.strftime("%d/%m"))
            if (day - first).days >= self.limit:  # refused before it is expanded
                raise ParseError("parse.date_list.too_many", max=self.limit)
            self.dates.extend(first + datetime.timedelta(days=n) for n in range((day - first).days))
            self.range_from = None
        self.dates.append(day)

    def weekday(self, match: re.Match[str]) -> None:
        if match[4] is None:
            self.bare_weekdays.append(match)
            return
        for waiting in self.bare_weekdays:
            self.day(_weekday(waiting, match[4], self.today))
        self.bare_weekdays.clear()
        self.day(_weekday(match, match[4], self.today))


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """One day: "20/9" (this year), "20/9/22", "20.09.2022", "2022-09-20", "20 tháng 9", "hôm nay", "hôm qua",
    "hôm kia", "ngày mai", "thứ 6", "thứ 2 tuần trước", "chủ nhật vừa rồi"; "khoảng 20/9" raises Approximate."""
    dates, hedged = _DateReader(text, today, limit=2).read()
    if len(set(dates)) > 1:
        raise ParseError("parse.date.one_only", count=len(set(dates)))
    if hedged:
        raise Approximate(dates[0], text)
    return dates[0]


def parse_date_list(text: str, today: datetime.date, max_dates: int = 10) -> list[datetime.date]:
    """Several days, sorted and without repeats: "15/9, 16/9", "15/9 và 16/9/2022", "15, 16/9", "15-16/9"."""
    if not _FILLER.sub("", _folded(text)):
        raise ParseError("parse.date_list.empty")
    found, hedged = _DateReader(text, today, max_dates).read()
    dates = sorted(set(found))
    if len(dates) > max_dates:
        raise ParseError("parse.date_list.too_many", max=max_dates)
    if hedged:
        raise Approximate(dates, text)
    return dates


# --- yes / no ---
# A reply is yes or no when it is one of these phrases, or a head word followed only by words the question
# itself uses ("đã tổ chức học bù", "chưa tổ chức"); "chưa rõ", "có lẽ", "không biết" are neither.

_YES = {"co", "vang", "da", "u", "uh", "um", "ok", "oke", "okay", "yes", "y", "1", "dung", "dung roi", "u dung roi",
        "vang dung roi", "dong y", "roi", "co roi", "da co", "da roi", "duoc", "chac chan", "xac nhan"}  # fmt: skip
_NO = {"khong", "ko", "k", "kh", "khg", "hong", "chua", "no", "n", "2", "khong co", "ko co", "k co", "chua co",
       "khong dong y", "khong dung", "chua dung", "sai", "sai roi", "khong phai"}  # fmt: skip
_YES_HEADS, _NO_HEADS = {"co", "da", "roi"}, {"khong", "ko", "chua"}


def parse_yes_no(text: str, question: str = "") -> bool:
    """True for "có", "vâng", "đồng ý", "ừ đúng rồi"…; False for "không", "không có", "chưa", "không đồng ý"…;
    the words of `question` may follow the first word ("đã tổ chức học bù rồi", "chưa học bù"). Without a
    question (a confirmation) only the phrases count: "đã học" confirms nothing."""
    key = _reply_key(text) or name_key(text)  # "dạ" alone is a yes (and no choice: it folds like "đã")
    if key in _YES:
        return True
    if key in _NO:
        return False
    head, _, tail = key.partition(" ")
    echo = set(name_key(question).split()) - _YES_HEADS - _NO_HEADS
    if tail and set(tail.split()) <= echo | ({"roi"} if head in _YES_HEADS else set()):
        if head in _YES_HEADS:
            return True
        if head in _NO_HEADS:
            return False
    raise ParseError("parse.yes_no.unclear")


# --- choices ---
# A reply names a choice when, as name_key gives it, it equals the choice's number ("2", "số 2"), id, label
# (either language) or one of its aliases; or when it is the first word(s) of the choice's label and that
# first word occurs in no other choice's names ("ốm" for "Ốm đau", "kết hợp"; never "đã" or "đã học" when two
# labels start with "Đã"). Anything else is asked again, with the choices whose label shares a word with it.

Choices = Sequence[tuple[str, str]]


def _names(choices: Choices, aliases: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    return {cid: {name_key(n) for n in (cid, label, *aliases.get(cid, ()))} - {""} for cid, label in choices}


def _candidates(key: str, choices: Choices) -> str:
    """The choices whose label shares a word with the reply, numbered as shown: "1. Trực tiếp\n3. Kết hợp …"."""
    words = set(key.split()) - {"va", "cung", "trong", "cap"}
    return "\n".join(f"{i}. {label}" for i, (_, label) in enumerate(choices, 1) if words & set(name_key(label).split()))


def match_choice(text: str, choices: Choices, aliases: Mapping[str, Sequence[str]] | None = None) -> str:
    """The id of the choice a reply names (see above): by number, id, label, alias or unique first word(s)."""
    typed, key, count = text.strip(), _reply_key(text), len(choices)
    if m := re.fullmatch(r"(?:so\s*)?([0-9]+)", key):
        number = int(m[1]) if len(m[1]) <= 6 else 0
        if not 1 <= number <= count:
            raise ParseError("parse.choice.out_of_range", count=count)
        return choices[number - 1][0]
    names = _names(choices, aliases or {})
    found = [cid for cid, _ in choices if key in names[cid]]
    if not found and key:
        words = key.split()
        owners = [cid for cid, _ in choices if any(words[0] in name.split() for name in names[cid])]
        labels = {cid: name_key(label).split() for cid, label in choices}
        found = [cid for cid in owners if len(owners) == 1 and labels[cid][: len(words)] == words]
    if len(found) == 1:
        return found[0]
    matches = _candidates(key, choices)
    if matches:
        raise ParseError("parse.choice.ambiguous", text=typed, matches=matches)
    raise ParseError("parse.choice.unknown", text=typed, count=count)


_ITEM_SEP = re.compile(r"[,;+\n]|\s+v[aà]\s+|\s+(?:and|với|voi)\s+", re.IGNORECASE)
_NUMBERS = re.compile(r"(?:[0-9]+\.?\s+)+[0-9]+\.?")  # "1 3 5": spaces separate items only between numbers


def match_choices(text: str, choices: Choices, aliases: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Several choices ("1, 3 và 5", "1 3", "trực tiếp; trực tuyến"): their ids, in choice order, without repeats.

    The whole text is tried as one choice first, so a label that itself contains "và" is not split apart.
    """
    text = _nfkc(text)
    try:
        return [match_choice(text, choices, aliases)]
    except ParseError:
        pass
    items: list[str] = []
    for item in (part.strip() for part in _ITEM_SEP.split(text)):
        items.extend(item.split() if _NUMBERS.fullmatch(item) else [item] if item else [])
    if not items:
        raise ParseError("parse.choice.unknown", text=text.strip(), count=len(choices))
    picked = {match_choice(item, choices, aliases) for item in items}
    return list(dict.fromkeys(cid for cid, _ in choices if cid in picked))


# --- free text ---


def clean_text(text: str) -> str:
    """Free text, trimmed: runs of spaces and tabs become one space, line breaks stay (without spaces around)."""
    text = re.sub(r"\r\n?", "\n", unicodedata.normalize("NFC", text))
    text = re.sub(r" ?\n ?", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()
    if not text:
        raise ParseError("parse.text.empty")
    return text
