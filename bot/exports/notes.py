"""The units' own notes (strengths, shortcomings, proposals) as a short digest: the points most units raised.

A note is split into points (lines, bullets, numbering, ";" and sentences); points that say much the same
thing are grouped: their words are compared with diacritics and case folded and filler words dropped
("Đề nghị cung cấp thêm tài liệu hỏi đáp" and "Cần bổ sung tài liệu hỏi đáp" share "tai lieu hoi dap").
Points with the same words are grouped at once; then each group, largest first, joins the most similar of
the SEEDS largest groups, found through an index of their words, so 10,000 notes take well under a second.
The whole notes stay in the XLSX and, by the campaign's `report.notes_annex`, in an annex.

Usage:
    points, writers = digest(data, "proposals")   # [Point("Đề nghị cung cấp thêm tài liệu hỏi đáp", 12), …], 30
    written(data, "proposals")                     # [("Chi bộ Sở Tư pháp", "Đề nghị …"), …] for the annex
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from storage.compiled import CompiledReport

LIMIT = 5  # points in a digest
SIMILAR = 0.5  # Dice coefficient of two points' words from which they are one point
SEEDS = 200  # groups others may join: the largest ones (the rest of a campaign of all-different notes stays apart)
MIN_WORDS = 2  # a shorter point ("Không", "Tốt") is no point

# Words that carry no point of their own (folded): courtesy, connectives, the resolution itself.
FILLER = frozenset({
    "de", "nghi", "kien", "xuat", "can", "cac", "cua", "va", "duoc", "co", "cho", "trong", "voi", "da", "them",
    "viec", "nhung", "mot", "nhieu", "hon", "nua", "la", "thi", "ma", "cung", "tai", "ve", "theo", "tu", "den",
    "nay", "do", "so", "rat", "qua", "con", "chua", "khong", "phai", "nen", "vi", "nhu", "hay", "hoac", "tren",
    "duoi", "sau", "truoc", "khi", "quyet", "tw", "nq", "ban", "chi", "bo", "dang", "uy", "don", "chung", "toi",
    "minh"
})  # fmt: skip
# "tai" is both "at" and half of "tài liệu": folded it is filler; "lieu" still carries the point.


def _ascii_letters() -> dict[int, str]:
    """Each Latin letter with diacritics (U+00C0–U+1EFF) → its base letter; đ → d."""
    table = {ord("Đ"): "D", ord("đ"): "d"}
    for code in range(0xC0, 0x1F00):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base != chr(code) and base.isascii():
            table[code] = base
    return table


_ASCII = _ascii_letters()


def fold(text: str) -> str:
    """Lower case without diacritics ("Đề nghị" → "de nghi"), by one table: storage.units.fold's result, faster."""
    return unicodedata.normalize("NFC", text).translate(_ASCII).lower()


_BULLET = re.compile(r"^\s*(?:[-+•*·–—]|\d{1,2}[.)/]|[a-zđ][.)])\s*", re.IGNORECASE)
_BREAK = re.compile(r"\n|;|(?<=[.!?])\s+(?=[A-ZÀ-ỸĐ0-9])|\s+(?=\d{1,2}[.)]\s)")


@dataclass(frozen=True)
class Point:
    """One point of the digest: how most units put it, and how many units raised it."""

    text: str
    units: int


def written(data: CompiledReport, question_id: str) -> list[tuple[str, str]]:
    """(unit name, whole note) of every unit that wrote one, in the register's order: the annex's content."""
    found = []
    for report in data.reported:
        text = report.latest.value(question_id)
        if isinstance(text, str) and text.strip():
            found.append((report.unit.name, text.strip()))
    return found


def points(note: str) -> list[str]:
    """A note's points: "1. A; 2. B. C" → ["A", "B", "C"], each without its bullet and final stop."""
    found = []
    for part in _BREAK.split(note):
        text = _BULLET.sub("", part).strip(" .,:;!?-–—\t")
        if text:
            found.append(text[:1].upper() + text[1:])
    return found


def words(point: str) -> frozenset[str]:
    """The words a point is compared by: folded, filler dropped (all of them when only filler is left)."""
    return _words(fold(point))


def _words(folded: str) -> frozenset[str]:
    every = re.findall(r"[a-z0-9]+", folded)
    kept = frozenset(w for w in every if w not in FILLER)
    return kept or frozenset(every)


class _Group:
    """Points taken as one: the words others are compared with, the units that raised them, their wordings."""

    def __init__(self, seed: frozenset[str], first: int) -> None:
        self.seed = seed
        self.first = first  # the order its first point was written in
        self.units: set[int] = set()
        self.wordings: Counter[str] = Counter()  # folded wording → times written
        self.texts: dict[str, tuple[int, str]] = {}  # folded wording → (order first written, as written)

    def add(self, unit_id: int, text: str, folded: str, order: int) -> None:
        self.units.add(unit_id)
        key = " ".join(folded.split())
        self.wordings[key] += 1
        self.texts.setdefault(key, (order, text))

    def absorb(self, other: _Group) -> None:
        self.units |= other.units
        self.wordings.update(other.wordings)
        for key, written in other.texts.items():
            if key not in self.texts or written < self.texts[key]:
                self.texts[key] = written
        self.first = min(self.first, other.first)

    @property
    def text(self) -> str:
        """The wording written most often; the first written among equals."""
        return min(self.texts.items(), key=lambda item: (-self.wordings[item[0]], item[1][0]))[1][1]


def digest(data: CompiledReport, question_id: str, limit: int = LIMIT) -> tuple[list[Point], int]:
    """The `limit` points most units raised (most first, then the first written), and how many units wrote.

    Points with the same words are one group at once; then each group, largest first, joins the most similar
    of the groups already kept (only the first SEEDS of them are joined, so a campaign of all-different notes
    stays linear) or is kept on its own."""
    same: dict[frozenset[str], _Group] = {}
    writers = order = 0
    for report in data.reported:
        note = report.latest.value(question_id)
        if not isinstance(note, str) or not note.strip():
            continue
        writers += 1
        for text, folded, found in _read(note):
            group = same.get(found) or same.setdefault(found, _Group(found, order))
            group.add(report.unit.id, text, folded, order)
            order += 1
    kept: list[_Group] = []
    index: dict[str, list[int]] = {}  # word → the kept groups (among the first SEEDS) whose words hold it
    for group in sorted(same.values(), key=lambda g: (-len(g.units), g.first)):
        target = _similar(group.seed, kept, index)
        if target is not None:
            target.absorb(group)
            continue
        if len(kept) < SEEDS:
            for word in group.seed:
                index.setdefault(word, []).append(len(kept))
        kept.append(group)
    ranked = sorted(kept, key=lambda g: (-len(g.units), g.first))[:limit]
    return [Point(g.text, len(g.units)) for g in ranked], writers


@lru_cache(maxsize=4096)  # units often write the same note: each is read once
def _read(note: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """A note's points long enough to count: (as written, folded, its words); a tuple, shared by the cache."""
    found = []
    for text in points(note):
        if len(re.findall(r"\w+", text)) >= MIN_WORDS:
            folded = fold(text)
            found.append((text, folded, _words(folded)))
    return tuple(found)


def _similar(found: frozenset[str], groups: list[_Group], index: dict[str, list[int]]) -> _Group | None:
    """The indexed group whose words are most like these (Dice ≥ SIMILAR; the earlier among equals), if any."""
    shared: Counter[int] = Counter()
    for word in found:
        shared.update(index.get(word, ()))
    best: tuple[float, int] | None = None
    for number, common in shared.items():
        dice = 2 * common / (len(found) + len(groups[number].seed))
        if dice >= SIMILAR and (best is None or (-dice, number) < (-best[0], best[1])):
            best = (dice, number)
    return groups[best[1]] if best else None
